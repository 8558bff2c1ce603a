"""The record every workflow transition leaves: who moved what, from where to where, when, why.

Written only by isms.workflow.transition(), in the same transaction as the move it records.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from isms.tenancy import TenantModel


class TransitionRecord(TenantModel):
    # No foreign key to the object: one table serves every workflow, like the audit trail.
    # The row it is about, for the organisation export (isms.lifecycle.format).
    loose_references = {"object_id": ("table_name", "db_table")}
    table_name = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    workflow = models.CharField(max_length=100)
    transition = models.CharField(max_length=50)
    from_state = models.CharField(max_length=50)
    to_state = models.CharField(max_length=50)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=200, blank=True)
    reason = models.TextField(blank=True)
    occurred_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "table_name", "object_id", "occurred_at"]),
        ]

    def __str__(self) -> str:
        from isms.audit_display import code_label  # states as words, as the workflow names them

        before, after = code_label(self.from_state), code_label(self.to_state)
        return f"{self.workflow} #{self.object_id}: {before} → {after}"
