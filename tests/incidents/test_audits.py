"""Internal audit programme (ISO 27001 / 42001 Clause 9.2): coverage, independence,
findings to nonconformities in one click, the report."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from isms import policy
from isms.errors import Conflict
from isms.models import Control, Framework, Role
from monitoring.audits import selectors, services
from monitoring.audits.models import Audit
from tests.assets.factories import AssetFactory
from tests.incidents.factories import actor_for

pytestmark = pytest.mark.django_db


def _dates():
    today = timezone.localdate()
    return {"planned_start": today, "planned_end": today + timedelta(days=3)}


def test_an_auditor_who_owns_an_asset_in_scope_is_refused_9_2_2(org_a, in_tenant):
    with in_tenant(org_a):
        officer = actor_for(org_a)
        auditor = actor_for(org_a, Role.CONTRIBUTOR).user
        asset = AssetFactory(organization=org_a, owner=auditor, name="Support chatbot")
        programme = services.programme_create(
            actor=officer, title="2026–2028", start_year=2026, end_year=2028
        )
        with pytest.raises(ValidationError) as error:
            services.audit_plan(
                actor=officer,
                programme=programme,
                title="AI operations",
                auditor=auditor,
                asset_ids=[asset.pk],
                clauses=["8"],
                **_dates(),
            )
        message = error.value.message_dict["auditor"][0]
        assert "Support chatbot" in message and "independent" in message
        # Someone who owns nothing there may audit it.
        other = actor_for(org_a, Role.CONTRIBUTOR).user
        audit = services.audit_plan(
            actor=officer,
            programme=programme,
            title="AI operations",
            auditor=other,
            asset_ids=[asset.pk],
            clauses=["8"],
            **_dates(),
        )
        # Making the owner the auditor later is refused just the same.
        with pytest.raises(ValidationError):
            services.audit_update(actor=officer, audit=audit, auditor=auditor)


def test_coverage_shows_clauses_and_applicable_controls_not_yet_planned(org_a, in_tenant):
    from risks.models import SoARow, StatementOfApplicability

    framework = Framework.objects.create(code="iso27001-test", name="ISO 27001 (test)")
    c1 = Control.objects.create(
        framework=framework,
        ref="5.24",
        group="Org",
        title="Planning",
        description="ours",
        sort_key="005.024",
    )
    c2 = Control.objects.create(
        framework=framework,
        ref="5.25",
        group="Org",
        title="Assessment",
        description="ours",
        sort_key="005.025",
    )
    c3 = Control.objects.create(
        framework=framework,
        ref="5.26",
        group="Org",
        title="Response",
        description="ours",
        sort_key="005.026",
    )
    with in_tenant(org_a):
        soa = StatementOfApplicability.objects.create(framework=framework)
        SoARow.objects.create(soa=soa, control=c1, applicable=True)
        SoARow.objects.create(soa=soa, control=c2, applicable=True)
        SoARow.objects.create(soa=soa, control=c3, applicable=False, justification="n/a")
        officer = actor_for(org_a)
        programme = services.programme_create(
            actor=officer, title="P", start_year=2026, end_year=2028
        )
        services.audit_plan(
            actor=officer,
            programme=programme,
            title="Context and leadership",
            auditor=actor_for(org_a, Role.CONTRIBUTOR).user,
            clauses=["4", "5"],
            control_ids=[c1.pk],
            **_dates(),
        )
        cover = selectors.coverage(programme)
        assert cover.clauses_missing == [f"Clause {n}" for n in range(6, 11)]
        assert [c.ref for c in cover.controls_missing] == ["5.25"]  # 5.26 is not applicable
        assert not cover.complete


def test_findings_become_nonconformities_in_one_click_and_the_report_is_kept(org_a, in_tenant):
    with in_tenant(org_a):
        officer = actor_for(org_a)
        auditor = actor_for(org_a, Role.CONTRIBUTOR)
        programme = services.programme_create(
            actor=officer, title="P", start_year=2026, end_year=2028
        )
        audit = services.audit_plan(
            actor=officer,
            programme=programme,
            title="Clause 10",
            auditor=auditor.user,
            clauses=["10"],
            **_dates(),
        )
        with pytest.raises(Conflict):  # not started
            services.finding_add(actor=auditor, audit=audit, kind="minor", description="x")
        audit = services.audit_start(actor=auditor, audit=audit)
        finding = services.finding_add(
            actor=auditor,
            audit=audit,
            kind="major",
            description="Corrective actions closed without verification.",
            evidence="NC-3, NC-7",
        )
        nc = services.finding_raise_nonconformity(actor=officer, finding=finding)
        assert nc.source == "audit_finding" and "NC-3, NC-7" in nc.description
        with pytest.raises(Conflict):
            services.finding_raise_nonconformity(actor=officer, finding=finding)
        with pytest.raises(ValidationError):
            services.audit_report(actor=auditor, audit=audit, report=" ")
        audit = services.audit_report(actor=auditor, audit=audit, report="One major finding.")
        assert audit.status == "reported" and audit.reported_by == auditor.user
        with pytest.raises(Conflict):
            services.audit_update(actor=officer, audit=audit, title="Changed")


def test_the_named_auditor_conducts_through_their_grant_and_it_moves_with_the_role(
    org_a, in_tenant
):
    """One ownership mechanism (guardian grants): naming another auditor moves the right to
    conduct the audit; the previous auditor, a contributor, can no longer change it."""
    with in_tenant(org_a):
        officer = actor_for(org_a)
        first = actor_for(org_a, Role.CONTRIBUTOR)
        second = actor_for(org_a, Role.CONTRIBUTOR)
        bystander = actor_for(org_a, Role.CONTRIBUTOR)
        programme = services.programme_create(
            actor=officer, title="P", start_year=2026, end_year=2028
        )
        audit = services.audit_plan(
            actor=officer,
            programme=programme,
            title="Clause 8",
            auditor=first.user,
            clauses=["8"],
            **_dates(),
        )
        assert policy.can(first, "conduct", audit)
        assert not policy.can(bystander, "conduct", audit)
        assert list(policy.restrict(first, "change", Audit.objects.all())) == [audit]

        services.audit_update(actor=officer, audit=audit, auditor=second.user)
        assert not policy.can(first, "conduct", audit)
        assert policy.can(second, "conduct", audit)
        assert list(policy.restrict(first, "change", Audit.objects.all())) == []
        audit = services.audit_start(actor=second, audit=audit)
        assert audit.status == "in_progress"
