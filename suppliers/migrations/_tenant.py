"""Data migrations over tenant tables, one organisation per transaction."""

from django.db import transaction

# Row-level security is FORCED on tenant tables, so the migrating owner sees an organisation's
# rows only with that organisation set for the transaction (isms.tenancy.PG_ORGANIZATION).
PG_ORGANIZATION = "app.organization_id"


def for_each_organization(apps, schema_editor, work):
    Organization = apps.get_model("isms", "Organization")
    connection = schema_editor.connection
    alias = connection.alias  # the migrating (owner) connection, not the app's default
    for organization_id in Organization.objects.using(alias).values_list("pk", flat=True):
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, %s, true)", [PG_ORGANIZATION, str(organization_id)])
            work(apps, organization_id, alias)
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, '', true)", [PG_ORGANIZATION])
