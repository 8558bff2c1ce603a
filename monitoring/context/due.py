"""Objectives as due sources for the inbox: a measurement is due to the objective's owner
every `measure_every_days` after the last one (or after the objective was set), escalating
to officers a week after."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.urls import reverse

from monitoring.inbox.sources import DueItem, due_source, horizon


@due_source("objective_measurement", "Objective measurement")
def objective_measurement_items(organization_id: int, today: date) -> Iterable[DueItem]:
    from monitoring.context import selectors

    items = []
    objectives = selectors.annotate_status(
        selectors.objectives_for_list().select_related("organization")
    )
    for objective in objectives:
        if objective.next_due > horizon(today):
            continue
        items.append(
            DueItem(
                recipient_ids=[objective.owner_id],
                key=f"objective-measurement:{objective.pk}:{objective.next_due.isoformat()}",
                subject=f"Objective to measure: {objective.title[:80]}",
                url=reverse("objective_detail", args=[objective.organization.slug, objective.pk]),
                due_on=objective.next_due,
                escalate_after_days=7,
            )
        )
    return items
