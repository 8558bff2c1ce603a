"""Incident deadlines as due sources for the inbox (monitoring/inbox, COMMON.md interface).

Each open reporting clock is due to the incident's owner (officers when none is named yet),
escalating at once: a legal deadline does not wait. Registered with the inbox when it is
installed; `reporting_clock_items()` is tested directly either way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.urls import reverse

from isms.access import roles_with_scope
from isms.models import Membership
from isms.tenancy import tenant_context

try:
    from monitoring.inbox.sources import DueItem, due_source, horizon
except ImportError:  # the inbox is not on main yet: same shape, registered later
    from datetime import timedelta

    def horizon(today: date) -> date:  # type: ignore[no-redef]
        return today + timedelta(days=90)

    @dataclass(frozen=True)
    class DueItem:  # type: ignore[no-redef]
        recipient_ids: list[int]
        key: str
        subject: str
        url: str
        due_on: date
        escalate_after_days: int | None = None

    def due_source(kind: str, label: str = ""):  # type: ignore[no-redef]
        return lambda fn: fn


def officer_ids(organization_id: int) -> list[int]:
    return list(
        Membership.objects.active()
        .filter(organization_id=organization_id, role__in=roles_with_scope("monitoring:manage"))
        .values_list("user_id", flat=True)
    )


@due_source("incident_reporting_clock", "Incident report to an authority")
def reporting_clock_items(organization_id: int, today: date) -> Iterable[DueItem]:
    from monitoring.incidents.models import ReportingClock, Status

    with tenant_context(organization_id, actor="inbox sweep"):
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
