"""The audit trail: one append-only table written only by a database trigger.

`isms.db_security` attaches the trigger to every tenant table and to the access tables, so
ORM saves, bulk updates and raw SQL are all recorded. The application role may only SELECT
(row-level security limits it to its organisation); UPDATE and DELETE raise, even for the
owner.
"""

from django.db import models

from isms.tenancy import FailClosedManagerMixin


class AuditEventQuerySet(models.QuerySet):
    def for_object(self, obj: models.Model) -> "AuditEventQuerySet":
        return self.filter(table_name=obj._meta.db_table, object_id=str(obj.pk))


class AuditEventManager(FailClosedManagerMixin, models.Manager.from_queryset(AuditEventQuerySet)):
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

    objects = AuditEventManager()
    unscoped = models.Manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["organization_id", "table_name", "object_id", "occurred_at"]),
            models.Index(fields=["organization_id", "occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.table_name}#{self.object_id}"
