"""Existing organisations get what new ones get at creation, so reads never have to write:

- their risk criteria (defaults) and, per framework of the control library, their Statement
  of Applicability with one row per control (risks.services.setup does the same for new
  organisations and new controls);
- the owner of every risk gets the guardian grant `change_risk` (the one ownership mechanism;
  risks used to compare owner and creator foreign keys);
- an SoA approved before it had a status is marked approved.

Row-level security is FORCED on tenant tables, also for the owner role migrations run as:
each organisation's rows are written in its own transaction with the tenant set
(`set_config('app.organization_id', …, true)`), as the application does.
"""

from django.db import migrations

from isms.migration_support import for_each_organization


def forwards(apps, schema_editor):
    Framework = apps.get_model("isms", "Framework")
    Control = apps.get_model("isms", "Control")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    RiskCriteria = apps.get_model("risks", "RiskCriteria")
    Risk = apps.get_model("risks", "Risk")
    Grant = apps.get_model("risks", "RiskUserObjectPermission")
    Statement = apps.get_model("risks", "StatementOfApplicability")
    SoARow = apps.get_model("risks", "SoARow")
    alias = schema_editor.connection.alias

    controls_by_framework = {
        framework.pk: list(
            Control.objects.using(alias)
            .filter(framework=framework)
            .values_list("pk", flat=True)
        )
        for framework in Framework.objects.using(alias).all()
    }
    permission = None

    def work(apps, organization_id, alias):
        nonlocal permission
        RiskCriteria.objects.using(alias).get_or_create(organization_id=organization_id)
        for framework_id, control_ids in controls_by_framework.items():
            soa, _ = Statement.objects.using(alias).get_or_create(
                organization_id=organization_id, framework_id=framework_id
            )
            SoARow.objects.using(alias).bulk_create(
                [
                    SoARow(organization_id=organization_id, soa=soa, control_id=pk)
                    for pk in control_ids
                ],
                ignore_conflicts=True,
            )
        Statement.objects.using(alias).filter(
            organization_id=organization_id, last_approved_at__isnull=False
        ).update(status="approved")
        owners = list(
            Risk.objects.using(alias)
            .filter(organization_id=organization_id)
            .values_list("pk", "owner_id")
        )
        if owners and permission is None:
            content_type, _ = ContentType.objects.using(alias).get_or_create(
                app_label="risks", model="risk"
            )
            permission, _ = Permission.objects.using(alias).get_or_create(
                content_type=content_type,
                codename="change_risk",
                defaults={"name": "Can change risk"},
            )
        Grant.objects.using(alias).bulk_create(
            [
                Grant(
                    organization_id=organization_id,
                    content_object_id=risk_id,
                    user_id=owner_id,
                    permission=permission,
                )
                for risk_id, owner_id in owners
            ],
            ignore_conflicts=True,
        )

    for_each_organization(apps, schema_editor, work)


class Migration(migrations.Migration):
    atomic = False  # one transaction per organisation (the tenant is set per transaction)

    dependencies = [
        ("risks", "0003_soa_submission_and_risk_grants"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
