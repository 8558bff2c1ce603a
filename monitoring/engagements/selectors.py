"""Engagement reads: the list with its figures, one engagement's requests and answers, the
access log of its auditors. Constant queries whatever the number of rows."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from monitoring.engagements.models import (
    AuditorAccess,
    Engagement,
    EngagementAuditor,
    EvidenceAnswer,
    EvidenceRequest,
    RequestStatus,
)


def engagements_for_list() -> QuerySet:
    return Engagement.objects.annotate(
        auditor_count=Count("auditors", distinct=True),
        open_requests=Count(
            "requests", filter=Q(requests__status=RequestStatus.OPEN), distinct=True
        ),
    ).order_by("-expires_at", "-id")


def engagement_requests(engagement: Engagement) -> QuerySet:
    return (
        EvidenceRequest.objects.filter(engagement=engagement)
        .select_related("control__framework", "raised_by")
        .prefetch_related(
            Prefetch(
                "answers",
                queryset=EvidenceAnswer.objects.select_related("answered_by").order_by(
                    "created", "id"
                ),
            )
        )
        .order_by("status", "due_on", "id")
    )


def access_log(engagement: Engagement) -> QuerySet:
    """What the engagement's auditors did: by their addresses, from the engagement's opening."""
    emails = EngagementAuditor.objects.filter(engagement=engagement).values("email")
    return AuditorAccess.objects.filter(
        email__in=emails, occurred_at__gte=engagement.created
    ).order_by("-occurred_at", "-id")
