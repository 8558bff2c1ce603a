"""Demo suppliers for `make run` (idempotent: each supplier is made once, by name)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from isms.access import Actor
from isms.models import Membership
from suppliers.models import Question, Supplier, SupplierContractClause
from suppliers.services import assessments, register
from suppliers.services.question_sets import starter_question_set_install


def _actor(demo, role: str) -> Actor:
    membership = Membership.objects.select_related("organization", "user").get(
        organization=demo.organization, user=demo.user(role)
    )
    return Actor.for_membership(membership)


def _answer(assessment, officer, bad: dict[str, str] | None = None) -> None:
    """Good answers, except questions whose text contains a key of `bad` (→ that choice)."""
    bad = bad or {}
    today = timezone.localdate()
    for answer in assessment.answers.select_related("question"):
        q = answer.question
        override = next((v for k, v in bad.items() if k in q.text), None)
        if q.answer_type == Question.AnswerType.CHOICE:
            values = {"choice": override or q.good_answer}
        elif q.answer_type == Question.AnswerType.DATE:
            values = {"date": today - timedelta(days=500 if override else 120)}
        else:
            values = {"text": "" if override else "Described in their security whitepaper, §2."}
        assessments.answer_set(actor=officer, answer=answer, **values)


def load(demo) -> None:
    officer, admin = _actor(demo, "officer"), _actor(demo, "admin")
    owner = demo.user("officer")
    starter_question_set_install(organization_id=demo.organization.pk)
    today = timezone.localdate()
    existing = set(Supplier.objects.values_list("name", flat=True))

    if "Parley Chat" not in existing:
        chat = register.supplier_create(
            actor=officer,
            name="Parley Chat",
            owner=owner,
            website="https://parley.example",
            provides="Hosted chat assistant used by customer support staff.",
            ai_services=["ai_api", "saas_ai_features"],
            criticality="high",
            status="active",
            data_categories=["personal", "customer_content"],
        )
        register.contact_create(
            actor=officer,
            supplier=chat,
            name="Priya Shah",
            email="security@parley.example",
            role="Security contact",
        )
        register.certification_create(
            actor=officer,
            supplier=chat,
            type="iso27001",
            issuer="Example Certification Ltd",
            scope="Chat platform and support operations",
            valid_from=today - timedelta(days=200),
            valid_until=today + timedelta(days=900),
        )
        dpa = chat.contract_clauses.get(clause="data_processing_agreement")
        register.contract_clause_update(
            actor=officer,
            clause=dpa,
            status=SupplierContractClause.Status.PRESENT,
            reference="DPA v3 §1–12",
        )
        assessment = assessments.assessment_create(actor=officer, supplier=chat)
        _answer(assessment, officer, bad={"model card": "partial"})
        assessments.assessment_send(actor=officer, assessment=assessment)
        assessments.assessment_submit(actor=officer, assessment=assessment)
        assessments.assessment_start_review(actor=officer, assessment=assessment)
        assessments.assessment_approve(
            actor=admin, assessment=assessment, note="Acceptable; ask for a model card."
        )

    if "Codewright Assist" not in existing:
        code = register.supplier_create(
            actor=officer,
            name="Codewright Assist",
            owner=owner,
            website="https://codewright.example",
            provides="AI code completion in developers' editors.",
            ai_services=["models", "saas_ai_features"],
            criticality="critical",
            status="prospective",
            data_categories=["source_code", "credentials"],
        )
        assessment = assessments.assessment_create(actor=officer, supplier=code)
        _answer(
            assessment,
            officer,
            bad={
                "used to train or improve": "yes",
                "can we opt out": "no",
                "penetration tester": "old",
                "sub-processors": "partial",
            },
        )
        assessments.assessment_send(actor=officer, assessment=assessment)
        assessments.assessment_submit(actor=officer, assessment=assessment)

    if "ClearVoice Transcribe" not in existing:
        voice = register.supplier_create(
            actor=officer,
            name="ClearVoice Transcribe",
            owner=owner,
            website="https://clearvoice.example",
            provides="Meeting transcription and summaries.",
            ai_services=["ai_api"],
            criticality="medium",
            status="active",
            data_categories=["personal", "confidential_business"],
            next_reassessment_date=today - timedelta(days=10),
        )
        register.certification_create(
            actor=officer,
            supplier=voice,
            type="soc2_type2",
            issuer="Example Audit LLP",
            scope="Transcription API",
            period_start=today - timedelta(days=345 + 365),
            period_end=today - timedelta(days=345),
            bridge_letter_until=today + timedelta(days=20),
        )

    if "Nimbus ML Platform" not in existing:
        nimbus = register.supplier_create(
            actor=officer,
            name="Nimbus ML Platform",
            owner=owner,
            website="https://nimbus.example",
            provides="Cloud platform for training and hosting our own models.",
            ai_services=["models"],
            criticality="critical",
            status="active",
            data_categories=["customer_content", "personal"],
        )
        register.certification_create(
            actor=officer,
            supplier=nimbus,
            type="iso42001",
            issuer="Example Certification Ltd",
            valid_until=today + timedelta(days=500),
        )
        assessments.assessment_create(actor=officer, supplier=nimbus)
