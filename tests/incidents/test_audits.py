"""Internal audit programme (ISO 27001 / 42001 Clause 9.2): coverage, independence,
findings to nonconformities in one click, the report."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from isms import policy
from isms.errors import Conflict
from isms.models import Control, Framework, Role
from monitoring.audits import selectors, services
from monitoring.audits.models import Audit, AuditFinding
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


def _raw(org, statement: str, params) -> None:
    """One statement as the application's database role, inside the organisation."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('app.organization_id', %s, true)", [str(org.pk)])
        cursor.execute(statement, params)


def test_the_reported_audit_is_kept_unchanged_even_by_raw_sql_9_2_2(org_a, in_tenant):
    """Clause 9.2.2: the audit results are retained as documented information. Before the
    report the audit and its findings change freely; after it, a raw UPDATE or DELETE of the
    audit or of a finding is refused by the database, and only the link to the
    nonconformity a finding raises may still be set."""
    with in_tenant(org_a):
        officer = actor_for(org_a)
        auditor = actor_for(org_a, Role.CONTRIBUTOR)
        programme = services.programme_create(
            actor=officer, title="P", start_year=2026, end_year=2027
        )
        audit = services.audit_plan(
            actor=officer,
            programme=programme,
            title="Clause 9",
            auditor=auditor.user,
            clauses=["9"],
            **_dates(),
        )
        audit = services.audit_start(actor=auditor, audit=audit)
        finding = services.finding_add(
            actor=auditor, audit=audit, kind="minor", description="Review minutes unsigned."
        )
    # In progress: raw changes still pass (the trigger guards the issued report only).
    _raw(org_a, "UPDATE monitoring_audits_audit SET plan = 'Revised' WHERE id = %s", [audit.pk])
    _raw(
        org_a,
        "UPDATE monitoring_audits_auditfinding SET evidence = 'Minutes of May' WHERE id = %s",
        [finding.pk],
    )
    with in_tenant(org_a):
        audit.refresh_from_db()
        audit = services.audit_report(actor=auditor, audit=audit, report="One minor finding.")
    refused = [
        ("UPDATE monitoring_audits_audit SET report = 'forged' WHERE id = %s", audit.pk),
        ("UPDATE monitoring_audits_audit SET status = 'in_progress' WHERE id = %s", audit.pk),
        ("DELETE FROM monitoring_audits_audit WHERE id = %s", audit.pk),
        ("UPDATE monitoring_audits_auditfinding SET kind = 'ofi' WHERE id = %s", finding.pk),
        (
            "UPDATE monitoring_audits_auditfinding SET description = 'x' WHERE id = %s",
            finding.pk,
        ),
        ("DELETE FROM monitoring_audits_auditfinding WHERE id = %s", finding.pk),
    ]
    for statement, pk in refused:
        with pytest.raises(DatabaseError, match="immutable"):
            _raw(org_a, statement, [pk])
    with in_tenant(org_a):
        assert AuditFinding.objects.filter(pk=finding.pk).exists()
        nc = services.finding_raise_nonconformity(actor=officer, finding=finding)
        finding.refresh_from_db()
        kept = Audit.objects.get(pk=audit.pk)
    assert finding.nonconformity_id == nc.pk and finding.evidence == "Minutes of May"
    assert (kept.status, kept.report, kept.plan) == ("reported", "One minor finding.", "Revised")


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
