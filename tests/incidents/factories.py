"""Makers for every model of monitoring.incidents and monitoring.improvement."""

from __future__ import annotations

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from isms import permissions
from isms.access import Actor
from isms.models import Membership, Role
from monitoring.audits.models import Audit, AuditFinding, AuditProgramme, AuditUserObjectPermission
from monitoring.improvement.models import (
    CorrectiveAction,
    CorrectiveActionUserObjectPermission,
    ImprovementEntry,
    Nonconformity,
    NonconformityUserObjectPermission,
)
from monitoring.incidents.models import (
    ConcernChannel,
    Incident,
    IncidentAsset,
    IncidentEvidence,
    IncidentSettings,
    IncidentSupplier,
    IncidentUserObjectPermission,
    ReportingClock,
    TimelineEntry,
)
from monitoring.management.models import (
    ManagementReview,
    ReviewOutput,
    ReviewOutputUserObjectPermission,
)
from tests.assets.factories import make_asset
from tests.factories import MembershipFactory, object_factory
from tests.suppliers.factories import make_supplier

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def actor_for(organization, role: str = Role.OFFICER, user=None) -> Actor:
    if user is None:
        user = MembershipFactory(organization=organization, role=role).user
    membership = Membership.objects.select_related("organization", "user").get(
        organization=organization, user=user
    )
    return Actor.for_membership(membership)


def pdf(name: str = "log.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


@object_factory(Incident)
def make_incident(organization, **fields):
    values = {
        "title": "Chat assistant showed another customer's order",
        "description": "A customer saw someone else's order number in a chat answer.",
        "category": "data_leak",
        "severity": "high",
        "aware_at": timezone.now() - timedelta(hours=2),
        "personal_data_breach": True,
    }
    values.update(fields)
    return Incident.objects.create(organization=organization, **values)


@object_factory(IncidentSettings)
def make_settings(organization):
    return IncidentSettings.objects.get_or_create(organization=organization)[0]


@object_factory(IncidentUserObjectPermission)
def make_incident_grant(organization):
    incident = make_incident(organization)
    user = MembershipFactory(organization=organization, role=Role.CONTRIBUTOR).user
    permissions.grant(user, "change_incident", incident)
    return IncidentUserObjectPermission.objects.get(content_object=incident)


@object_factory(IncidentAsset)
def make_incident_asset(organization):
    return IncidentAsset.objects.create(
        incident=make_incident(organization), asset=make_asset(organization), model_version="v1"
    )


@object_factory(IncidentSupplier)
def make_incident_supplier(organization):
    return IncidentSupplier.objects.create(
        incident=make_incident(organization), supplier=make_supplier(organization)
    )


@object_factory(TimelineEntry)
def make_timeline_entry(organization):
    return TimelineEntry.objects.create(incident=make_incident(organization), text="Noted.")


@object_factory(IncidentEvidence)
def make_evidence(organization):
    return IncidentEvidence.objects.create(
        incident=make_incident(organization),
        file=pdf(),
        original_name="log.pdf",
        content_type="application/pdf",
        size=len(PDF_BYTES),
        sha256="0" * 64,
        uploaded_by_label="test",
    )


@object_factory(ReportingClock)
def make_clock(organization):
    return ReportingClock.objects.create(
        incident=make_incident(organization),
        regime="gdpr_art33",
        article="GDPR Art. 33(1)",
        due_at=timezone.now() + timedelta(hours=70),
    )


@object_factory(ConcernChannel)
def make_channel(organization):
    return ConcernChannel.objects.create(token_hash="f" * 64, token_prefix="ffffff")


@object_factory(Nonconformity)
def make_nonconformity(organization):
    owner = MembershipFactory(organization=organization, role=Role.CONTRIBUTOR).user
    return Nonconformity.objects.create(
        title="Prompt logs were not reviewed",
        description="The weekly review of prompt logs lapsed for a month.",
        owner=owner,
    )


@object_factory(NonconformityUserObjectPermission)
def make_nonconformity_grant(organization):
    nc = make_nonconformity(organization)
    permissions.grant(nc.owner, "change_nonconformity", nc)
    return NonconformityUserObjectPermission.objects.get(content_object=nc)


@object_factory(CorrectiveAction)
def make_action(organization):
    nc = make_nonconformity(organization)
    return CorrectiveAction.objects.create(
        nonconformity=nc,
        description="Automate the weekly prompt-log review",
        owner=nc.owner,
        due_date=timezone.localdate() + timedelta(days=14),
    )


@object_factory(CorrectiveActionUserObjectPermission)
def make_action_grant(organization):
    action = make_action(organization)
    permissions.grant(action.owner, "change_correctiveaction", action)
    return CorrectiveActionUserObjectPermission.objects.get(content_object=action)


@object_factory(ImprovementEntry)
def make_improvement(organization):
    return ImprovementEntry.objects.create(title="Share lessons learned at the monthly meeting")


# --- internal audit ----------------------------------------------------------------------


@object_factory(AuditProgramme)
def make_programme(organization):
    return AuditProgramme.objects.create(
        title="ISMS audits 2026–2028", start_year=2026, end_year=2028
    )


@object_factory(Audit)
def make_audit(organization):
    auditor = MembershipFactory(organization=organization, role=Role.CONTRIBUTOR).user
    today = timezone.localdate()
    return Audit.objects.create(
        programme=make_programme(organization),
        title="Clause 8 and AI operations",
        clauses=["8"],
        planned_start=today,
        planned_end=today + timedelta(days=5),
        auditor=auditor,
    )


@object_factory(AuditUserObjectPermission)
def make_audit_grant(organization):
    audit = make_audit(organization)
    permissions.grant(audit.auditor, "change_audit", audit)
    return AuditUserObjectPermission.objects.get(content_object=audit)


@object_factory(AuditFinding)
def make_finding(organization):
    return AuditFinding.objects.create(
        audit=make_audit(organization), kind="minor", description="Two prompts lacked review."
    )


# --- management review ----------------------------------------------------------------------


@object_factory(ManagementReview)
def make_review(organization):
    today = timezone.localdate()
    return ManagementReview.objects.create(
        title="Management review H1",
        period_start=today - timedelta(days=180),
        period_end=today,
    )


@object_factory(ReviewOutput)
def make_review_output(organization):
    owner = MembershipFactory(organization=organization, role=Role.CONTRIBUTOR).user
    return ReviewOutput.objects.create(
        review=make_review(organization),
        kind="action",
        description="Budget a red-team exercise",
        owner=owner,
        due_date=timezone.localdate() + timedelta(days=30),
    )


@object_factory(ReviewOutputUserObjectPermission)
def make_review_output_grant(organization):
    output = make_review_output(organization)
    permissions.grant(output.owner, "change_reviewoutput", output)
    return ReviewOutputUserObjectPermission.objects.get(content_object=output)
