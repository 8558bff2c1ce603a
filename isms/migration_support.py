"""Data migrations over tenant tables: the one helper every app's migrations use.

Row-level security is FORCED on tenant tables, also for the owner role that runs migrations,
so a data migration sees an organisation's rows only with that organisation set for the
transaction (`isms.tenancy.PG_ORGANIZATION`), exactly as the application does. Keep this
module small and stable: applied migrations import it.
"""

from django.db import transaction

from isms.tenancy import PG_ORGANIZATION


def for_each_organization(apps, schema_editor, work) -> None:
    """Call `work(apps, organization_id, alias)` once per organisation, each in its own
    transaction with the tenant set, on the migrating connection."""
    Organization = apps.get_model("isms", "Organization")
    connection = schema_editor.connection
    alias = connection.alias  # the migrating (owner) connection, not the app's default
    for organization_id in (
        Organization.objects.using(alias).order_by("pk").values_list("pk", flat=True)
    ):
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config(%s, %s, true)", [PG_ORGANIZATION, str(organization_id)]
            )
            work(apps, organization_id, alias)
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, '', true)", [PG_ORGANIZATION])


def execute_for_each_organization(apps, schema_editor, sql: str, params=()) -> None:
    """Run one SQL statement once per organisation, in that organisation's tenant context."""

    def work(apps, organization_id, alias):
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(sql, params)

    for_each_organization(apps, schema_editor, work)


def grant_each_owner(apps, schema_editor, *, app_label: str, model: str, owner_column: str):
    """Give every existing row's owner (the user in `owner_column`) the `change_<model>`
    guardian grant, in the model's direct grant table, one organisation at a time."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    db = schema_editor.connection.alias
    content_type, _ = ContentType.objects.using(db).get_or_create(app_label=app_label, model=model)
    permission, _ = Permission.objects.using(db).get_or_create(
        content_type=content_type,
        codename=f"change_{model}",
        defaults={"name": f"Can change {model}"},
    )
    table = f"{app_label}_{model}"
    execute_for_each_organization(
        apps,
        schema_editor,
        f"INSERT INTO {table}userobjectpermission"
        " (organization_id, user_id, permission_id, content_object_id)"
        f" SELECT organization_id, {owner_column}, %s, id FROM {table}"
        f" WHERE {owner_column} IS NOT NULL",
        [permission.pk],
    )
