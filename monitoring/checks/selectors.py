"""Reads for checks and metrics (never write)."""

from __future__ import annotations

from django.db.models import QuerySet

from monitoring.checks.models import CheckRun, CheckStatus, MetricPoint, MetricThreshold
from monitoring.checks.registry import all_checks, control_key


def metric_breaches() -> tuple[list[dict], int]:
    """The latest point of each (asset, metric) that has a threshold, judged against it.

    Two queries whatever the number of assets and points: the thresholds, and the latest
    points (DISTINCT ON over the unique index's leading columns)."""
    thresholds = {
        (t.asset_id, t.metric): t for t in MetricThreshold.objects.select_related("asset")
    }
    if not thresholds:
        return [], 0
    latest = (
        MetricPoint.objects.filter(asset_id__in={asset_id for asset_id, _ in thresholds})
        .order_by("asset_id", "metric", "-measured_at")
        .distinct("asset_id", "metric")
        .values("asset_id", "metric", "value", "measured_at")
    )
    breaches = []
    for point in latest:
        threshold = thresholds.get((point["asset_id"], point["metric"]))
        if threshold is not None and threshold.breached_by(point["value"]):
            breaches.append(
                {**point, "asset_name": threshold.asset.name, "threshold_id": threshold.pk}
            )
    breaches.sort(key=lambda b: (b["asset_name"], b["metric"]))
    return breaches, len(thresholds)


def latest_runs() -> list[dict]:
    """Each registered check with its latest run (one query)."""
    codes = [c.code for c in all_checks()]
    latest = {
        run.check_code: run
        for run in CheckRun.objects.filter(check_code__in=codes)
        .order_by("check_code", "-ran_at", "-id")
        .distinct("check_code")
    }
    return [{"check": c, "run": latest.get(c.code)} for c in all_checks()]


def runs_for_control(framework_code: str, ref: str, limit: int = 200) -> QuerySet[CheckRun]:
    return CheckRun.objects.filter(controls__contains=[control_key(framework_code, ref)])[:limit]


def runs_of_check(code: str, limit: int = 200) -> QuerySet[CheckRun]:
    return CheckRun.objects.filter(check_code=code)[:limit]


def pass_rate_by_day(days: int = 42) -> list[tuple]:
    """(day, passed, total) over the last `days` days: the share of check runs that passed."""
    from datetime import timedelta

    from django.db.models import Count, Q
    from django.db.models.functions import TruncDate
    from django.utils import timezone

    since = timezone.now() - timedelta(days=days)
    rows = (
        CheckRun.objects.filter(ran_at__gte=since)
        .annotate(day=TruncDate("ran_at"))
        .values("day")
        .annotate(total=Count("id"), passed=Count("id", filter=Q(status=CheckStatus.PASS)))
        .order_by("day")
    )
    return [(r["day"], r["passed"], r["total"]) for r in rows]
