"""The inputs of a management review (9.3.2; ISO 42001 adds impact assessments and AI
incidents and concerns), assembled from the registers for a period, as plain JSON."""

from __future__ import annotations

from datetime import date, datetime, time

from django.db.models import Count, Q
from django.utils import timezone

from isms.rates import percent


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=tz),
        datetime.combine(end, time.max, tzinfo=tz),
    )


def _counts(queryset, field: str) -> dict[str, int]:
    return {str(row[field]): row["n"] for row in queryset.values(field).annotate(n=Count("pk"))}


def inputs(*, review_id: int | None, start: date, end: date) -> dict:
    from monitoring.audits.models import Audit, AuditFinding
    from monitoring.improvement.models import ActionStatus, CorrectiveAction, Nonconformity
    from monitoring.incidents.models import AI_CATEGORIES, Incident
    from monitoring.management.models import ReviewOutput
    from risks.models import ImpactAssessment, Risk, TreatmentAction

    begin, finish = _bounds(start, end)
    today = timezone.localdate()
    earlier = ReviewOutput.objects.filter(kind="action").select_related("owner", "review")
    if review_id is not None:
        earlier = earlier.exclude(review_id=review_id)
    incidents = Incident.objects.filter(aware_at__range=(begin, finish))
    closed = incidents.filter(status="closed")
    ncs_in_period = Nonconformity.objects.filter(raised_at__range=(begin, finish))
    audits = Audit.objects.filter(
        Q(reported_at__range=(begin, finish)) | Q(planned_start__range=(start, end))
    )
    assessments = ImpactAssessment.objects.filter(approved_at__range=(begin, finish))
    return {
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "previous_actions": [
            {
                "review": a.review.title,
                "description": a.description,
                "owner": a.owner.email if a.owner else "",
                "due_date": a.due_date.isoformat() if a.due_date else None,
                "state": a.state,
                "overdue": a.state == "open" and bool(a.due_date and a.due_date < today),
            }
            for a in earlier
        ],
        "nonconformities": {
            "raised_in_period": ncs_in_period.count(),
            "open": Nonconformity.objects.filter(status="open").count(),
            "by_source": _counts(ncs_in_period, "source"),
            "corrective_actions": _counts(CorrectiveAction.objects.all(), "status"),
            "corrective_actions_overdue": CorrectiveAction.objects.filter(
                status__in=[ActionStatus.PLANNED, ActionStatus.IN_PROGRESS], due_date__lt=today
            ).count(),
        },
        "incidents": {
            "total": incidents.count(),
            "ai_incidents": incidents.filter(category__in=AI_CATEGORIES).count(),
            "public_concerns": incidents.filter(source="concern").count(),
            "by_severity": _counts(incidents, "severity"),
            "by_category": _counts(incidents, "category"),
            "reports_to_authorities": sum(
                1
                for i in incidents.prefetch_related("clocks")
                for c in i.clocks.all()
                if c.reported_at
            ),
            "lessons_learned": [
                {"title": i.title, "lessons": i.lessons_learned} for i in closed[:20]
            ],
        },
        "audits": [
            {
                "title": a.title,
                "status": a.status,
                "findings": _counts(AuditFinding.objects.filter(audit=a), "kind"),
            }
            for a in audits
        ],
        "risks": {
            "by_status": _counts(Risk.objects.all(), "status"),
            "treatment_actions": _counts(TreatmentAction.objects.all(), "status"),
        },
        "impact_assessments": {
            "approved_in_period": assessments.count(),
            "by_risk_tier": _counts(assessments, "risk_tier"),
        },
        "monitoring_results": monitoring_results(begin, finish),
        "improvement": improvement_opportunities(begin, finish, audits),
    }


def monitoring_results(begin: datetime, finish: datetime) -> dict:
    """9.1 results for the period: check runs (immutable, monitoring.checks), the checks
    failing at the end of the period, and the control tests by result."""
    from monitoring.checks import registry
    from monitoring.checks.models import CheckRun, ControlTestResult

    runs = CheckRun.objects.filter(ran_at__range=(begin, finish))
    latest = (
        CheckRun.objects.filter(ran_at__lte=finish)
        .order_by("check_code", "-ran_at", "-id")
        .distinct("check_code")
        .values("check_code", "status", "ran_at", "failing_count")
    )
    failing = []
    for row in latest:
        if row["status"] == "pass":
            continue
        check = registry.get(row["check_code"])
        failing.append(
            {
                "check": check.title if check else row["check_code"],
                "status": row["status"],
                "failing": row["failing_count"],
                "ran_at": row["ran_at"].isoformat(),
            }
        )
    total = runs.count()
    passed = runs.filter(status="pass").count()
    return {
        "check_runs": total,
        "pass_rate": percent(passed, total) if total else None,
        "failing_at_end": failing,
        "control_tests": _counts(
            ControlTestResult.objects.filter(tested_at__range=(begin, finish)), "result"
        ),
    }


def improvement_opportunities(begin: datetime, finish: datetime, audits) -> dict:
    """10.1: the continual-improvement log and the audits' opportunities for improvement."""
    from monitoring.audits.models import AuditFinding
    from monitoring.improvement.models import ImprovementEntry

    return {
        "log": _counts(ImprovementEntry.objects.filter(created__range=(begin, finish)), "status"),
        "open_entries": list(
            ImprovementEntry.objects.filter(status__in=["proposed", "planned"])
            .order_by("-created", "-id")
            .values_list("title", flat=True)[:10]
        ),
        "audit_opportunities": AuditFinding.objects.filter(audit__in=audits, kind="ofi").count(),
    }
