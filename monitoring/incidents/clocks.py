"""Legal reporting clocks, computed from the moment the organisation became aware.

Pure functions (no database): the services store what they return as ReportingClock rows.

The rules (periods and triggers checked against the texts on 2026-12-02; see the report and
tests/incidents/test_clocks.py, which names each article):

- EU AI Act (Regulation (EU) 2024/1689) Art. 73, serious incidents (Art. 3(49)):
  73(2) general: no later than 15 days after awareness;
  73(3) a widespread infringement, or a serious and irreversible disruption of critical
        infrastructure (Art. 3(49)(b)): no later than 2 days;
  73(4) the death of a person: no later than 10 days;
  73(5) an initial, incomplete report may be filed first and completed later.
  A deployer informs the provider first (Art. 26(5)); the provider reports to the market
  surveillance authority.
- GDPR Art. 33(1): a personal data breach, to the supervisory authority, where feasible not
  later than 72 hours after becoming aware (33(4): information may follow in phases).
- NIS2 (Directive (EU) 2022/2555) Art. 23(4), a significant incident of an entity in scope:
  (a) early warning within 24 hours of becoming aware; (b) incident notification within
  72 hours; (d) final report not later than one month after the notification of (b) was
  submitted (until it is, counted from (b)'s deadline).

How periods are counted (Regulation (EEC, Euratom) No 1182/71, Art. 3, the EU's rule for
periods): a period in hours is exact elapsed time from the moment of awareness (a daylight
saving change in between does not stretch it); a period in days or months does not count
the day of the event and ends at the end of its last day, in the organisation's time zone.
We do not extend a period that ends on a weekend or public holiday (Art. 3(4)): reporting
earlier is always safe, and holidays differ per Member State.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import models


class Regime(models.TextChoices):
    AI_ACT_ART73 = "ai_act_art73", "EU AI Act Art. 73 serious incident report"
    GDPR_ART33 = "gdpr_art33", "GDPR Art. 33 breach notification"
    NIS2_EARLY_WARNING = "nis2_early_warning", "NIS2 Art. 23(4)(a) early warning"
    NIS2_NOTIFICATION = "nis2_notification", "NIS2 Art. 23(4)(b) incident notification"
    NIS2_FINAL = "nis2_final", "NIS2 Art. 23(4)(d) final report"


class SeriousIncident(models.TextChoices):
    """EU AI Act Art. 3(49) / 73: which deadline applies (none: not a serious incident)."""

    NONE = "none", "Not a serious incident"
    GENERAL = "general", "Serious incident (15 days, Art. 73(2))"
    DEATH = "death", "A person died (10 days, Art. 73(4))"
    WIDESPREAD = (
        "widespread",
        "Widespread infringement or serious, irreversible disruption of critical "
        "infrastructure (2 days, Art. 73(3))",
    )


ART73_DAYS = {
    SeriousIncident.GENERAL: 15,
    SeriousIncident.DEATH: 10,
    SeriousIncident.WIDESPREAD: 2,
}
ART73_PARAGRAPH = {
    SeriousIncident.GENERAL: "EU AI Act Art. 73(2)",
    SeriousIncident.DEATH: "EU AI Act Art. 73(4)",
    SeriousIncident.WIDESPREAD: "EU AI Act Art. 73(3)",
}

RECIPIENTS = {
    Regime.AI_ACT_ART73: "Market surveillance authority (a deployer informs the provider first)",
    Regime.GDPR_ART33: "Supervisory authority (data protection)",
    Regime.NIS2_EARLY_WARNING: "CSIRT or competent authority",
    Regime.NIS2_NOTIFICATION: "CSIRT or competent authority",
    Regime.NIS2_FINAL: "CSIRT or competent authority",
}


@dataclass(frozen=True)
class ClockRule:
    regime: str
    article: str
    due_at: datetime  # aware (UTC)
    recipient: str
    initial_report_allowed: bool = False


def end_of_day_after(aware_at: datetime, tz: ZoneInfo, *, days: int = 0, months: int = 0):
    """The end of the last day of a period of `days` days or `months` months that starts the
    day after `aware_at` in `tz` (1182/71 Art. 3(1) and 3(2)(b)/(c)), as an aware datetime:
    the first instant of the following local day."""
    local_day = aware_at.astimezone(tz).date()
    last_day = add_months(local_day, months) + timedelta(days=days)
    following = last_day + timedelta(days=1)
    return datetime.combine(following, time(0, 0), tzinfo=tz)


def add_months(day: date, months: int) -> date:
    """The same day `months` months later; the month's last day where that day is missing."""
    if not months:
        return day
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def after_hours(aware_at: datetime, hours: int) -> datetime:
    """Exact elapsed time: UTC arithmetic, unaffected by a daylight saving change."""
    return aware_at.astimezone(ZoneInfo("UTC")) + timedelta(hours=hours)


def reporting_clocks(
    *,
    aware_at: datetime,
    tz: ZoneInfo,
    serious_incident: str = SeriousIncident.NONE,
    personal_data_breach: bool = False,
    nis2_significant: bool = False,
    nis2_notification_sent_at: datetime | None = None,
) -> list[ClockRule]:
    """Every clock an incident starts, with its deadline."""
    if aware_at.tzinfo is None:
        raise ValueError("The moment of awareness must carry its time zone.")
    clocks: list[ClockRule] = []
    if serious_incident in ART73_DAYS:
        clocks.append(
            ClockRule(
                Regime.AI_ACT_ART73,
                ART73_PARAGRAPH[serious_incident],
                end_of_day_after(aware_at, tz, days=ART73_DAYS[serious_incident]),
                RECIPIENTS[Regime.AI_ACT_ART73],
                initial_report_allowed=True,  # Art. 73(5)
            )
        )
    if personal_data_breach:
        clocks.append(
            ClockRule(
                Regime.GDPR_ART33,
                "GDPR Art. 33(1)",
                after_hours(aware_at, 72),
                RECIPIENTS[Regime.GDPR_ART33],
                initial_report_allowed=True,  # Art. 33(4): in phases
            )
        )
    if nis2_significant:
        notification_due = after_hours(aware_at, 72)
        final_from = nis2_notification_sent_at or notification_due
        clocks += [
            ClockRule(
                Regime.NIS2_EARLY_WARNING,
                "NIS2 Art. 23(4)(a)",
                after_hours(aware_at, 24),
                RECIPIENTS[Regime.NIS2_EARLY_WARNING],
            ),
            ClockRule(
                Regime.NIS2_NOTIFICATION,
                "NIS2 Art. 23(4)(b)",
                notification_due,
                RECIPIENTS[Regime.NIS2_NOTIFICATION],
            ),
            ClockRule(
                Regime.NIS2_FINAL,
                "NIS2 Art. 23(4)(d)",
                end_of_day_after(final_from, tz, months=1),
                RECIPIENTS[Regime.NIS2_FINAL],
            ),
        ]
    return clocks


def countdown(due_at: datetime, now: datetime) -> str:
    """ "2 d 4 h left" / "overdue by 3 h", for the page."""
    delta = due_at - now
    seconds = int(abs(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        text = f"{days} d {hours} h"
    elif hours:
        text = f"{hours} h {minutes} min"
    else:
        text = f"{minutes} min"
    return f"{text} left" if delta.total_seconds() >= 0 else f"overdue by {text}"
