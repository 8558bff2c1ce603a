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
