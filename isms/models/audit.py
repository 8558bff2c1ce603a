"""The audit trail: one append-only table written only by a database trigger.

`isms.db_security` attaches the trigger to every tenant table and to the access tables, so
ORM saves, bulk updates and raw SQL are all recorded. The application role may only SELECT
(row-level security limits it to its organisation); UPDATE and DELETE raise, even for the
owner.

The trail is also a hash chain per organisation (isms.audit_chain, migration 0008): a trigger
on this table gives each new event its place in its organisation's chain, the previous
event's hash and its own (SHA-256 of that hash and the event's content), so a row changed,
deleted or slipped in by whoever controls the database breaks a link that verification finds.
"""

from django.db import models

from isms.tenancy import FailClosedManagerMixin


class AuditEventQuerySet(models.QuerySet):
    def for_object(self, obj: models.Model) -> "AuditEventQuerySet":
        return self.filter(table_name=obj._meta.db_table, object_id=str(obj.pk))


class AuditEventManager(FailClosedManagerMixin, models.Manager.from_queryset(AuditEventQuerySet)):
    pass


class TenantFilteredManager(FailClosedManagerMixin, models.Manager):
    pass


class AuditEvent(models.Model):
    class Action(models.TextChoices):
        INSERT = "insert", "Created"
        UPDATE = "update", "Changed"
        DELETE = "delete", "Deleted"

    # No foreign key: the trail outlives what it describes.
    organization_id = models.BigIntegerField()
    table_name = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    action = models.CharField(max_length=10, choices=Action.choices)
    changes = models.JSONField(help_text="{field: [before, after]}")
    actor_id = models.BigIntegerField(null=True)
    actor = models.CharField(max_length=200, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    occurred_at = models.DateTimeField()
    # Set by the database (trigger guardrail_audit_chain), never by the application.
    chain_position = models.BigIntegerField(null=True, editable=False)
    previous_hash = models.CharField(max_length=64, null=True, editable=False)
    hash = models.CharField(max_length=64, null=True, editable=False)

    objects = AuditEventManager()
    unscoped = models.Manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["organization_id", "table_name", "object_id", "occurred_at"]),
            models.Index(fields=["organization_id", "occurred_at"]),
            # The trail's "person" filter lists who appears in it: one probe per person
            # (isms.selectors.trail_actor_ids), not a scan of the whole trail.
            models.Index(fields=["organization_id", "actor_id"], name="auditevent_actor"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organization_id", "chain_position"], name="isms_auditevent_chain_position"
            )
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.table_name}#{self.object_id}"


class AuditChainHead(models.Model):
    """The last link of one organisation's audit chain, one row per organisation.

    Written only by the database (migration isms 0008): at commit, the transaction's last
    event of the organisation becomes its head. The chain trigger reads it for a
    transaction's first event, under the organisation's advisory lock, which serialises an
    organisation's audit events into one chain (other organisations never wait).
    Verification compares the last chained event with it, so removing the newest events is
    found too. Row-level security (enabled, not forced: the triggers run as the owner) lets
    the application role read its own organisation's row and nothing else.
    """

    organization_id = models.BigIntegerField(primary_key=True)
    position = models.BigIntegerField()
    event_id = models.BigIntegerField()
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = TenantFilteredManager()
    unscoped = models.Manager()

    def __str__(self) -> str:
        return f"chain head of organisation {self.organization_id}: #{self.position}"
