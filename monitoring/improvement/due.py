"""Corrective actions as due sources for the inbox (COMMON.md interface): an open action is
due to its owner on its due date, escalating to officers a week after."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.urls import reverse

from monitoring.inbox.sources import DueItem, due_source, horizon


@due_source("corrective_action", "Corrective action")
def corrective_action_items(organization_id: int, today: date) -> Iterable[DueItem]:
    from monitoring.improvement.models import ActionStatus, CorrectiveAction

    actions = CorrectiveAction.objects.filter(
        status__in=[ActionStatus.PLANNED, ActionStatus.IN_PROGRESS],
        due_date__lte=horizon(today),
    ).select_related("organization")
    return [
        DueItem(
            recipient_ids=[action.owner_id],
            key=f"corrective-action:{action.pk}",
            subject=f"Corrective action due: {action.description[:80]}",
            url=reverse(
                "nonconformity_detail", args=[action.organization.slug, action.nonconformity_id]
            ),
            due_on=action.due_date,
            escalate_after_days=7,
        )
        for action in actions
    ]
