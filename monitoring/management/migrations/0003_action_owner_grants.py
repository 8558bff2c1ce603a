"""Review actions' owners hold a guardian grant (the one ownership mechanism) instead of the
policy comparing the owner foreign key; existing actions grant their owner."""

import django.db.models.deletion
import django.db.models.manager
from django.conf import settings
from django.db import migrations, models

from isms.migration_support import grant_each_owner


def grant_existing(apps, schema_editor):
    grant_each_owner(apps, schema_editor, app_label="monitoring_management", model="reviewoutput", owner_column="owner_id")


class Migration(migrations.Migration):

    dependencies = [
        ('auth', '0012_alter_user_first_name_max_length'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('isms', '0003_organization_seeded_by_bench'),
        ('monitoring_management', '0002_approved_minutes_immutable'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ReviewOutputUserObjectPermission',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('content_object', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='monitoring_management.reviewoutput')),
                ('organization', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='isms.organization')),
                ('permission', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='auth.permission')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'abstract': False,
                'base_manager_name': 'unscoped',
                'indexes': [models.Index(fields=['organization', 'user'], name='monitoring__organiz_c1f559_idx')],
                'unique_together': {('user', 'permission', 'content_object')},
            },
            managers=[
                ('objects', django.db.models.manager.Manager()),
                ('unscoped', django.db.models.manager.Manager()),
            ],
        ),
        migrations.RunPython(grant_existing, migrations.RunPython.noop),
    ]
