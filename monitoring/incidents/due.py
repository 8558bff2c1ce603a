"""Incident deadlines as due sources for the inbox (monitoring/inbox, COMMON.md interface).

Each open reporting clock is due to the incident's owner (officers when none is named yet),
escalating at once: a legal deadline does not wait. Registered with the inbox when it is
installed; `reporting_clock_items()` is tested directly either way.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.urls import reverse

from monitoring.inbox.sources import DueItem, due_source, horizon, members_with_scope


def officer_ids(organization_id: int) -> list[int]:
    return members_with_scope(organization_id, "monitoring:manage")


@due_source("incident_reporting_clock", "Incident report to an authority")
def reporting_clock_items(organization_id: int, today: date) -> Iterable[DueItem]:
    from monitoring.incidents.models import ReportingClock, Status

    clocks = list(
        ReportingClock.objects.filter(
            reported_at__isnull=True, not_required_reason="", due_at__date__lte=horizon(today)
        )
        .exclude(incident__status=Status.DISMISSED)
        .select_related("incident", "organization")
    )
    officers = None
    items = []
    for clock in clocks:
        incident = clock.incident
        if incident.owner_id:
            recipients = [incident.owner_id]
        else:
            officers = officers if officers is not None else officer_ids(organization_id)
            recipients = officers
        items.append(
            DueItem(
                recipient_ids=recipients,
                key=f"incident-clock:{clock.pk}",
                subject=f"{clock.article} report for “{incident.title}”",
                url=reverse("incident_detail", args=[clock.organization.slug, incident.pk]),
                due_on=clock.due_at.date(),
                escalate_after_days=0,
            )
        )
    return items
