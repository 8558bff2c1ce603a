"""The automated check types of Clause 9.1 (ISO/IEC 27001:2022 9.1, ISO/IEC 42001 9.1):
each with passing and failing data, a constant number of queries whatever the size, runs
immutable in the database, and another organisation's data never counted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.utils import timezone

from assets.models import Asset, AssetType, Lifecycle
from isms.models import Membership, Role
from monitoring.checks import registry
from monitoring.checks.models import CheckRun, Metric, MetricPoint, MetricThreshold
from monitoring.checks.services import run_checks
from risks.models import AIChangeRequest, ImpactAssessment, RiskAcceptance, TreatmentAction
from suppliers.models import Supplier, SupplierCertification
from tests.factories import MembershipFactory
from tests.monitoring_checks.factories import make_ai_asset
from tests.policies.factories import make_published
from tests.risks.factories import make_acceptance, make_action
from tests.suppliers.factories import make_certification, make_supplier

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def run(org, code, in_tenant) -> CheckRun:
    with in_tenant(org):
        (result,) = run_checks(codes=[code])
        return result


def approve_change(asset):
    AIChangeRequest.objects.create(
        title="Introduce",
        justification="why",
        asset=asset,
        data_going_in="tickets",
        affected_people="customers",
        requested_by=asset.owner,
        approver=asset.owner,
        status=AIChangeRequest.Status.APPROVED,
    )


def test_every_check_type_is_mapped_to_library_controls():
    import json
    from pathlib import Path

    refs = set()
    for name in ("iso27001_2022", "iso42001_2023"):
        data = json.loads((Path("isms/controls/data") / f"{name}.json").read_text())
        refs |= {(data["framework"], c["ref"]) for c in data["controls"]}
    # Ten, plus monitoring.usage's untriaged gateway tools and the intact audit chain.
    assert len(registry.all_checks()) == 12
    for check_type in registry.all_checks():
        assert check_type.controls and set(check_type.controls) <= refs, check_type.code


def test_ai_assets_owned(org_a, org_b, in_tenant):
    with in_tenant(org_a):
        make_ai_asset(org_a)
    assert run(org_a, "ai_assets_owned", in_tenant).status == "pass"
    with in_tenant(org_a):  # its owner left the organisation
        orphan = make_ai_asset(org_a, name="Orphan bot")
        Membership.objects.filter(user=orphan.owner).delete()
    with in_tenant(org_b):
        gone = make_ai_asset(org_b)
        Membership.objects.filter(user=gone.owner).delete()
    result = run(org_a, "ai_assets_owned", in_tenant)
    assert result.status == "fail" and result.failing_count == 1  # org B's orphan not counted
    assert result.failing == [{"type": "asset", "id": orphan.pk, "label": "Orphan bot"}]
    assert result.controls == ["iso27001-2022:5.9", "iso42001-2023:A.4.2"]


def test_ai_change_approved(org_a, in_tenant):
    with in_tenant(org_a):
        asset = make_ai_asset(org_a, lifecycle=Lifecycle.PRODUCTION)
        make_ai_asset(org_a, lifecycle=Lifecycle.PROPOSED)  # not deployed: not judged
    assert run(org_a, "ai_change_approved", in_tenant).failing_count == 1
    with in_tenant(org_a):
        approve_change(asset)
    assert run(org_a, "ai_change_approved", in_tenant).status == "pass"


def test_ai_reviews_on_time(org_a, in_tenant):
    with in_tenant(org_a):
        high = make_ai_asset(org_a, lifecycle=Lifecycle.PRODUCTION, risk_tier="high")
        Asset.objects.filter(pk=high.pk).update(
            last_reviewed_at=timezone.now() - timedelta(days=100)
        )
        minimal = make_ai_asset(org_a, lifecycle=Lifecycle.PRODUCTION, risk_tier="minimal")
        Asset.objects.filter(pk=minimal.pk).update(
            last_reviewed_at=timezone.now() - timedelta(days=100)
        )
    result = run(org_a, "ai_reviews_on_time", in_tenant)
    assert result.status == "fail" and [f["id"] for f in result.failing] == [high.pk]
    with in_tenant(org_a):
        Asset.objects.filter(pk=high.pk).update(last_reviewed_at=timezone.now())
    assert run(org_a, "ai_reviews_on_time", in_tenant).status == "pass"


def test_impact_assessments_current(org_a, in_tenant):
    def assessed(days_ago):
        asset = make_ai_asset(org_a, lifecycle=Lifecycle.PILOT)
        ImpactAssessment.objects.create(
            asset=asset,
            prepared_by=asset.owner,
            status=ImpactAssessment.Status.APPROVED,
            approved_at=timezone.now() - timedelta(days=days_ago),
        )
        return asset

    with in_tenant(org_a):
        assessed(10)
    assert run(org_a, "impact_assessments_current", in_tenant).status == "pass"
    with in_tenant(org_a):
        stale = assessed(400)  # approved more than a year ago
    result = run(org_a, "impact_assessments_current", in_tenant)
    assert result.status == "fail" and [f["id"] for f in result.failing] == [stale.pk]


def test_suppliers_assessed(org_a, in_tenant):
    with in_tenant(org_a):
        supplier = make_supplier(org_a)
        Supplier.objects.filter(pk=supplier.pk).update(
            last_assessed_on=TODAY - timedelta(days=400),
            next_reassessment_date=TODAY - timedelta(days=1),
        )
    assert run(org_a, "suppliers_assessed", in_tenant).failing_count == 1
    with in_tenant(org_a):
        Supplier.objects.filter(pk=supplier.pk).update(
            next_reassessment_date=TODAY + timedelta(days=30)
        )
    assert run(org_a, "suppliers_assessed", in_tenant).status == "pass"


def test_certificates_valid(org_a, in_tenant):
    with in_tenant(org_a):
        cert = make_certification(org_a)
        SupplierCertification.objects.filter(pk=cert.pk).update(
            valid_until=TODAY - timedelta(days=1)
        )
    assert run(org_a, "certificates_valid", in_tenant).failing_count == 1
    with in_tenant(org_a):  # renewed: a valid certificate of the same type
        SupplierCertification.objects.create(
            supplier=cert.supplier, type=cert.type, valid_until=TODAY + timedelta(days=365)
        )
    assert run(org_a, "certificates_valid", in_tenant).status == "pass"


def test_ai_policy_acknowledged(org_a, in_tenant):
    assert run(org_a, "ai_policy_acknowledged", in_tenant).status == "fail"  # none published
    from policies import services as policy_services
    from policies.models import PolicyKind

    with in_tenant(org_a):
        version = make_published(org_a, kind=PolicyKind.AI_ACCEPTABLE_USE)
    result = run(org_a, "ai_policy_acknowledged", in_tenant)
    assert result.status == "fail" and result.threshold == 90 and result.value < 90
    with in_tenant(org_a):
        from tests.policies.factories import actor_for

        for membership in Membership.objects.filter(organization=org_a).exclude(role=Role.AUDITOR):
            policy_services.acknowledge(
                actor=actor_for(membership.user, org_a), version=version, ip_address=None
            )
    result = run(org_a, "ai_policy_acknowledged", in_tenant)
    assert result.status == "pass" and result.value == 100


def test_acceptances_not_expired(org_a, in_tenant):
    with in_tenant(org_a):
        acceptance = make_acceptance(org_a)
        RiskAcceptance.objects.filter(pk=acceptance.pk).update(
            status=RiskAcceptance.Status.APPROVED, expires_on=TODAY - timedelta(days=1)
        )
    assert run(org_a, "acceptances_not_expired", in_tenant).failing_count == 1
    with in_tenant(org_a):
        RiskAcceptance.objects.filter(pk=acceptance.pk).update(
            expires_on=TODAY + timedelta(days=10)
        )
    assert run(org_a, "acceptances_not_expired", in_tenant).status == "pass"


def test_treatment_actions_on_time(org_a, in_tenant):
    with in_tenant(org_a):
        action = make_action(org_a)
        TreatmentAction.objects.filter(pk=action.pk).update(due_date=TODAY - timedelta(days=3))
    assert run(org_a, "treatment_actions_on_time", in_tenant).failing_count == 1
    with in_tenant(org_a):
        TreatmentAction.objects.filter(pk=action.pk).update(status=TreatmentAction.Status.DONE)
    assert run(org_a, "treatment_actions_on_time", in_tenant).status == "pass"


def test_ai_metric_thresholds(org_a, in_tenant):
    now = timezone.now()
    with in_tenant(org_a):
        asset = make_ai_asset(org_a)
        MetricThreshold.objects.create(asset=asset, metric=Metric.DRIFT, maximum=0.2)
        MetricPoint.objects.create(
            asset=asset, metric=Metric.DRIFT, value=0.1, measured_at=now - timedelta(hours=2)
        )
        MetricPoint.objects.create(
            asset=asset, metric=Metric.DRIFT, value=0.5, measured_at=now - timedelta(hours=1)
        )
    result = run(org_a, "ai_metric_thresholds", in_tenant)
    assert result.status == "fail" and result.failing_count == 1  # the latest point breaches
    with in_tenant(org_a):
        MetricPoint.objects.create(asset=asset, metric=Metric.DRIFT, value=0.05, measured_at=now)
    assert run(org_a, "ai_metric_thresholds", in_tenant).status == "pass"


def _populate(org, count):
    supplier = make_supplier(org)
    owner = MembershipFactory(organization=org, role="contributor").user
    gone = MembershipFactory(organization=org, role="contributor").user
    Membership.objects.filter(user=gone).delete()
    Asset.objects.bulk_create(
        [
            Asset(
                organization=org,
                name=f"AI {i}",
                asset_type=AssetType.AI_SYSTEM,
                lifecycle=Lifecycle.PRODUCTION,
                owner=owner if i % 3 else gone,
                supplier=supplier,
            )
            for i in range(count)
        ]
    )
    assets = list(Asset.objects.order_by("pk")[: max(count // 10, 1)])
    MetricThreshold.objects.bulk_create(
        [
            MetricThreshold(organization=org, asset=a, metric=Metric.DRIFT, maximum=0.2)
            for a in assets
        ]
    )
    MetricPoint.objects.bulk_create(
        [
            MetricPoint(
                organization=org,
                asset=a,
                metric=Metric.DRIFT,
                value=0.3,
                measured_at=timezone.now(),
            )
            for a in assets
        ]
    )


def test_all_checks_take_the_same_number_of_queries_for_10_and_1000_assets(
    org_a, org_b, in_tenant, django_assert_num_queries
):
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for org, size in ((org_a, 10), (org_b, 1000)):
        with in_tenant(org):
            _populate(org, size)
            with CaptureQueriesContext(connection) as captured:
                runs = run_checks()
            counts[size] = len(captured.captured_queries)
            assert {r.check_code: r.failing_count for r in runs}["ai_assets_owned"] == len(
                [i for i in range(size) if not i % 3]
            )
    assert counts[10] == counts[1000], counts
    # 40, the audit chain check's head, walk and strays, the untriaged gateway tools, and
    # the lookup of the webhook endpoints a failed check would notify (isms.webhooks).
    assert counts[10] <= 46


def test_a_check_run_is_immutable_in_the_database(org_a, in_tenant):
    result = run(org_a, "ai_assets_owned", in_tenant)
    for sql in (
        "UPDATE monitoring_checks_checkrun SET status = 'fail' WHERE id = %s",
        "DELETE FROM monitoring_checks_checkrun WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="immutable"):
            with in_tenant(org_a), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, [result.pk])
    with in_tenant(org_a):
        assert CheckRun.objects.get(pk=result.pk).status == "pass"


def test_a_failing_check_names_the_controls_it_evidences_and_other_orgs_see_nothing(
    org_a, org_b, in_tenant
):
    with in_tenant(org_a):
        gone = make_ai_asset(org_a)
        Membership.objects.filter(user=gone.owner).delete()
    run(org_a, "ai_assets_owned", in_tenant)
    with in_tenant(org_b):
        assert not CheckRun.objects.exists()
