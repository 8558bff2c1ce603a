from django.db import migrations, models


class Migration(migrations.Migration):
    """An invitation may time-box the membership it gives (an auditor's engagement)."""

    dependencies = [
        ("isms", "0007_control_group_codes"),
    ]

    operations = [
        migrations.AddField(
            model_name="invitation",
            name="membership_expires_at",
            field=models.DateTimeField(
                blank=True, help_text="The membership it gives ends at this moment.", null=True
            ),
        ),
    ]
