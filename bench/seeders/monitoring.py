"""Review schedules for the reminder sweep: `SCHEDULES_PER_ORG` per organisation (100,000
over the 100 default organisations), for the AI systems, suppliers, policies and risks the
other seeders made, topped up with evidence-item schedules; due dates spread from two months
overdue to four months ahead, so about a third of them are due soon, due or overdue."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from assets.models import AI_TYPES, Asset
from isms.models import Membership, Role
from monitoring.inbox.services import settings_ensure as inbox_settings_ensure
from monitoring.reviews.models import ReviewSchedule, ReviewSettings, SubjectType
from policies.models import Policy
from risks.models import Risk
from suppliers.models import Supplier

SCHEDULES_PER_ORG = 1_000


def seed(org) -> None:
    rng = org.rng
    today = timezone.localdate()
    organization_id = org.organization.pk
    inbox_settings_ensure()
    ReviewSettings.objects.get_or_create()
    reviewers = list(
        Membership.objects.filter(organization_id=organization_id)
        .exclude(role=Role.AUDITOR)
        .values_list("user_id", flat=True)
    )
    subjects: list[tuple[str, int, str]] = []
    for model, subject_type, label, extra in [
        (Asset, SubjectType.AI_SYSTEM, "name", {"asset_type__in": list(AI_TYPES)}),
        (Supplier, SubjectType.SUPPLIER, "name", {}),
        (Policy, SubjectType.POLICY, "title", {}),
        (Risk, SubjectType.RISK, "title", {}),
    ]:
        rows = model.objects.filter(**extra).order_by("pk").values_list("pk", label)
        subjects += [(subject_type, pk, title) for pk, title in rows]
    subjects = subjects[:SCHEDULES_PER_ORG]
    subjects += [
        (SubjectType.EVIDENCE, n, f"Evidence item {n}")
        for n in range(1, SCHEDULES_PER_ORG - len(subjects) + 1)
    ]
    ReviewSchedule.objects.bulk_create(
        [
            ReviewSchedule(
                organization_id=organization_id,
                subject_type=subject_type,
                object_id=pk,
                title=title[:300],
                interval_months=rng.choice([3, 6, 12]),
                next_due=today + timedelta(days=rng.randint(-60, 120)),
                reviewer_id=rng.choice(reviewers) if rng.random() < 0.9 else None,
            )
            for subject_type, pk, title in subjects
        ],
        batch_size=2_000,
    )
    _checks_data(org, reviewers)


def _checks_data(org, owners: list[int]) -> None:
    """What the automated checks read besides the registers: owners for the applicable SoA
    rows (a failing check tells them), and a drift threshold on a tenth of the AI assets with
    a latest point each, one in five breaching it."""
    from datetime import UTC, datetime

    from monitoring.checks.models import Metric, MetricPoint, MetricThreshold
    from risks.models import SoARow

    rng = org.rng
    rows = list(SoARow.objects.filter(applicable=True).order_by("pk").values_list("pk", flat=True))
    chosen = rng.sample(owners, min(5, len(owners)))
    for n, owner_id in enumerate(chosen):  # one UPDATE per owner, not per row
        SoARow.objects.filter(pk__in=rows[n :: len(chosen)]).update(owner_id=owner_id)
    assets = list(
        Asset.objects.filter(asset_type__in=list(AI_TYPES))
        .order_by("pk")
        .values_list("pk", flat=True)
    )[::10]
    organization_id = org.organization.pk
    MetricThreshold.objects.bulk_create(
        [
            MetricThreshold(
                organization_id=organization_id, asset_id=a, metric=Metric.DRIFT, maximum=0.2
            )
            for a in assets
        ]
    )
    measured = datetime.now(UTC).replace(microsecond=0)
    MetricPoint.objects.bulk_create(
        [
            MetricPoint(
                organization_id=organization_id,
                asset_id=a,
                metric=Metric.DRIFT,
                value=0.3 if rng.random() < 0.2 else 0.1,
                measured_at=measured,
                source="bench-seed",
            )
            for a in assets
        ]
    )
