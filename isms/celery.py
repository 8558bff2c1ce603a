"""The Celery app, and the task base class that runs each task in one organisation's context."""

import os

from celery import Celery, Task

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "isms.settings")

app = Celery("guardrail")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


class TenantTask(Task):
    """A task that acts for one organisation: call it with `organization_id=<id>`.

    Tasks take ids, never model instances or requests. The body runs inside
    `tenant_context()`, so its queries are filtered by the ORM and by row-level security.
    """

    abstract = True

    def __call__(self, *args, organization_id: int, **kwargs):
        from isms.tenancy import tenant_context

        request_id = getattr(self.request, "id", None) or ""
        with tenant_context(organization_id, actor="task " + self.name, request_id=request_id):
            return super().__call__(*args, organization_id=organization_id, **kwargs)


def sweep(task: Task, **kwargs) -> int:
    """Queue `task` once per organisation (ids only); each run acts for its organisation.

    The global beat task reads the organisation list and fans out; the per-organisation
    task (base=TenantTask) does the work inside that organisation's tenant context.
    """
    from isms.models import Organization

    organization_ids = list(Organization.objects.order_by("pk").values_list("pk", flat=True))
    for organization_id in organization_ids:
        task.delay(organization_id=organization_id, **kwargs)
    return len(organization_ids)
