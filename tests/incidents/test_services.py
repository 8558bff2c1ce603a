"""Incident and Clause 10 services: intake, triage, clocks, closure, suspension, evidence,
nonconformities and the verification of corrective actions."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from assets.models import Lifecycle
from isms.errors import Conflict, ErrorCode, NotPermitted
from isms.models import Role
from monitoring.improvement import services as improvement
from monitoring.improvement.due import corrective_action_items
from monitoring.improvement.models import ActionStatus, NCStatus
from monitoring.incidents import services
from monitoring.incidents.due import reporting_clock_items
from monitoring.incidents.models import Incident, IncidentSettings, Status
from risks.models import Risk, RiskAsset
from tests.assets.factories import AssetFactory
from tests.factories import MembershipFactory
from tests.incidents.factories import PDF_BYTES, actor_for, pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(org_a, in_tenant):
    with in_tenant(org_a):
        return actor_for(org_a)


def _report(actor, **fields):
    values = {
        "title": "Assistant leaked an order number",
        "description": "A customer saw another customer's order in an answer.",
        "category": "data_leak",
        "severity": "high",
        "personal_data_breach": True,
    }
    values.update(fields)
    return services.incident_report(actor=actor, **values)


def test_report_starts_the_clocks_its_facts_call_for(org_a, in_tenant, officer):
    with in_tenant(org_a):
        incident = _report(officer, serious_incident="death", nis2_significant=True)
        regimes = set(incident.clocks.values_list("regime", flat=True))
        # NIS2 Art. 23 only where the organisation is in scope (its settings): not yet.
        assert regimes == {"ai_act_art73", "gdpr_art33"}
        assert incident.status == Status.REPORTED
        services.settings_update(actor=officer, nis2_in_scope=True)
        regimes = set(incident.clocks.values_list("regime", flat=True))
        assert {"nis2_early_warning", "nis2_notification", "nis2_final"} <= regimes
        art73 = incident.clocks.get(regime="ai_act_art73")
        assert art73.article == "EU AI Act Art. 73(4)"
        assert "provider first" in art73.recipient  # a deployer (default setting)


def test_changing_the_facts_moves_unreported_clocks_and_keeps_reported_ones(
    org_a, in_tenant, officer
):
    with in_tenant(org_a):
        incident = _report(officer, serious_incident="general")
        gdpr = incident.clocks.get(regime="gdpr_art33")
        services.clock_record_report(actor=officer, clock=gdpr, recipient="Berlin DPA")
        services.incident_update(
            actor=officer,
            incident=incident,
            serious_incident="widespread",
            personal_data_breach=False,
        )
        art73 = incident.clocks.get(regime="ai_act_art73")
        assert art73.article == "EU AI Act Art. 73(3)"
        assert incident.clocks.get(regime="gdpr_art33").recipient == "Berlin DPA"  # history kept


def test_model_version_is_captured_at_the_time(org_a, in_tenant, officer):
    with in_tenant(org_a):
        asset = AssetFactory(organization=org_a, owner=officer.user, model_version="gpt-x-0601")
        incident = _report(officer, assets=[asset])
        asset.model_version = "gpt-x-0901"
        asset.save()
        assert incident.asset_links.get().model_version == "gpt-x-0601"


def test_contributor_reports_but_cannot_triage(org_a, in_tenant, officer):
    with in_tenant(org_a):
        contributor = actor_for(org_a, Role.CONTRIBUTOR)
        incident = _report(contributor)
        with pytest.raises(NotPermitted):
            services.incident_triage(actor=contributor, incident=incident, owner=contributor.user)
        services.incident_triage(actor=officer, incident=incident, owner=contributor.user)
        incident.refresh_from_db()
        assert incident.status == Status.INVESTIGATING
        # The named handler now changes it (their grant).
        services.timeline_add(actor=contributor, incident=incident, text="Logs pulled.")


def test_closing_without_lessons_learned_is_refused_a5_27(org_a, in_tenant, officer):
    with in_tenant(org_a):
        incident = _report(officer)
        services.incident_triage(actor=officer, incident=incident, owner=officer.user)
        with pytest.raises(ValidationError) as error:
            services.incident_close(actor=officer, incident=incident, lessons_learned="  ")
        assert "lessons_learned" in error.value.message_dict
        incident.refresh_from_db()
        assert incident.status == Status.INVESTIGATING
        # The database refuses it too, whatever the path.
        with pytest.raises(IntegrityError), transaction.atomic():
            Incident.objects.filter(pk=incident.pk).update(status="closed")


def test_closing_flags_linked_risks_and_asks_for_an_asset_review(org_a, in_tenant, officer):
    with in_tenant(org_a):
        asset = AssetFactory(organization=org_a, owner=officer.user)
        risk = Risk.objects.create(
            title="Leak through chat",
            category="data_leakage",
            owner=officer.user,
            next_review_date=timezone.localdate() + timedelta(days=200),
        )
        RiskAsset.objects.create(risk=risk, asset=asset)
        incident = _report(officer, assets=[asset])
        services.incident_triage(actor=officer, incident=incident, owner=officer.user)
        services.incident_close(
            actor=officer, incident=incident, lessons_learned="Filter order numbers out."
        )
        risk.refresh_from_db()
        assert risk.next_review_date == timezone.localdate()
        assert incident.asset_links.get().review_requested_at is not None
        incident.refresh_from_db()
        assert incident.status == Status.CLOSED and incident.closed_by == officer.user


def test_suspending_moves_the_asset_out_of_production(org_a, in_tenant, officer):
    with in_tenant(org_a):
        asset = AssetFactory(organization=org_a, owner=officer.user, lifecycle=Lifecycle.PRODUCTION)
        incident = _report(officer, assets=[asset])
        contributor = actor_for(org_a, Role.CONTRIBUTOR)
        with pytest.raises(NotPermitted):
            services.incident_suspend(actor=contributor, incident=incident, reason="Leaking")
        services.incident_suspend(actor=officer, incident=incident, reason="Leaking data")
        asset.refresh_from_db()
        assert asset.lifecycle == Lifecycle.PILOT
        assert incident.timeline.filter(kind="decision").exists()
        with pytest.raises(Conflict):  # nothing left to suspend
            services.incident_suspend(actor=officer, incident=incident, reason="Again")
        # It returns to production only through an approved AI change request (8.32 gate).
        from assets.services import asset_set_lifecycle

        with pytest.raises(Conflict) as gate:
            asset_set_lifecycle(actor=officer, asset=asset, lifecycle=Lifecycle.PRODUCTION)
        assert gate.value.code == ErrorCode.GATE_CLOSED


def test_evidence_keeps_its_sha256_and_bad_files_are_refused_a5_28(org_a, in_tenant, officer):
    with in_tenant(org_a):
        incident = _report(officer)
        evidence = services.evidence_add(actor=officer, incident=incident, upload=pdf())
        assert evidence.sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
        assert "log.pdf" not in evidence.file.name  # generated storage name
        assert evidence.file.name.startswith(f"org-{org_a.pk}/incident-evidence/")
        fake = SimpleUploadedFile("x.pdf", b"<html><script>alert(1)</script>", "application/pdf")
        with pytest.raises(ValidationError):
            services.evidence_add(actor=officer, incident=incident, upload=fake)


def test_clock_report_records_when_and_to_whom_and_nis2_final_follows_it(org_a, in_tenant, officer):
    with in_tenant(org_a):
        IncidentSettings.objects.create(nis2_in_scope=True, time_zone="UTC")
        incident = _report(officer, nis2_significant=True, personal_data_breach=False)
        notification = incident.clocks.get(regime="nis2_notification")
        sent = timezone.now() - timedelta(minutes=5)
        services.clock_record_report(
            actor=officer,
            clock=notification,
            recipient="CERT-Bund",
            reported_at=sent,
            reference="CB-2027-1",
        )
        notification.refresh_from_db()
        assert notification.reported_at == sent and notification.reported_by == officer.user
        final = incident.clocks.get(regime="nis2_final")
        assert final.due_at.date() > (sent + timedelta(days=27)).date()
        assert incident.timeline.filter(kind="report", text__contains="CERT-Bund").exists()


def test_reporting_clock_due_items_go_to_the_owner_and_the_officers_gdpr_art33(
    org_a, in_tenant, officer
):
    """GDPR Art. 33(1): 72 hours from awareness. The item falls on the deadline's local day
    (Europe/Brussels by default), names the article and the exact time, and goes to the
    officers (members with monitoring:manage) and, once named, the incident's owner."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    owner = actor_for(org_a, Role.CONTRIBUTOR)
    actor_for(org_a, Role.AUDITOR)  # read-only: never reminded
    aware = datetime(2026, 12, 1, 23, 30, tzinfo=ZoneInfo("Europe/Brussels"))
    with in_tenant(org_a):
        incident = _report(officer, aware_at=aware)
        clock = incident.clocks.get()
        (item,) = reporting_clock_items(org_a.pk, aware.date())
        assert item.recipient_ids == [officer.user.pk]
        assert item.due_on.isoformat() == "2026-12-04"  # 72 h later: 4 Dec 23:30 local
        assert item.key == f"incident-clock:{clock.pk}:2026-12-04"
        assert "GDPR Art. 33(1)" in item.subject and "04 Dec 2026 23:30" in item.subject
        services.incident_triage(actor=officer, incident=incident, owner=owner.user)
        (item,) = reporting_clock_items(org_a.pk, aware.date())
        assert item.recipient_ids == [owner.user.pk, officer.user.pk]
        services.clock_record_report(actor=officer, clock=clock, recipient="CNIL")
        assert list(reporting_clock_items(org_a.pk, aware.date())) == []


def test_a_day_period_falls_on_its_last_local_day_ai_act_art73_4(org_a, in_tenant, officer):
    """EU AI Act Art. 73(4), a death: 10 days, ending at local midnight, so the reminder's
    day is the tenth day itself, not the day of the following midnight."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    aware = datetime(2026, 12, 1, 9, 0, tzinfo=ZoneInfo("Europe/Brussels"))
    with in_tenant(org_a):
        _report(officer, aware_at=aware, personal_data_breach=False, serious_incident="death")
        (item,) = reporting_clock_items(org_a.pk, aware.date())
    assert item.due_on.isoformat() == "2026-12-11"
    assert "EU AI Act Art. 73(4)" in item.subject and "the end of 11 Dec 2026" in item.subject


# --- Clause 10 ---------------------------------------------------------------------------------


def _nc_with_action(org, officer):
    contributor = actor_for(org, Role.CONTRIBUTOR)
    incident = _report(officer)
    nc = improvement.nonconformity_from_incident(actor=officer, incident=incident)
    action = improvement.action_plan(
        actor=officer,
        nonconformity=nc,
        description="Mask order numbers",
        owner=contributor.user,
        due_date=timezone.localdate() + timedelta(days=7),
    )
    return contributor, incident, nc, action


def test_nonconformity_from_an_incident_is_prefilled_and_raised_once(org_a, in_tenant, officer):
    with in_tenant(org_a):
        _, incident, nc, _ = _nc_with_action(org_a, officer)
        assert nc.source == "incident" and nc.source_incident == incident
        assert nc.description == incident.description
        with pytest.raises(Conflict):
            improvement.nonconformity_from_incident(actor=officer, incident=incident)


def test_verifying_ones_own_corrective_action_is_refused_clause_10_2(org_a, in_tenant, officer):
    with in_tenant(org_a):
        owner, _, _nc, action = _nc_with_action(org_a, officer)
        improvement.action_complete(actor=owner, action=action, note="Masking deployed")
        # The owner (even an officer who owns it) may not verify their own action.
        officer_owner = actor_for(org_a)
        improvement.action_update(actor=officer, action=action, owner=officer_owner.user)
        with pytest.raises(NotPermitted) as error:
            improvement.action_verify(actor=officer_owner, action=action, note="Looks fine")
        assert error.value.code == ErrorCode.SEGREGATION_OF_DUTIES
        # The database refuses it as well.
        with pytest.raises(IntegrityError), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE monitoring_improvement_correctiveaction SET verified_by_id = owner_id"
                    " WHERE id = %s",
                    [action.pk],
                )


def test_a_nonconformity_closes_only_after_verification_by_someone_else(org_a, in_tenant, officer):
    with in_tenant(org_a):
        owner, _, nc, action = _nc_with_action(org_a, officer)
        improvement.nonconformity_update(
            actor=officer, nonconformity=nc, root_cause="No masking rule for order numbers."
        )
        with pytest.raises(Conflict):
            improvement.nonconformity_close(actor=officer, nonconformity=nc)
        improvement.action_complete(actor=owner, action=action)
        with pytest.raises(NotPermitted):  # a contributor lacks monitoring:approve
            improvement.action_verify(actor=owner, action=action, note="Works")
        improvement.action_verify(actor=officer, action=action, note="Sampled 50 chats: none")
        action.refresh_from_db()
        assert action.status == ActionStatus.VERIFIED and action.verified_by == officer.user
        closed = improvement.nonconformity_close(actor=officer, nonconformity=nc)
        assert closed.status == NCStatus.CLOSED


def test_corrective_action_due_items(org_a, in_tenant, officer):
    with in_tenant(org_a):
        owner, _, _, action = _nc_with_action(org_a, officer)
    with in_tenant(org_a):  # the sweep calls sources inside the organisation's context
        (item,) = corrective_action_items(org_a.pk, timezone.localdate())
    assert item.recipient_ids == [owner.user.pk] and item.due_on == action.due_date


def test_an_auditor_cannot_own_a_corrective_action(org_a, in_tenant, officer):
    with in_tenant(org_a):
        _, _, nc, _ = _nc_with_action(org_a, officer)
        auditor = MembershipFactory(organization=org_a, role=Role.AUDITOR).user
        with pytest.raises(ValidationError):
            improvement.action_plan(
                actor=officer,
                nonconformity=nc,
                description="x",
                owner=auditor,
                due_date=timezone.localdate(),
            )
