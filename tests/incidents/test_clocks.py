"""Reporting clocks from the moment of awareness, across time zones and daylight saving.

Periods in days/months follow Regulation 1182/71 Art. 3 (the day of the event is not
counted; the period ends at the end of its last day, in the organisation's time zone);
periods in hours are exact elapsed time. Europe/Berlin changes to summer time on
2027-03-28 and back on 2027-10-31.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from monitoring.incidents.clocks import Regime, SeriousIncident, add_months, reporting_clocks

BERLIN = ZoneInfo("Europe/Berlin")
UTC_ZONE = ZoneInfo("UTC")


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def due(regime, **kwargs) -> datetime:
    clocks = {c.regime: c for c in reporting_clocks(**kwargs)}
    return clocks[regime].due_at.astimezone(UTC)


AWARE = datetime(2027, 3, 10, 15, 30, tzinfo=BERLIN)  # 14:30 UTC, winter time


def test_ai_act_art73_2_general_serious_incident_is_15_days():
    # Art. 73(2): not later than 15 days after awareness; 11–25 March, ends at midnight CET.
    assert due(
        Regime.AI_ACT_ART73, aware_at=AWARE, tz=BERLIN, serious_incident=SeriousIncident.GENERAL
    ) == utc(2027, 3, 25, 23, 0)


def test_ai_act_art73_4_death_is_10_days():
    assert due(
        Regime.AI_ACT_ART73, aware_at=AWARE, tz=BERLIN, serious_incident=SeriousIncident.DEATH
    ) == utc(2027, 3, 20, 23, 0)


def test_ai_act_art73_3_widespread_or_critical_infrastructure_is_2_days():
    assert due(
        Regime.AI_ACT_ART73,
        aware_at=AWARE,
        tz=BERLIN,
        serious_incident=SeriousIncident.WIDESPREAD,
    ) == utc(2027, 3, 12, 23, 0)


def test_ai_act_art73_5_allows_an_initial_incomplete_report_and_names_its_paragraph():
    (clock,) = reporting_clocks(aware_at=AWARE, tz=BERLIN, serious_incident=SeriousIncident.DEATH)
    assert clock.initial_report_allowed
    assert clock.article == "EU AI Act Art. 73(4)"


def test_ai_act_art73_day_period_across_the_spring_dst_change_ends_at_local_midnight():
    # Aware 20 March (CET); the 15th day, 4 April, is in summer time: ends 00:00 CEST = 22:00 UTC.
    aware = datetime(2027, 3, 20, 10, 0, tzinfo=BERLIN)
    assert due(
        Regime.AI_ACT_ART73, aware_at=aware, tz=BERLIN, serious_incident=SeriousIncident.GENERAL
    ) == utc(2027, 4, 4, 22, 0)


def test_the_organisations_time_zone_decides_the_day_of_awareness():
    # 23:30 UTC on 10 March is already 11 March in Berlin: the Art. 73(4) period starts later.
    aware = utc(2027, 3, 10, 23, 30)
    berlin = due(
        Regime.AI_ACT_ART73, aware_at=aware, tz=BERLIN, serious_incident=SeriousIncident.DEATH
    )
    in_utc = due(
        Regime.AI_ACT_ART73, aware_at=aware, tz=UTC_ZONE, serious_incident=SeriousIncident.DEATH
    )
    assert berlin == utc(2027, 3, 21, 23, 0)
    assert in_utc == utc(2027, 3, 21, 0, 0)


def test_gdpr_art33_is_72_elapsed_hours_even_across_a_dst_change():
    # Art. 33(1): 72 hours after becoming aware. 12:00 CET on 27 March → 13:00 CEST on 30 March.
    aware = datetime(2027, 3, 27, 12, 0, tzinfo=BERLIN)
    deadline = due(Regime.GDPR_ART33, aware_at=aware, tz=BERLIN, personal_data_breach=True)
    assert deadline == utc(2027, 3, 30, 11, 0)
    assert (deadline - aware).total_seconds() == 72 * 3600
    assert deadline.astimezone(BERLIN).hour == 13


def test_gdpr_art33_does_not_start_without_a_personal_data_breach():
    assert reporting_clocks(aware_at=AWARE, tz=BERLIN) == []


def test_nis2_art23_4_a_b_early_warning_24h_and_notification_72h_across_autumn_dst():
    aware = datetime(2027, 10, 30, 9, 0, tzinfo=BERLIN)  # 07:00 UTC, summer time
    assert due(Regime.NIS2_EARLY_WARNING, aware_at=aware, tz=BERLIN, nis2_significant=True) == utc(
        2027, 10, 31, 7, 0
    )
    assert due(Regime.NIS2_NOTIFICATION, aware_at=aware, tz=BERLIN, nis2_significant=True) == utc(
        2027, 11, 2, 7, 0
    )


def test_nis2_art23_4_d_final_report_one_month_after_the_notification():
    aware = datetime(2027, 10, 30, 9, 0, tzinfo=BERLIN)
    # Not yet sent: counted from the notification's deadline (2 November) → end of 2 December.
    assert due(Regime.NIS2_FINAL, aware_at=aware, tz=BERLIN, nis2_significant=True) == utc(
        2027, 12, 2, 23, 0
    )
    # Sent on 1 November: one month from then → end of 1 December.
    assert due(
        Regime.NIS2_FINAL,
        aware_at=aware,
        tz=BERLIN,
        nis2_significant=True,
        nis2_notification_sent_at=utc(2027, 11, 1, 10, 0),
    ) == utc(2027, 12, 1, 23, 0)


def test_a_month_from_the_31st_ends_on_the_last_day_of_a_shorter_month():
    assert add_months(datetime(2027, 1, 31).date(), 1) == datetime(2027, 2, 28).date()
    assert add_months(datetime(2028, 1, 31).date(), 1) == datetime(2028, 2, 29).date()


def test_every_clock_together_and_naive_times_refused():
    clocks = reporting_clocks(
        aware_at=AWARE,
        tz=BERLIN,
        serious_incident=SeriousIncident.GENERAL,
        personal_data_breach=True,
        nis2_significant=True,
    )
    assert {c.regime for c in clocks} == set(Regime.values)
    with pytest.raises(ValueError):
        reporting_clocks(aware_at=datetime(2027, 3, 10, 15, 30), tz=BERLIN)
