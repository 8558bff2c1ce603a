"""Expiring evidence and due manual control tests feed monitoring.inbox's reminder sweep.

Set-based like every source: one query each, URLs from the sweep's shared `url_maker` (no
lookup of the organisation and no `reverse()` per item)."""

from __future__ import annotations

from datetime import date, timedelta


def _expiring_evidence(today: date):
    from monitoring.checks.models import ControlEvidence

    return ControlEvidence.objects.filter(
        valid_until__isnull=False,
        valid_until__lte=today + timedelta(days=30),
        owner__isnull=False,
    )


def _tests_due(today: date):
    from monitoring.checks.models import MonitoringPlan

    return MonitoringPlan.objects.filter(next_due__lte=today + timedelta(days=14))


def register() -> None:
    from django.db.models import Q

    from monitoring.inbox.sources import DueItem, due_counter, due_source, url_maker

    @due_counter("evidence_expiring")
    def evidence_expiring_counts(organization_id: int, query):
        return query.count(
            _expiring_evidence(query.today),
            "valid_until",
            Q(owner_id=query.user_id),
            escalate_after_days=14,
        )

    @due_counter("control_test_due")
    def control_test_due_counts(organization_id: int, query):
        return query.count(
            _tests_due(query.today), "next_due", Q(tester_id=query.user_id), escalate_after_days=14
        )

    @due_source("evidence_expiring", "Evidence expiring")
    def evidence_expiring(organization_id: int, today: date):
        url = url_maker(organization_id)
        for pk, title, owner_id, valid_until, soa_row_id in _expiring_evidence(today).values_list(
            "pk", "title", "owner_id", "valid_until", "soa_row_id"
        ):
            yield DueItem(
                recipient_ids=[owner_id],
                key=f"evidence:{pk}:{valid_until.isoformat()}",
                subject=f"Evidence expires: {title}",
                url=url("control_monitoring", soa_row_id),
                due_on=valid_until,
                escalate_after_days=14,
            )

    @due_source("control_test_due", "Control tests due")
    def control_tests_due(organization_id: int, today: date):
        url = url_maker(organization_id)
        for pk, measured, tester_id, next_due, soa_row_id in _tests_due(today).values_list(
            "pk", "measured", "tester_id", "next_due", "soa_row_id"
        ):
            yield DueItem(
                recipient_ids=[tester_id],
                key=f"control-test:{pk}:{next_due.isoformat()}",
                subject=f"Control test due: {measured}",
                url=url("control_monitoring", soa_row_id),
                due_on=next_due,
                escalate_after_days=14,
            )
