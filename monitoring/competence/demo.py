"""Demo competence records (idempotent): competences required per responsibility, who holds
them, training records with evidence links, one expired (a gap) and one about to expire (a
reminder), and the admin without AI literacy training (coverage below 100 %)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from monitoring.competence import services
from monitoring.competence.models import CompetenceRequirement
from monitoring.incidents.demo import _actor

REQUIREMENTS = [
    ("all_staff", "Security awareness", False, 12, "ISO 27001 7.3; ISO 27001 6.3"),
    ("ai_user", "AI literacy basics", True, 12, "ISO 42001 7.2; EU AI Act Art. 4"),
    (
        "human_overseer",
        "Oversight of AI outputs: limits, bias, when to stop the system",
        True,
        24,
        "ISO 42001 7.2; ISO 42001 A.9; EU AI Act Art. 14",
    ),
    ("ai_system_owner", "AI risk and impact assessment", True, 24, "ISO 42001 6.1.4; A.5"),
    ("internal_auditor", "Internal auditing of ISO 27001 and 42001", False, None, "9.2"),
]


def load(demo) -> None:
    if CompetenceRequirement.objects.exists():
        return
    officer = _actor(demo, "officer")
    today = timezone.localdate()
    required = {}
    for responsibility, title, literacy, renew, clauses in REQUIREMENTS:
        required[responsibility] = services.requirement_create(
            actor=officer,
            responsibility=responsibility,
            title=title,
            ai_literacy=literacy,
            renew_every_months=renew,
            clauses=clauses,
        )
    owner, admin, officer_user = demo.user("contributor"), demo.user("admin"), officer.user
    for member, responsibility, note in [
        (owner, "ai_system_owner", "Marketing chat assistant"),
        (owner, "human_overseer", "Hiring assistant shortlist"),
        (owner, "ai_user", ""),
        (admin, "ai_user", ""),
        (officer_user, "internal_auditor", ""),
        (officer_user, "ai_user", ""),
    ]:
        services.assignment_create(
            actor=officer, member=member, responsibility=responsibility, note=note
        )
    records = [
        (owner, "ai_user", "AI literacy e-learning (internal)", 200),
        (owner, "human_overseer", "Human oversight workshop", 800),  # lapsed: a gap
        (owner, "ai_system_owner", "AI impact assessment training", 120),
        (officer_user, "ai_user", "AI literacy e-learning (internal)", 350),  # due soon
        (officer_user, "internal_auditor", "ISO/IEC 42001 lead auditor course", 400),
        (officer_user, "all_staff", "Annual security awareness", 90),
        (owner, "all_staff", "Annual security awareness", 95),
    ]
    for member, responsibility, course, days_ago in records:
        services.record_create(
            actor=officer,
            member=member,
            requirement=required[responsibility],
            kind="training",
            course=course,
            completed_on=today - timedelta(days=days_ago),
            evidence_link="https://learning.demo.example/certificates/"
            f"{member.pk}-{responsibility}",
        )
    services.record_create(
        actor=officer,
        member=admin,
        requirement=None,
        kind="awareness",
        course="Phishing simulation debrief",
        completed_on=today - timedelta(days=20),
    )
