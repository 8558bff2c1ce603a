"""Competence records (issue 16): five required competences, an AI responsibility for about
forty per cent of the members, and one to three training records per member with expiries
from a year ago to two years ahead, so the gaps, the AI literacy figure and the training
reminders all have work to do."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from monitoring.competence.models import (
    CompetenceRequirement,
    ResponsibilityAssignment,
    TrainingRecord,
)

REQUIREMENTS = [
    ("all_staff", "Security awareness", False, 12),
    ("ai_user", "AI literacy basics", True, 12),
    ("human_overseer", "Oversight of AI outputs", True, 24),
    ("ai_system_owner", "AI risk and impact assessment", True, 24),
    ("internal_auditor", "Internal auditing", False, None),
]


def seed(org) -> None:
    rng = org.rng
    today = timezone.localdate()
    organization_id = org.organization.pk
    required = CompetenceRequirement.objects.bulk_create(
        [
            CompetenceRequirement(
                organization_id=organization_id,
                responsibility=responsibility,
                title=title,
                ai_literacy=literacy,
                renew_every_months=renew,
            )
            for responsibility, title, literacy, renew in REQUIREMENTS
        ]
    )
    by_responsibility = {r.responsibility: r for r in required}
    assignments, records = [], []
    for user in org.members:
        held = ["all_staff"]
        if rng.random() < 0.4:
            extra = rng.choice(["ai_user", "human_overseer", "ai_system_owner"])
            held.append(extra)
            assignments.append(
                ResponsibilityAssignment(
                    organization_id=organization_id, member=user, responsibility=extra
                )
            )
        for responsibility in rng.sample(held, rng.randint(1, len(held))):
            completed = today - timedelta(days=rng.randint(30, 700))
            requirement = by_responsibility[responsibility]
            expires = (
                completed + timedelta(days=30 * requirement.renew_every_months)
                if requirement.renew_every_months
                else None
            )
            records.append(
                TrainingRecord(
                    organization_id=organization_id,
                    member=user,
                    requirement=requirement,
                    course=requirement.title,
                    completed_on=completed,
                    expires_on=expires,
                    evidence_link="https://learning.example/certificates/bench",
                )
            )
    ResponsibilityAssignment.objects.bulk_create(assignments)
    TrainingRecord.objects.bulk_create(records)
