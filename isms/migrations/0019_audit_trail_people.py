"""The audit trail's "person" filter reads who appears in the trail from an index, one probe
per person (isms.selectors.trail_actor_ids). Built concurrently: the trail takes an insert
with every write of the product, and a plain CREATE INDEX would hold them all back."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("isms", "0018_webhook_secret_encrypted")]

    operations = [
        AddIndexConcurrently(
            model_name="auditevent",
            index=models.Index(fields=["organization_id", "actor_id"], name="auditevent_actor"),
        ),
    ]
