"""Expiring evidence and due manual control tests feed monitoring.inbox's reminder sweep."""

from __future__ import annotations

from datetime import date, timedelta


def register() -> None:
    from monitoring.inbox.sources import DueItem, due_source

    @due_source("evidence_expiring", "Evidence expiring")
    def evidence_expiring(organization_id: int, today: date):
        from django.urls import reverse

        from isms.models import Organization
        from monitoring.checks.models import ControlEvidence

        slug = Organization.objects.values_list("slug", flat=True).get(pk=organization_id)
        for e in ControlEvidence.objects.filter(
            valid_until__isnull=False,
            valid_until__lte=today + timedelta(days=30),
            owner__isnull=False,
        ).values("pk", "title", "owner_id", "valid_until", "soa_row_id"):
            yield DueItem(
                recipient_ids=[e["owner_id"]],
                key=f"evidence:{e['pk']}:{e['valid_until'].isoformat()}",
                subject=f"Evidence expires: {e['title']}",
                url=reverse("control_monitoring", args=[slug, e["soa_row_id"]]),
                due_on=e["valid_until"],
                escalate_after_days=14,
            )

    @due_source("control_test_due", "Control tests due")
    def control_tests_due(organization_id: int, today: date):
        from django.urls import reverse

        from isms.models import Organization
        from monitoring.checks.models import MonitoringPlan

        slug = Organization.objects.values_list("slug", flat=True).get(pk=organization_id)
        for p in MonitoringPlan.objects.filter(next_due__lte=today + timedelta(days=14)).values(
            "pk", "measured", "tester_id", "next_due", "soa_row_id"
        ):
            yield DueItem(
                recipient_ids=[p["tester_id"]],
                key=f"control-test:{p['pk']}:{p['next_due'].isoformat()}",
                subject=f"Control test due: {p['measured']}",
                url=reverse("control_monitoring", args=[slug, p["soa_row_id"]]),
                due_on=p["next_due"],
                escalate_after_days=14,
            )
