"""Give every supplier's owner their change_supplier grant (the one ownership mechanism,
isms.policy) and record who sent and who returned existing assessments (segregation of duties).

Row-level security is FORCED on tenant tables: the work runs once per organisation, with the
organisation set for its transaction.
"""

from django.db import migrations

from isms.migration_support import for_each_organization


def _grant_and_backfill(apps, organization_id, alias):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Supplier = apps.get_model("suppliers", "Supplier")
    Grant = apps.get_model("suppliers", "SupplierUserObjectPermission")
    Assessment = apps.get_model("suppliers", "SupplierAssessment")
    Transition = apps.get_model("suppliers", "AssessmentTransition")
    content_type, _ = ContentType.objects.using(alias).get_or_create(app_label="suppliers", model="supplier")
    permission, _ = Permission.objects.using(alias).get_or_create(
        content_type=content_type,
        codename="change_supplier",
        defaults={"name": "Can change supplier"},
    )
    existing = set(
        Grant.objects.using(alias).filter(organization_id=organization_id, permission=permission).values_list(
            "user_id", "content_object_id"
        )
    )
    Grant.objects.using(alias).bulk_create(
        [
            Grant(
                organization_id=organization_id,
                user_id=owner_id,
                permission=permission,
                content_object_id=supplier_id,
            )
            for supplier_id, owner_id in Supplier.objects.using(alias).filter(
                organization_id=organization_id
            ).values_list("pk", "owner_id")
            if (owner_id, supplier_id) not in existing
        ]
    )
    for action, field in (("send", "sent_by_id"), ("return_to_supplier", "returned_by_id")):
        rows = Transition.objects.using(alias).filter(
            organization_id=organization_id, action=action, by__isnull=False
        ).order_by("at", "pk")
        latest = {row.assessment_id: row.by_id for row in rows}
        for assessment_id, user_id in latest.items():
            Assessment.objects.using(alias).filter(pk=assessment_id).update(**{field: user_id})


def forwards(apps, schema_editor):
    for_each_organization(apps, schema_editor, _grant_and_backfill)


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("suppliers", "0003_grants_sod_unique_names"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
