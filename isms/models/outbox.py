"""The task outbox: background work that must not be lost, stored with the change that asks
for it (isms.outbox writes, sends and relays it).

A row is written in the caller's transaction, so the work exists exactly when the change that
needs it committed: a rolled-back request queues nothing, and a committed one cannot lose its
work to a broker that is down. After commit the row is sent to Celery; while Redis is
unreachable it stays `pending` and a relay sends it later. A row is marked `sent` once, by
whoever holds its row lock (`SELECT … FOR UPDATE SKIP LOCKED`).

Rows belong to an organisation and have row-level security like every tenant table: an
organisation sees only its own pending work. The relay that drains every organisation's rows
in one query sets `app.outbox_relay` for its transaction only, which a second policy of this
table (migration isms 0013) honours; no request path sets it.
"""

from __future__ import annotations

import uuid

from django.db import models

from isms.tenancy import TenantModel


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "Waiting for the task queue"
    SENT = "sent", "Sent to the task queue"


class OutboxTask(TenantModel):
    # The Celery task id the message is sent with: a message sent twice (a relay that sent
    # and then lost its commit) carries the same id, and the task's work is idempotent.
    task_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    queue = models.CharField(max_length=200, blank=True)
    # What the work is for, so a page can tell its user it is still waiting
    # (e.g. "monitoring.packs.render:<pack>:<attempt>").
    reference = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    created = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    send_attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # Deliveries the task itself counted (isms.outbox.record_run): a message that kills its
    # worker every time (out of memory) is given up after a few instead of looping forever.
    runs = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "outbox task"
        indexes = [
            models.Index(fields=["organization", "status", "created"]),
            models.Index(fields=["organization", "reference"]),
            models.Index(
                fields=["created"],
                condition=models.Q(status="pending"),
                name="isms_outbox_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task_name} ({self.status})"
