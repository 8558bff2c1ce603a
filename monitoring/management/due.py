"""Management review actions as due sources for the inbox: an open action is due to its
owner on its due date, escalating to officers a week after."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.urls import reverse

from monitoring.inbox.sources import DueItem, due_source, horizon


@due_source("management_review_action", "Management review action")
def review_action_items(organization_id: int, today: date) -> Iterable[DueItem]:
    from monitoring.management.models import ActionState, ReviewOutput

    outputs = ReviewOutput.objects.filter(
        kind="action",
        state=ActionState.OPEN,
        owner__isnull=False,
        due_date__isnull=False,
        due_date__lte=horizon(today),
    ).select_related("organization")
    return [
        DueItem(
            recipient_ids=[o.owner_id],
            key=f"management-review-action:{o.pk}",
            subject=f"Management review action: {o.description[:80]}",
            url=reverse("management_review_detail", args=[o.organization.slug, o.review_id]),
            due_on=o.due_date,
            escalate_after_days=7,
        )
        for o in outputs
    ]
