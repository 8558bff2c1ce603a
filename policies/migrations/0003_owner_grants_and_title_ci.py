"""Policy owners get a guardian grant (one ownership mechanism); titles unique ignoring case.

Data steps run once per organisation with `app.organization_id` set for the transaction,
because row-level security is forced on tenant tables (even for the owner of the tables):
1. titles that differ only in case get their id appended, so the case-insensitive unique
   index can be built;
2. every existing policy's owner receives `change_policy` on it.
"""

import django.db.models.deletion
import django.db.models.functions.text
import django.db.models.manager
from django.conf import settings
from django.db import migrations, models

from isms.migration_support import execute_for_each_organization


def rename_case_duplicates(apps, schema_editor):
    execute_for_each_organization(
        apps,
        schema_editor,
        """
            UPDATE policies_policy p SET title = left(p.title, 180) || ' (' || p.id || ')'
            WHERE EXISTS (
                SELECT 1 FROM policies_policy q
                WHERE q.organization_id = p.organization_id
                  AND lower(q.title) = lower(p.title) AND q.id < p.id
            )
            """,
    )


def grant_owners(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    db = schema_editor.connection.alias
    content_type, _ = ContentType.objects.using(db).get_or_create(
        app_label="policies", model="policy"
    )
    permission, _ = Permission.objects.using(db).get_or_create(
        content_type=content_type,
        codename="change_policy",
        defaults={"name": "Can change policy"},
    )
    execute_for_each_organization(
        apps,
        schema_editor,
        """
            INSERT INTO policies_policyuserobjectpermission
                (organization_id, user_id, permission_id, content_object_id)
            SELECT organization_id, owner_id, %s, id FROM policies_policy
            ON CONFLICT DO NOTHING
            """,
        [permission.pk],
    )


class Migration(migrations.Migration):

    dependencies = [
        ('auth', '0012_alter_user_first_name_max_length'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('isms', '0002_transition_record'),
        ('policies', '0002_version_immutability'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='PolicyUserObjectPermission',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
            ],
            options={
                'abstract': False,
                'base_manager_name': 'unscoped',
            },
            managers=[
                ('objects', django.db.models.manager.Manager()),
                ('unscoped', django.db.models.manager.Manager()),
            ],
        ),
        migrations.RemoveConstraint(
            model_name='policy',
            name='policy_unique_title',
        ),
        migrations.RunPython(rename_case_duplicates, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='policy',
            constraint=models.UniqueConstraint(models.F('organization'), django.db.models.functions.text.Lower('title'), name='policy_unique_title_ci'),
        ),
        migrations.AddField(
            model_name='policyuserobjectpermission',
            name='content_object',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='policies.policy'),
        ),
        migrations.AddField(
            model_name='policyuserobjectpermission',
            name='organization',
            field=models.ForeignKey(editable=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='isms.organization'),
        ),
        migrations.AddField(
            model_name='policyuserobjectpermission',
            name='permission',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='auth.permission'),
        ),
        migrations.AddField(
            model_name='policyuserobjectpermission',
            name='user',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterUniqueTogether(
            name='policyuserobjectpermission',
            unique_together={('user', 'permission', 'content_object')},
        ),
        migrations.RunPython(grant_owners, migrations.RunPython.noop),
    ]
