"""The acceptance-expiry sweep in a real Celery worker, over the real Redis broker."""

from datetime import timedelta

import pytest
from django.utils import timezone

from risks.models import Risk, RiskAcceptance
from risks.services import register as services
from risks.tasks import expire_acceptances
from tests.risks.test_register_services import _acceptance, _risk

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_real_worker_expires_only_its_organisations_acceptances(
    celery_worker_process, org_a, org_b, in_tenant, people
):
    with in_tenant(org_a):
        risk = _risk(
            people.officer_actor, people.contributor, inherent_likelihood=2, inherent_impact=2
        )
        acceptance = _acceptance(people.contributor_actor, risk, days=5)
        services.acceptance_approve(actor=people.contributor_actor, acceptance=acceptance)
        RiskAcceptance.objects.filter(pk=acceptance.pk).update(
            expires_on=timezone.localdate() - timedelta(days=1)
        )
    assert celery_worker_process(expire_acceptances, organization_id=org_b.pk) == 0
    with in_tenant(org_a):
        assert Risk.objects.get(pk=risk.pk).status == "accepted"
    assert celery_worker_process(expire_acceptances, organization_id=org_a.pk) == 1
    with in_tenant(org_a):
        assert Risk.objects.get(pk=risk.pk).status == "open"
        assert RiskAcceptance.objects.get(pk=acceptance.pk).status == "expired"
