"""Due reviews are a due source of the inbox: the reviewer (or, with none, the officers)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db.models import Q

from monitoring.inbox.sources import (
    DueItem,
    TaskCounts,
    TaskQuery,
    due_counter,
    due_source,
    horizon,
    members_with_scope,
    url_maker,
)
from monitoring.reviews.models import ReviewSchedule


def _due_schedules(today: date):
    return ReviewSchedule.objects.filter(active=True, next_due__lte=horizon(today))


@due_counter("review")
def review_counts(organization_id: int, query: TaskQuery) -> TaskCounts:
    mine = Q(reviewer_id=query.user_id)
    if query.user_id in members_with_scope(organization_id, "monitoring:manage"):
        mine |= Q(reviewer_id__isnull=True)  # a schedule without a reviewer goes to the officers
    return query.count(_due_schedules(query.today), "next_due", mine)


@due_source("review", "Scheduled review")
def reviews_due(organization_id: int, today: date) -> Iterable[DueItem]:
    rows = _due_schedules(today).values_list(
        "pk", "subject_type", "title", "reviewer_id", "next_due"
    )
    labels = dict(ReviewSchedule._meta.get_field("subject_type").flatchoices)
    url = url_maker(organization_id)
    officers = None
    for pk, subject_type, title, reviewer_id, next_due in rows:
        if reviewer_id is None and officers is None:
            officers = members_with_scope(organization_id, "monitoring:manage")
        yield DueItem(
            recipient_ids=[reviewer_id] if reviewer_id else list(officers or []),
            key=f"review:{pk}:{next_due.isoformat()}",
            subject=f"Review {labels.get(subject_type, subject_type)}: {title}",
            url=url("monitoring_reviews:schedule_detail", pk),
            due_on=next_due,
        )
