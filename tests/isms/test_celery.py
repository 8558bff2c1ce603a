"""The TenantTask base class in a real Celery worker over the real Redis broker."""

import pytest

from isms.celery import sweep
from isms.tenancy import TenantContextMissing
from suppliers.models import Supplier
from tests.factories import load_all_factories, make_object
from tests.isms.probe_tasks import tenant_probe

pytestmark = pytest.mark.django_db(transaction=True)
load_all_factories()


def test_a_task_runs_in_its_organisations_context_in_a_real_worker(
    celery_worker_process, org_a, org_b
):
    make_object(Supplier, org_a)
    make_object(Supplier, org_b)
    seen = celery_worker_process(tenant_probe, organization_id=org_a.pk)
    assert seen == {
        "context": org_a.pk,
        "database_user": "guardrail_app",
        "database_setting": str(org_a.pk),
        "orm": [org_a.pk],
        "raw_sql_without_filter": [org_a.pk],  # row-level security, not only the ORM
    }


def test_a_tenant_task_needs_an_organisation():
    with pytest.raises(TypeError):
        tenant_probe.apply(kwargs={}).get()
    with pytest.raises(TenantContextMissing):
        list(Supplier.objects.all())


def test_sweep_queues_one_task_per_organisation(org_a, org_b, in_tenant):
    """Through the task outbox: one stored row per organisation, in its own organisation."""
    from isms.models import OutboxTask

    assert sweep(tenant_probe) == 2
    for org in (org_a, org_b):
        with in_tenant(org):
            rows = list(OutboxTask.objects.values_list("task_name", "kwargs"))
        assert rows == [(tenant_probe.name, {"organization_id": org.pk})]
