"""The Celery app, and the task base class that runs each task in one organisation's context."""

import os

from celery import Celery, Task
from celery.signals import (
    before_task_publish,
    setup_logging,
    task_postrun,
    task_prerun,
    worker_ready,
)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "isms.settings")

app = Celery("guardrail")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

REQUEST_ID_HEADER = "request_id"
_bound: dict[str, object] = {}  # task id -> the token that restores the id after the task


@setup_logging.connect
def _django_logging(**kwargs):
    """The worker logs through settings.LOGGING (request ids included), not Celery's own."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)


@before_task_publish.connect
def _carry_request_id(headers=None, **kwargs):
    """A task queued while serving a request carries that request's id."""
    from isms.log_filters import current_request_id

    request_id = current_request_id()
    if headers is not None and request_id and not headers.get(REQUEST_ID_HEADER):
        headers[REQUEST_ID_HEADER] = request_id


def task_request_id(task) -> str:
    """The id of the request that queued the task, else the task's own id."""
    request = task.request
    carried = getattr(request, REQUEST_ID_HEADER, None) or (request.headers or {}).get(
        REQUEST_ID_HEADER
    )
    return str(carried or request.id or "")


@task_prerun.connect
def _bind_request_id(task_id=None, task=None, **kwargs):
    from isms.log_filters import _request_id

    _bound[task_id] = _request_id.set(task_request_id(task))


@task_postrun.connect
def _unbind_request_id(task_id=None, **kwargs):
    from isms.log_filters import _request_id

    token = _bound.pop(task_id, None)
    try:
        if token is not None:
            _request_id.reset(token)
    except ValueError:  # bound in another thread's context: clear this one's
        _request_id.set("")


class TenantTask(Task):
    """A task that acts for one organisation: call it with `organization_id=<id>`.

    Tasks take ids, never model instances or requests. The body runs inside
    `tenant_context()`, so its queries are filtered by the ORM and by row-level security.
    """

    abstract = True

    def __call__(self, *args, organization_id: int, **kwargs):
        from isms.tenancy import tenant_context

        request_id = task_request_id(self)  # the audit trail names the request behind it
        with tenant_context(organization_id, actor="task " + self.name, request_id=request_id):
            return super().__call__(*args, organization_id=organization_id, **kwargs)


def sweep(task: Task, *, queue: str = "", **kwargs) -> int:
    """Queue `task` once per organisation (ids only); each run acts for its organisation.

    The global beat task reads the organisation list and fans out; the per-organisation
    task (base=TenantTask) does the work inside that organisation's tenant context. Each
    organisation's run goes through the task outbox (isms.outbox): a broker that drops in
    the middle of the fan-out delays the rest, it does not skip them.
    """
    from isms import outbox
    from isms.models import Organization

    organization_ids = list(
        Organization.objects.filter(deleted_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for organization_id in organization_ids:
        outbox.enqueue(
            task,
            kwargs={"organization_id": organization_id, **kwargs},
            organization_id=organization_id,
            queue=queue,
        )
    return len(organization_ids)


@worker_ready.connect
def relay_outbox_on_start(**_) -> None:
    """A worker that starts (after an outage, a deploy) sends the work stored meanwhile."""
    import logging

    from django.db import connections

    try:
        from isms.outbox import relay

        relay()
    except Exception:  # the database may be down too: beat's relay will try again
        logging.getLogger(__name__).warning("outbox relay at worker start failed", exc_info=True)
    finally:
        connections.close_all()
