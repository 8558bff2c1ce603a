"""The transactional task outbox: background work that must not be lost goes through here.

    outbox.enqueue("monitoring.packs.render", kwargs={...}, reference=f"pack:{pk}")

`enqueue` writes an `OutboxTask` row in the caller's transaction (its organisation's tenant
context), so the work is stored exactly when the change that needs it commits. After commit
the row is sent to Celery; if Redis is down the row stays `pending` and nothing is lost:

- the web process retries an organisation's older pending rows the next time one of its
  requests enqueues something and the broker answers;
- a worker relays every pending row when it starts (`worker_ready`), and Celery beat asks a
  worker to relay every minute (`isms.outbox.relay`), so work stored during an outage goes
  out within a minute of Redis coming back, without anyone asking;
- `manage.py relay_outbox` does the same by hand.

Whoever sends a row holds its row lock (`SELECT … FOR UPDATE SKIP LOCKED`) and marks it
`sent` in the same transaction: two relays never send the same row, and a row is marked sent
once. A message can still reach the broker twice (sent, then the marking transaction lost),
always with the row's own Celery task id; the tasks that go through the outbox are
idempotent (a pack renders into one pack, a sweep sends one reminder) and acknowledge late,
so a worker killed mid-task has its message delivered again.

Pages tell their users about work still waiting (`pending_for(reference)`): an evidence pack
requested while the queue is down says so instead of looking stuck.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from isms.models import OutboxStatus, OutboxTask
from isms.tenancy import current_tenant, tenant_context

logger = logging.getLogger(__name__)

RELAY_SETTING = "app.outbox_relay"  # honoured by the table's `outbox_relay` policy
ACTOR = "task outbox"
# One quick reconnection when publishing: a pooled connection to a restarted Redis is
# replaced, while a Redis that is down answers at once instead of holding a request.
PUBLISH_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
# Deliveries of one message after which a task gives up (see record_run).
MAX_RUNS = 5
KEEP_SENT = timedelta(days=7)


@dataclass(frozen=True)
class RelayResult:
    sent: int
    broker_down: bool


def _task_parts(task: Any, args, kwargs, queue: str) -> tuple[str, list, dict, str]:
    from celery.canvas import Signature

    if isinstance(task, Signature):
        return (
            task.task,
            [*task.args, *args],
            {**task.kwargs, **kwargs},
            queue or task.options.get("queue", "") or "",
        )
    name = task if isinstance(task, str) else task.name
    return name, list(args), dict(kwargs), queue


def enqueue(
    task: Any,
    *,
    args=(),
    kwargs: dict | None = None,
    organization_id: int | None = None,
    queue: str = "",
    reference: str = "",
) -> OutboxTask:
    """Store `task` (a registered name, a task or a signature) for sending after commit.

    Inside a tenant context the row belongs to that organisation and joins the caller's
    transaction; with `organization_id` and no context, it is written in its own.
    """
    name, args, kwargs, queue = _task_parts(task, args, kwargs or {}, queue)
    state = current_tenant()
    if state is None:
        if organization_id is None:
            raise ValueError("enqueue needs an organisation: a tenant context or organization_id")
        with tenant_context(organization_id, actor=ACTOR):
            return enqueue(
                name, args=args, kwargs=kwargs, queue=queue, reference=reference
            )  # the same, in that organisation's context
    row = OutboxTask.objects.create(
        organization_id=organization_id or state.organization_id,
        task_name=name,
        args=args,
        kwargs=kwargs,
        queue=queue,
        reference=reference,
    )
    row_id, org_id = row.pk, row.organization_id
    transaction.on_commit(lambda: send_after_commit(row_id, org_id), robust=True)
    return row


def send_after_commit(row_id: int, organization_id: int) -> bool:
    """Send one committed row now; when the broker takes it, also retry the organisation's
    older pending rows (the web's share of the relay). Never raises: an outage leaves the row
    pending for the relay."""
    try:
        with tenant_context(organization_id, actor=ACTOR):
            row = (
                OutboxTask.objects.select_for_update(skip_locked=True)
                .filter(pk=row_id, status=OutboxStatus.PENDING)
                .first()
            )
            if row is None:  # a relay holds it or already sent it
                return False
            sent = _publish(row)
        if sent:
            relay(organization_id=organization_id, batch=20, max_batches=1)
        return sent
    except Exception:  # the database itself is unreachable: the relay sends it later
        logger.warning("outbox row %s not sent after commit", row_id, exc_info=True)
        return False


def _publish(row: OutboxTask) -> bool:
    """Send a row whose lock the caller holds, and record the outcome on it."""
    from isms.celery import app

    try:
        app.send_task(
            row.task_name,
            args=row.args,
            kwargs=row.kwargs,
            task_id=str(row.task_id),
            queue=row.queue or None,
            retry=True,
            retry_policy=PUBLISH_RETRY,
        )
    except Exception as error:
        logger.warning("task queue unreachable; %s stays pending: %s", row.task_name, error)
        OutboxTask.unscoped.filter(pk=row.pk).update(
            send_attempts=F("send_attempts") + 1, last_error=f"{type(error).__name__}: {error}"
        )
        return False
    OutboxTask.unscoped.filter(pk=row.pk).update(
        status=OutboxStatus.SENT,
        sent_at=timezone.now(),
        send_attempts=F("send_attempts") + 1,
        last_error="",
    )
    return True


@contextmanager
def _relay_scope(organization_id: int | None) -> Iterator[None]:
    if organization_id is not None:
        with tenant_context(organization_id, actor=ACTOR + " relay"):
            yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, 'on', true)", [RELAY_SETTING])
        yield


def relay(
    *, organization_id: int | None = None, batch: int = 100, max_batches: int = 100
) -> RelayResult:
    """Send pending rows, oldest first: one organisation's, or every organisation's.

    Each batch is one transaction that locks its rows (skipping rows another relay holds),
    sends them and marks them sent. It stops at the first send the broker refuses: the
    rest stay pending for the next relay."""
    sent = 0
    for _ in range(max_batches):
        with _relay_scope(organization_id):
            rows = OutboxTask.unscoped.select_for_update(skip_locked=True).filter(
                status=OutboxStatus.PENDING
            )
            if organization_id is not None:
                rows = rows.filter(organization_id=organization_id)
            rows = list(rows.order_by("created", "pk")[:batch])
            for row in rows:
                if not _publish(row):
                    return RelayResult(sent=sent, broker_down=True)
                sent += 1
        if len(rows) < batch:
            break
    if sent:
        logger.info("outbox relay sent %s task(s)", sent)
    return RelayResult(sent=sent, broker_down=False)


def pending_for(reference: str) -> OutboxTask | None:
    """The organisation in context's work for `reference` still waiting for the queue."""
    return (
        OutboxTask.objects.filter(reference=reference, status=OutboxStatus.PENDING)
        .order_by("-created")
        .first()
    )


def record_run(task_id: str | None, organization_id: int) -> int:
    """Count one delivery of an outbox task (committed at once, before its work): the number
    of times this message has started, 0 for a task not sent through the outbox. A task that
    sees more than MAX_RUNS gives up: its message has killed its worker each time."""
    try:
        task_uuid = uuid.UUID(str(task_id))
    except ValueError:
        return 0
    with tenant_context(organization_id, actor=ACTOR):
        updated = OutboxTask.objects.filter(task_id=task_uuid).update(runs=F("runs") + 1)
        if not updated:
            return 0
        return OutboxTask.objects.filter(task_id=task_uuid).values_list("runs", flat=True).get()


def purge_sent(*, older_than: timedelta = KEEP_SENT, limit: int = 5000) -> int:
    """Delete rows sent longer ago than `older_than` (every organisation's; the relay's
    scope). Sent rows are kept a while to answer "was it sent, when, how often did it run"."""
    with _relay_scope(None):
        ids = list(
            OutboxTask.unscoped.filter(
                status=OutboxStatus.SENT, sent_at__lt=timezone.now() - older_than
            ).values_list("pk", flat=True)[:limit]
        )
        return OutboxTask.unscoped.filter(pk__in=ids).delete()[0] if ids else 0
