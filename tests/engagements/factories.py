"""Makers for every model of monitoring.engagements (the generic suites use them)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from isms.models import Framework
from monitoring.engagements.models import (
    AccessKind,
    AuditorAccess,
    Engagement,
    EngagementAuditor,
    EvidenceAnswer,
    EvidenceRequest,
)
from tests.factories import object_factory

AUDITOR_EMAIL = "auditor@audit-firm.example"


def auditor_user(organization, email: str = AUDITOR_EMAIL, days: int = 30):
    """A person holding an auditor's membership of `organization` that ends in `days`."""
    from isms.models import Role
    from tests.factories import MembershipFactory

    return MembershipFactory(
        organization=organization,
        role=Role.AUDITOR,
        user__email=email,
        user__username=email,
        expires_at=timezone.now() + timedelta(days=days),
    ).user


def a_framework() -> Framework:
    return Framework.objects.get_or_create(
        code="test-framework", defaults={"name": "Test framework"}
    )[0]


@object_factory(Engagement)
def make_engagement(organization, *, emails=(AUDITOR_EMAIL,), days: int = 30, **fields):
    engagement = Engagement.objects.create(
        organization=organization,
        title=fields.pop("title", "Certification audit"),
        framework_codes=[a_framework().code],
        expires_at=timezone.now() + timedelta(days=days),
        **fields,
    )
    for email in emails:
        EngagementAuditor.objects.create(
            organization=organization, engagement=engagement, email=email
        )
    return engagement


@object_factory(EvidenceRequest)
def make_request(organization, engagement=None):
    engagement = engagement or make_engagement(organization)
    return EvidenceRequest.objects.create(
        organization=organization,
        engagement=engagement,
        question="Show the access review of the last quarter.",
        due_on=timezone.localdate() + timedelta(days=14),
    )


@object_factory(EngagementAuditor)
def make_engagement_auditor(organization):
    return make_engagement(organization).auditors.get()


@object_factory(EvidenceAnswer)
def make_answer(organization):
    return EvidenceAnswer.objects.create(
        organization=organization,
        request=make_request(organization),
        note="The review is in the ISMS folder.",
    )


@object_factory(AuditorAccess)
def make_access(organization):
    from tests.factories import MembershipFactory

    user = MembershipFactory(organization=organization, role="auditor").user
    return AuditorAccess.objects.create(
        organization=organization,
        user=user,
        email=user.email,
        kind=AccessKind.PAGE,
        method="GET",
        path=f"/o/{organization.slug}/",
        status=200,
    )
