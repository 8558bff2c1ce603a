"""The per-version grants (named reviewers and approver) become a tenant table.

Like every register's grant table (isms.models.grants.TenantUserObjectPermission), it gets
the organisation column, the fail-closed manager and, after migrate, forced row-level
security. Existing rows take their version's organisation; the fill runs once per
organisation with `app.organization_id` set, because RLS is forced on the versions table.
"""

import django.db.models.deletion
import django.db.models.manager
from django.db import migrations, models

from isms.migration_support import execute_for_each_organization

def fill_organization(apps, schema_editor):
    execute_for_each_organization(
        apps,
        schema_editor,
        """
        UPDATE policies_policyversionuserobjectpermission g
        SET organization_id = v.organization_id
        FROM policies_policyversion v
        WHERE v.id = g.content_object_id AND g.organization_id IS NULL
        """,
    )
    with schema_editor.connection.cursor() as cursor:
        # Run the deferred foreign-key checks now: the ALTER TABLE that follows refuses to
        # run while trigger events are pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        # A grant whose version no organisation can see cannot be kept in a tenant table.
        cursor.execute(
            "DELETE FROM policies_policyversionuserobjectpermission WHERE organization_id IS NULL"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("isms", "0002_transition_record"),
        ("policies", "0003_owner_grants_and_title_ci"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="policyversionuserobjectpermission",
            options={"abstract": False, "base_manager_name": "unscoped"},
        ),
        migrations.AlterModelManagers(
            name="policyversionuserobjectpermission",
            managers=[
                ("objects", django.db.models.manager.Manager()),
                ("unscoped", django.db.models.manager.Manager()),
            ],
        ),
        migrations.AddField(
            model_name="policyversionuserobjectpermission",
            name="organization",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="isms.organization",
            ),
        ),
        migrations.RunPython(fill_organization, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="policyversionuserobjectpermission",
            name="organization",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="isms.organization",
            ),
        ),
    ]
