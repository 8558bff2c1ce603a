"""Incident reporting deadlines as due sources of the inbox's reminder sweep.

Every open legal clock (EU AI Act Art. 73, GDPR Art. 33, NIS2 Art. 23(4); clocks.py) is due
to the incident's owner and to the organisation's officers (the members holding
`monitoring:manage`, isms.access): a report to an authority is the officers' duty, and the
owner has the facts. The sweep reminds them once per stage: due soon, due today, overdue
(monitoring.inbox.services). A clock reported, or marked not required, is no longer due.

The due date is the day the deadline falls on in the organisation's time zone (a period
ending at midnight falls on the day before that midnight), and it is part of the key: a
deadline that moves (the facts changed, the NIS2 notification went out) is reminded again.
Set-based: three queries per organisation whatever the number of incidents.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from monitoring.inbox.sources import DueItem, due_source, horizon, members_with_scope, url_maker

OFFICER_SCOPE = "monitoring:manage"


def officer_ids(organization_id: int) -> list[int]:
    return members_with_scope(organization_id, OFFICER_SCOPE)


def deadline_day(due_at: datetime, tz: ZoneInfo) -> date:
    """The local day a deadline falls on: the last instant before `due_at`, in `tz`."""
    return (due_at - timedelta(microseconds=1)).astimezone(tz).date()


def _organisation_zone() -> ZoneInfo:
    from monitoring.incidents.models import IncidentSettings

    name = IncidentSettings.objects.values_list("time_zone", flat=True).first()
    try:
        return ZoneInfo(name or IncidentSettings._meta.get_field("time_zone").default)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@due_source("incident_reporting_clock", "Incident report to an authority")
def reporting_clock_items(organization_id: int, today: date) -> Iterable[DueItem]:
    from monitoring.incidents.models import ReportingClock, Status

    clocks = (
        ReportingClock.objects.filter(
            reported_at__isnull=True,
            not_required_reason="",
            due_at__date__lte=horizon(today) + timedelta(days=1),
        )
        .exclude(incident__status=Status.DISMISSED)
        .order_by("due_at", "id")
        .values_list(
            "pk", "article", "due_at", "incident_id", "incident__title", "incident__owner_id"
        )
    )
    tz = _organisation_zone()
    officers = officer_ids(organization_id)
    url = url_maker(organization_id)
    for pk, article, due_at, incident_id, title, owner_id in clocks:
        day = deadline_day(due_at, tz)
        local = due_at.astimezone(tz)
        when = (
            f"the end of {day:%d %b %Y}"
            if (local.hour, local.minute) == (0, 0)
            else f"{local:%d %b %Y %H:%M}"
        )
        yield DueItem(
            recipient_ids=list(dict.fromkeys([*([owner_id] if owner_id else []), *officers])),
            key=f"incident-clock:{pk}:{day.isoformat()}",
            subject=f"{article} report for “{title}” due by {when} ({tz.key})",
            url=url("incident_detail", incident_id),
            due_on=day,
        )
