"""Demo data for the checks (idempotent: skipped once the demo has check history).

Six weeks of daily check history (the demo's past, written as it would have been recorded),
a drift threshold on one AI asset with a breaching point (so the metric check fails and its
controls show red), an evidence link and a monitoring plan on control 5.9, then one real run
of every check against the demo registers.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from assets.models import AI_TYPES, Asset
from monitoring.checks.models import (
    CheckRun,
    CheckStatus,
    ControlEvidence,
    Metric,
    MetricPoint,
    MetricThreshold,
    MonitoringPlan,
)
from monitoring.checks.registry import all_checks
from monitoring.checks.services import run_checks

DAYS = 42


def load(demo) -> None:
    _other_organization()
    if CheckRun.objects.exists():
        return
    now = timezone.now()
    history = []
    for day in range(DAYS, 0, -1):
        ran_at = now - timedelta(days=day)
        for index, check_type in enumerate(all_checks()):
            # the metric check started failing ten days ago; one other check wobbles
            failing = (check_type.code == "ai_metric_thresholds" and day <= 10) or (
                index == 2 and day % 9 == 0
            )
            history.append(
                CheckRun(
                    organization_id=demo.organization.pk,
                    check_code=check_type.code,
                    status=CheckStatus.FAIL if failing else CheckStatus.PASS,
                    value=1.0 if failing else 0.0,
                    threshold=0.0,
                    failing_count=1 if failing else 0,
                    evidence="Demo history.",
                    controls=check_type.control_keys,
                    ran_at=ran_at,
                )
            )
    CheckRun.objects.bulk_create(history)
    asset = Asset.objects.filter(asset_type__in=AI_TYPES).order_by("pk").first()
    if asset is not None:
        MetricThreshold.objects.get_or_create(
            asset=asset, metric=Metric.DRIFT, defaults={"maximum": 0.2}
        )
        MetricPoint.objects.bulk_create(
            [
                MetricPoint(
                    organization_id=demo.organization.pk,
                    asset=asset,
                    metric=Metric.DRIFT,
                    measured_at=now - timedelta(days=d),
                    value=0.05 + (0.3 if d <= 10 else 0.0) + d / 1000,
                    source="demo pipeline",
                )
                for d in range(DAYS, -1, -1)
            ],
            ignore_conflicts=True,
        )
    _control_records(demo)
    run_checks()


def _control_records(demo) -> None:
    from risks.models import SoARow

    row = (
        SoARow.objects.filter(soa__framework__code="iso27001-2022", control__ref="5.9")
        .select_related("control")
        .first()
    )
    if row is None:
        return
    officer = demo.user("officer")
    ControlEvidence.objects.create(
        soa_row=row,
        kind=ControlEvidence.Kind.LINK,
        title="Asset register export reviewed by the ISMS board",
        url="https://intranet.example/isms/asset-register-review",
        valid_until=timezone.localdate() + timedelta(days=20),
        owner=officer,
        source="demo",
    )
    tester = demo.user("admin")
    if row.owner_id != tester.pk:
        MonitoringPlan.objects.create(
            soa_row=row,
            measured="Share of AI assets with an active accountable owner",
            method="Automated check ai_assets_owned, plus a quarterly sample of 10 assets",
            interval_days=90,
            next_due=timezone.localdate() + timedelta(days=5),
            tester=tester,
            analyst=officer,
            analysis_when="At each management review",
            target="100%",
            tolerance="No AI asset without an owner for more than 5 working days",
        )


def _other_organization() -> None:
    """The officer's second organisation gets its first check run and portfolio figures, in
    its own tenant context, so the portfolio compares two live organisations."""
    from isms.models import Organization
    from isms.tenancy import tenant_context
    from monitoring.checks.portfolio import figures_refresh

    other = Organization.objects.filter(slug="northwind").first()
    if other is None:
        return
    with tenant_context(other.pk, actor="demo loader"):
        if not CheckRun.objects.exists():
            run_checks()
            figures_refresh()
