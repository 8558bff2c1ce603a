"""Reads of the review schedules: the list with its subject links, a subject's schedule."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet
from django.utils import timezone

from monitoring.reviews.models import AIReview, ReviewSchedule, SubjectType

# subject type -> URL name of the subject's page
SUBJECT_URLS = {
    SubjectType.AI_SYSTEM: "asset_detail",
    SubjectType.SUPPLIER: "supplier_detail",
    SubjectType.POLICY: "policies:policy_detail",
    SubjectType.RISK: "risk_detail",
}


def schedule_list() -> QuerySet[ReviewSchedule]:
    return ReviewSchedule.objects.select_related("reviewer").order_by("next_due", "id")


def subject_url(schedule: ReviewSchedule, slug: str) -> str:
    from django.urls import reverse

    name = SUBJECT_URLS.get(schedule.subject_type)
    if name is None:
        return (
            reverse("soa_index", kwargs={"org_slug": slug})
            if schedule.subject_type == SubjectType.SOA
            else ""
        )
    return reverse(name, kwargs={"org_slug": slug, "pk": schedule.object_id})


def reviews_of(schedule: ReviewSchedule) -> QuerySet[AIReview]:
    return AIReview.objects.filter(schedule=schedule).select_related(
        "signed_off_by", "change_request"
    )


def schedule_for_asset(asset_id: int) -> ReviewSchedule | None:
    return (
        ReviewSchedule.objects.filter(subject_type=SubjectType.AI_SYSTEM, object_id=asset_id)
        .select_related("reviewer")
        .first()
    )


def is_overdue(schedule: ReviewSchedule, today: date | None = None) -> bool:
    return schedule.active and schedule.next_due < (today or timezone.localdate())
