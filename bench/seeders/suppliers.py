"""Suppliers: the register, contacts, certifications, contract clauses and assessments.

Per organisation: `size.suppliers` suppliers owned by members; about 40 % provide AI services.
Every supplier has a contact; most have certifications; AI suppliers have their contract
clauses tracked. About half have an assessment on the starter question set with an answer to
every question: approved ones (scored by suppliers.scoring, the rating copied to the
supplier as the approval service does), submitted ones awaiting review, and sent ones.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from bench.seed import SeededOrg
from isms.choices import DataCategory
from suppliers.models import (
    AssessmentTransition,
    ContractClause,
    Question,
    Supplier,
    SupplierAnswer,
    SupplierAssessment,
    SupplierCertification,
    SupplierContact,
    SupplierContractClause,
)
from suppliers.scoring import score_assessment
from suppliers.services.assessments import reassessment_date
from suppliers.services.question_sets import starter_question_set_install

FIRST = [
    "Northwind", "Bluefin", "Cobalt", "Meridian", "Lumen", "Quartz", "Harbor", "Vertex",
    "Orchid", "Granite", "Tessel", "Polaris", "Juniper", "Argon", "Sable", "Cinder",
]  # fmt: skip
SECOND = [
    "Analytics", "Cloud", "AI", "Data", "Labs", "Systems", "Translate", "Speech", "Vision",
    "Hosting", "Payroll", "Security", "Search", "CRM", "Mail", "Support",
]  # fmt: skip
PROVIDES = [
    "Hosted large language model API",
    "Meeting transcription and summaries",
    "Customer support chat with an AI assistant",
    "Cloud hosting and managed databases",
    "Payroll and HR software",
    "Document translation",
    "Code completion in the IDE",
    "Marketing copy generation",
    "Identity provider and single sign-on",
    "Vector database for retrieval",
]
ISSUERS = ["BSI", "DNV", "Schellman", "A-LIGN", "TÜV SÜD", "LRQA"]
CATEGORIES = [c.value for c in DataCategory]


def _name(n: int) -> str:
    """Unique for every n; neighbours differ in both words."""
    i, a = n % 256, n % 16
    name = f"{FIRST[a]} {SECOND[(a + i // 16) % 16]}"
    return name if n < 256 else f"{name} {n // 256 + 1}"


def seed(org: SeededOrg) -> None:
    organization_id = org.organization.pk
    rng = org.rng
    members = org.members
    today = timezone.localdate()
    now = timezone.now()

    suppliers = Supplier.objects.bulk_create(
        [
            Supplier(
                organization_id=organization_id,
                name=_name(n),
                website=f"https://supplier{n}.example.com",
                provides=rng.choice(PROVIDES),
                ai_services=(
                    rng.sample([c.value for c in Supplier.AIService], rng.randint(1, 2))
                    if rng.random() < 0.4
                    else []
                ),
                criticality=rng.choice(Supplier.Criticality.values),
                status=rng.choices(Supplier.Status.values, weights=[2, 10, 1, 1])[0],
                owner=rng.choice(members[:2] + members[2 : 2 + max(len(members) // 5, 1)]),
                data_categories=rng.sample(CATEGORIES, rng.randint(0, 3)),
            )
            for n in range(org.size.suppliers)
        ]
    )
    SupplierContact.objects.bulk_create(
        SupplierContact(
            organization_id=organization_id,
            supplier=s,
            name=f"Account manager {s.pk}",
            email=f"account{s.pk}@supplier.example.com",
            role="account manager",
        )
        for s in suppliers
    )
    certifications = []
    for s in suppliers:
        for cert_type in rng.sample(
            ["iso27001", "soc2_type2", "iso42001", "iso27701"], rng.randint(0, 2)
        ):
            valid_until = today + timedelta(days=rng.randint(-60, 900))
            soc2 = cert_type == "soc2_type2"
            certifications.append(
                SupplierCertification(
                    organization_id=organization_id,
                    supplier=s,
                    type=cert_type,
                    issuer=rng.choice(ISSUERS),
                    valid_from=None if soc2 else valid_until - timedelta(days=3 * 365),
                    valid_until=valid_until,
                    # SOC 2 Type II: an attestation over a period, relied on for twelve months
                    period_end=valid_until - timedelta(days=365) if soc2 else None,
                )
            )
    SupplierCertification.objects.bulk_create(certifications)
    SupplierContractClause.objects.bulk_create(
        SupplierContractClause(
            organization_id=organization_id,
            supplier=s,
            clause=clause,
            status=rng.choices(["present", "missing", "not_applicable"], weights=[6, 3, 1])[0],
        )
        for s in suppliers
        if s.ai_services
        for clause in ContractClause.values
    )

    question_set = starter_question_set_install(organization_id=organization_id)
    questions = list(Question.objects.filter(question_set=question_set).order_by("order"))
    assessed = [s for s in suppliers if rng.random() < 0.5]
    statuses = rng.choices(["approved", "submitted", "sent"], weights=[6, 2, 2], k=len(assessed))
    assessments = SupplierAssessment.objects.bulk_create(
        SupplierAssessment(
            organization_id=organization_id,
            supplier=s,
            question_set=question_set,
            status=status,
            due_date=today + timedelta(days=rng.randint(-30, 60)),
            created_by=members[1],
            sent_at=now - timedelta(days=40),
            submitted_at=None if status == "sent" else now - timedelta(days=20),
            submitted_by_label="" if status == "sent" else f"security@{s.pk}.supplier.example.com",
            review_started_at=now - timedelta(days=10) if status == "approved" else None,
            reviewer=members[1] if status == "approved" else None,
            decided_at=now - timedelta(days=5) if status == "approved" else None,
            decided_by=members[0] if status == "approved" else None,
        )
        for s, status in zip(assessed, statuses, strict=True)
    )
    answers, transitions, scored, rated = [], [], [], []
    for assessment in assessments:
        mine = []
        for question in questions:
            answer = SupplierAnswer(
                organization_id=organization_id, assessment=assessment, question=question
            )
            if assessment.status != "sent":
                answer.answered_at = now - timedelta(days=21)
                answer.answered_by_label = assessment.submitted_by_label
                if question.answer_type == "choice":
                    good = question.good_answer or "yes"
                    bad = "no" if good == "yes" else "yes"
                    answer.choice = rng.choices([good, bad, "partial", "na"], weights=[7, 2, 1, 1])[
                        0
                    ]
                elif question.answer_type == "date":
                    answer.date = today - timedelta(days=rng.randint(10, 500))
                else:
                    answer.text = "Stored and processed in the EU (Frankfurt, Dublin)."
            mine.append(answer)
        scoring = score_assessment([(a.question, a) for a in mine], today=today)
        gap_reasons = {g.question_id: g.reason for g in scoring.gaps}
        for answer in mine:
            answer.is_gap = answer.question.pk in gap_reasons
            answer.gap_reason = gap_reasons.get(answer.question.pk, "")
        answers += mine
        assessment.score, assessment.rating = scoring.score, scoring.rating
        assessment.gap_count = len(scoring.gaps)
        scored.append(assessment)
        steps = [("send", "draft", "sent")]
        if assessment.status != "sent":
            steps.append(("submit", "sent", "submitted"))
        if assessment.status == "approved":
            steps += [
                ("start_review", "submitted", "under_review"),
                ("approve", "under_review", "approved"),
            ]
            supplier = assessment.supplier
            supplier.rating = scoring.rating
            supplier.last_assessed_on = assessment.decided_at.date()
            supplier.next_reassessment_date = reassessment_date(
                supplier.criticality, supplier.last_assessed_on
            )
            rated.append(supplier)
        transitions += [
            AssessmentTransition(
                organization_id=organization_id,
                assessment=assessment,
                action=action,
                from_status=source,
                to_status=target,
                by=members[1],
                by_label="Bench officer",
                at=now - timedelta(days=40 - 10 * i),
            )
            for i, (action, source, target) in enumerate(steps)
        ]
    SupplierAnswer.objects.bulk_create(answers, batch_size=5000)
    SupplierAssessment.objects.bulk_update(
        scored, ["score", "rating", "gap_count"], batch_size=1000
    )
    AssessmentTransition.objects.bulk_create(transitions, batch_size=5000)
    Supplier.objects.bulk_update(
        rated, ["rating", "last_assessed_on", "next_reassessment_date"], batch_size=1000
    )
