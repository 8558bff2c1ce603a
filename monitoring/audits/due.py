"""Audit dates as due sources for the inbox: a planned audit is due to its auditor on its
planned start; an audit in progress on its planned end (escalating to officers after 7 days)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db.models import Q
from django.urls import reverse

from monitoring.inbox.sources import DueItem, due_source, horizon


@due_source("internal_audit", "Internal audit")
def audit_items(organization_id: int, today: date) -> Iterable[DueItem]:
    from monitoring.audits.models import Audit, AuditStatus

    soon = horizon(today)
    audits = Audit.objects.filter(
        Q(status=AuditStatus.PLANNED, planned_start__lte=soon)
        | Q(status=AuditStatus.IN_PROGRESS, planned_end__lte=soon)
    ).select_related("organization")
    return [
        DueItem(
            recipient_ids=[audit.auditor_id],
            key=f"internal-audit:{audit.pk}:{audit.status}",
            subject=(
                f"Internal audit “{audit.title}” starts"
                if audit.status == AuditStatus.PLANNED
                else f"Internal audit “{audit.title}”: report due"
            ),
            url=reverse("audit_detail", args=[audit.organization.slug, audit.pk]),
            due_on=audit.planned_start
            if audit.status == AuditStatus.PLANNED
            else audit.planned_end,
            escalate_after_days=7,
        )
        for audit in audits
    ]
