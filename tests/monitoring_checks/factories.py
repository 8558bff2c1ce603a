"""Makers for monitoring.checks' tenant models (the generic isolation and role suites use them)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from assets.models import AssetType
from monitoring.checks.models import (
    CheckRun,
    ControlEvidence,
    ControlTestResult,
    Metric,
    MetricPoint,
    MetricThreshold,
    MonitoringPlan,
)
from tests.assets.factories import AssetFactory
from tests.factories import MembershipFactory, object_factory


def make_ai_asset(organization, **kwargs):
    if "owner" not in kwargs:
        kwargs["owner"] = MembershipFactory(organization=organization, role="contributor").user
    kwargs.setdefault("asset_type", AssetType.AI_SYSTEM)
    return AssetFactory(organization=organization, **kwargs)


@object_factory(CheckRun)
def make_check_run(organization):
    return CheckRun.objects.create(
        check_code="ai_assets_owned",
        status="pass",
        value=0,
        threshold=0,
        controls=["iso27001-2022:5.9"],
        evidence="made by a test",
    )


@object_factory(MetricThreshold)
def make_threshold(organization):
    return MetricThreshold.objects.create(
        asset=make_ai_asset(organization), metric=Metric.DRIFT, maximum=0.2
    )


@object_factory(MetricPoint)
def make_point(organization):
    return MetricPoint.objects.create(
        asset=make_ai_asset(organization),
        metric=Metric.DRIFT,
        measured_at=timezone.now() - timedelta(hours=1),
        value=0.1,
    )


@object_factory(ControlEvidence)
def make_evidence(organization):
    from tests.risks.factories import make_soa_row

    return ControlEvidence.objects.create(
        soa_row=make_soa_row(organization),
        kind=ControlEvidence.Kind.LINK,
        title="MFA report",
        url="https://example.test/mfa",
    )


@object_factory(MonitoringPlan)
def make_plan(organization):
    from tests.risks.factories import make_soa_row

    tester = MembershipFactory(organization=organization, role="contributor").user
    return MonitoringPlan.objects.create(
        soa_row=make_soa_row(organization),
        measured="MFA coverage",
        method="Sample 20 accounts",
        tester=tester,
        next_due=timezone.localdate(),
    )


@object_factory(ControlTestResult)
def make_test_result(organization):
    from tests.risks.factories import make_soa_row

    return ControlTestResult.objects.create(
        soa_row=make_soa_row(organization), result="effective", source="test"
    )
