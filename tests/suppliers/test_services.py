from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from isms.access import Actor
from isms.errors import Conflict, Duplicate, ErrorCode, NotPermitted, TransitionRefused
from isms.models import Membership, Role
from suppliers.models import (
    AssessmentTransition,
    ContractClause,
    Question,
    QuestionSet,
    Supplier,
    SupplierAssessment,
    SupplierContractClause,
)
from suppliers.question_sets import STARTER_QUESTIONS
from suppliers.scoring import score_assessment
from suppliers.services import assessments as svc
from suppliers.services import question_sets as qsvc
from suppliers.services import register
from tests.factories import MembershipFactory
from tests.suppliers.factories import PDF_BYTES, SupplierFactory, officer_actor

pytestmark = pytest.mark.django_db
Status = SupplierAssessment.Status


def actor_for(org, role=Role.OFFICER) -> Actor:
    user = MembershipFactory(organization=org, role=role).user
    return Actor.for_membership(Membership.objects.get(organization=org, user=user))


def good_answers(assessment):
    """Fill in every answer with the answer that is not a gap."""
    for answer in assessment.answers.select_related("question"):
        q = answer.question
        if q.answer_type == Question.AnswerType.CHOICE:
            answer.choice = q.good_answer
        elif q.answer_type == Question.AnswerType.DATE:
            answer.date = timezone.localdate() - timedelta(days=30)
        else:
            answer.text = "Documented in our trust centre, section 3."
        answer.save()


# --- suppliers ------------------------------------------------------------------------------


def test_supplier_create_makes_the_contract_checklist(org_a, in_tenant):
    with in_tenant(org_a):
        actor = actor_for(org_a)
        supplier = register.supplier_create(
            actor=actor, name=" Acme AI ", owner=actor.user, ai_services=["ai_api", "ai_api"]
        )
        assert supplier.name == "Acme AI"
        assert supplier.ai_services == ["ai_api"]
        clauses = set(supplier.contract_clauses.values_list("clause", "status"))
        assert clauses == {(c, "missing") for c in ContractClause.values}
        assert len(ContractClause.values) == 18  # 10, then 8 AI-era clauses (issue 16)


def test_supplier_owner_must_be_an_active_member(org_a, org_b, in_tenant):
    outsider = MembershipFactory(organization=org_b).user
    expired = MembershipFactory(
        organization=org_a, expires_at=timezone.now() - timedelta(days=1)
    ).user
    with in_tenant(org_a):
        actor = actor_for(org_a)
        for owner in (outsider, expired, None):
            with pytest.raises(ValidationError) as error:
                register.supplier_create(actor=actor, name="Acme", owner=owner)
            assert "owner" in error.value.message_dict
        assert not Supplier.objects.exists()


def test_supplier_name_is_unique_per_organisation(org_a, org_b, in_tenant):
    with in_tenant(org_a):
        actor = actor_for(org_a)
        register.supplier_create(actor=actor, name="Acme", owner=actor.user)
        with pytest.raises(Duplicate) as error:
            register.supplier_create(actor=actor, name="acme", owner=actor.user)
        assert (error.value.code, error.value.field) == (ErrorCode.DUPLICATE, "name")
    with in_tenant(org_b):
        actor_b = actor_for(org_b)
        register.supplier_create(actor=actor_b, name="Acme", owner=actor_b.user)


def test_contributor_changes_only_suppliers_they_own(org_a, in_tenant):
    with in_tenant(org_a):
        contributor = actor_for(org_a, Role.CONTRIBUTOR)
        officer = actor_for(org_a)
        mine = SupplierFactory(owner=contributor.user)
        theirs = SupplierFactory(owner=officer.user)
        register.supplier_update(actor=contributor, supplier=mine, provides="Speech to text")
        with pytest.raises(NotPermitted):
            register.supplier_update(actor=contributor, supplier=theirs, provides="x")
        auditor = actor_for(org_a, Role.AUDITOR)
        with pytest.raises(NotPermitted):
            register.supplier_update(actor=auditor, supplier=mine, provides="x")


def test_certification_expiry_status_and_validation(org_a, in_tenant):
    today = timezone.localdate()
    with in_tenant(org_a):
        actor = actor_for(org_a)
        supplier = SupplierFactory(owner=actor.user)

        def cert(days, **kw):
            return register.certification_create(
                actor=actor, supplier=supplier, type="iso27001", valid_until=today + timedelta(days)
            )

        assert cert(-1).expiry_status == "expired"
        assert cert(30).expiry_status == "expiring"
        assert cert(200).expiry_status == "valid"
        with pytest.raises(ValidationError) as error:
            register.certification_create(
                actor=actor,
                supplier=supplier,
                type="iso42001",
                valid_from=today,
                valid_until=today - timedelta(days=1),
            )
        assert "valid_until" in error.value.message_dict
        with pytest.raises(ValidationError) as error:
            register.certification_create(
                actor=actor, supplier=supplier, type="other", valid_until=today
            )
        assert "other_name" in error.value.message_dict


@pytest.mark.parametrize(
    ("name", "content", "size_ok"),
    [
        ("report.exe", b"MZ...", True),
        ("report.pdf", b"<html>not a pdf</html>", True),
        ("report.pdf", PDF_BYTES, False),
    ],
)
def test_certificate_file_type_and_size_are_checked(org_a, in_tenant, name, content, size_ok):
    with in_tenant(org_a):
        actor = actor_for(org_a)
        supplier = SupplierFactory(owner=actor.user)
        upload = SimpleUploadedFile(name, content if size_ok else content + b"0" * (10 << 20))
        with pytest.raises(ValidationError) as error:
            register.certification_create(
                actor=actor,
                supplier=supplier,
                type="iso27001",
                valid_until=timezone.localdate(),
                file=upload,
            )
        assert "file" in error.value.message_dict
        assert not supplier.certifications.exists()


def test_certificate_file_is_stored_under_the_organisation(org_a, in_tenant):
    with in_tenant(org_a):
        actor = actor_for(org_a)
        supplier = SupplierFactory(owner=actor.user)
        cert = register.certification_create(
            actor=actor,
            supplier=supplier,
            type="iso27001",
            valid_until=timezone.localdate(),
            file=SimpleUploadedFile("cert.pdf", PDF_BYTES),
        )
        assert cert.file.name.startswith(f"org-{org_a.pk}/suppliers/certificates/")


def test_contract_clause_present_needs_reference_and_breach_hours(org_a, in_tenant):
    with in_tenant(org_a):
        actor = actor_for(org_a)
        supplier = register.supplier_create(actor=actor, name="Acme", owner=actor.user)
        breach = supplier.contract_clauses.get(clause=ContractClause.BREACH_NOTIFICATION)
        with pytest.raises(ValidationError) as error:
            register.contract_clause_update(actor=actor, clause=breach, status="present")
        assert "reference" in error.value.message_dict
        with pytest.raises(ValidationError) as error:
            register.contract_clause_update(
                actor=actor, clause=breach, status="present", reference="DPA §9"
            )
        assert "notification_hours" in error.value.message_dict
        register.contract_clause_update(
            actor=actor, clause=breach, status="present", reference="DPA §9", notification_hours=48
        )
        breach.refresh_from_db()
        assert (breach.status, breach.notification_hours) == ("present", 48)
        assert SupplierContractClause.objects.filter(status="missing").count() == 17


# --- question sets --------------------------------------------------------------------------


def test_starter_question_set_is_installed_once_with_every_group(org_a, in_tenant):
    with in_tenant(org_a):
        first = qsvc.starter_question_set_install(organization_id=org_a.pk)
        again = qsvc.starter_question_set_install(organization_id=org_a.pk)
        assert first == again and first.status == "published"
        assert first.questions.count() == len(STARTER_QUESTIONS)
        assert set(first.questions.values_list("group", flat=True)) == set(Question.Group.values)
        assert set(first.questions.values_list("answer_type", flat=True)) == {
            "choice",
            "text",
            "date",
        }
        assert not first.questions.filter(bad_answer_meaning="").exists()


def test_published_question_sets_are_immutable_and_versioned(org_a, in_tenant):
    with in_tenant(org_a):
        actor = actor_for(org_a)
        v1 = qsvc.starter_question_set_install(organization_id=org_a.pk)
        with pytest.raises(Conflict):
            qsvc.question_update(actor=actor, question=v1.questions.first(), weight=9)
        with pytest.raises(Conflict):
            qsvc.question_create(
                actor=actor,
                question_set=v1,
                group="security",
                answer_type="text",
                text="?",
                bad_answer_meaning="x",
            )
        v2 = qsvc.question_set_new_version(actor=actor, source=v1)
        assert (v2.version, v2.status) == (2, "draft")
        assert v2.questions.count() == v1.questions.count()
        with pytest.raises(Conflict):
            qsvc.question_set_new_version(actor=actor, source=v1)
        question = qsvc.question_create(
            actor=actor,
            question_set=v2,
            group="security",
            answer_type="choice",
            good_answer="yes",
            text="Do you run a bug bounty?",
            weight=2,
            bad_answer_meaning="Fewer eyes on their weaknesses.",
        )
        assert question.pk
        with pytest.raises(ValidationError) as error:
            qsvc.question_create(
                actor=actor,
                question_set=v2,
                group="security",
                answer_type="choice",
                text="No good answer",
                bad_answer_meaning="x",
            )
        assert "good_answer" in error.value.message_dict
        qsvc.question_set_publish(actor=actor, question_set=v2)
        v1.refresh_from_db()
        assert v1.status == "retired"
        assert qsvc.default_question_set(organization_id=org_a.pk) == v2
        with pytest.raises(Conflict):
            qsvc.question_set_publish(actor=actor, question_set=v2)


def test_contributor_cannot_publish_a_question_set(org_a, in_tenant):
    with in_tenant(org_a):
        v1 = qsvc.starter_question_set_install(organization_id=org_a.pk)
        v2 = qsvc.question_set_new_version(actor=actor_for(org_a), source=v1)
        with pytest.raises(NotPermitted):
            qsvc.question_set_publish(actor=actor_for(org_a, Role.CONTRIBUTOR), question_set=v2)


# --- scoring (pure) -------------------------------------------------------------------------


class Q:
    def __init__(self, pk, answer_type="choice", weight=1, good="yes", knockout=False, age=None):
        self.pk, self.answer_type, self.weight = pk, answer_type, weight
        self.good_answer, self.knockout, self.max_age_days = good, knockout, age
        self.group, self.text, self.bad_answer_meaning = "security", f"Q{pk}", f"risk {pk}"


class A:
    def __init__(self, pk, choice="", text="", date=None):
        self.pk, self.choice, self.text, self.date = pk, choice, text, date


TODAY = date(2026, 6, 1)


def test_scoring_weights_partial_and_not_applicable():
    result = score_assessment(
        [
            (Q(1, weight=3), A(1, "yes")),
            (Q(2, weight=1), A(2, "partial")),
            (Q(3, weight=4, good="no"), A(3, "na")),
            (Q(4, answer_type="text", weight=1), A(4, text="  ")),
        ],
        today=TODAY,
    )
    # (3 + 0.5 + 0) / (3 + 1 + 1) = 70 %
    assert result.score == Decimal("70.0")
    assert result.rating == "medium"
    assert [(g.question_id, g.reason) for g in result.gaps] == [
        (2, "Only partly in place"),
        (4, "Not answered"),
    ]
    assert result.gaps[0].meaning == "risk 2"


@pytest.mark.parametrize(
    ("pairs", "score", "rating"),
    [
        ([(Q(1), A(1, "yes"))], Decimal("100.0"), "low"),
        ([(Q(1), A(1, "no"))], Decimal("0.0"), "critical"),
        ([(Q(1), A(1, "yes")), (Q(2), A(2, "no"))], Decimal("50.0"), "high"),
        ([(Q(1), A(1, "na"))], None, ""),
        # A knockout gap rates at least "high" even with a good score.
        (
            [(Q(1, weight=20), A(1, "yes")), (Q(2, knockout=True), A(2, "partial"))],
            Decimal("97.6"),
            "high",
        ),
    ],
)
def test_scoring_rating_bands(pairs, score, rating):
    result = score_assessment(pairs, today=TODAY)
    assert (result.score, result.rating) == (score, rating)


def test_scoring_date_questions_respect_max_age():
    fresh, stale = TODAY - timedelta(days=100), TODAY - timedelta(days=400)
    result = score_assessment(
        [(Q(1, "date", age=365), A(1, date=fresh)), (Q(2, "date", age=365), A(2, date=stale))],
        today=TODAY,
    )
    assert result.score == Decimal("50.0")
    assert result.gaps[0].question_id == 2 and "Older than 365 days" in result.gaps[0].reason


# --- workflow -------------------------------------------------------------------------------

ACTIONS = {
    "send": lambda a, x: svc.assessment_send(actor=a, assessment=x),
    "submit": lambda a, x: svc.assessment_submit(actor=a, assessment=x),
    "start_review": lambda a, x: svc.assessment_start_review(actor=a, assessment=x),
    "return_to_supplier": lambda a, x: svc.assessment_return(actor=a, assessment=x, note="Fix"),
    "approve": lambda a, x: svc.assessment_approve(actor=a, assessment=x),
    "reject": lambda a, x: svc.assessment_reject(actor=a, assessment=x, note="No"),
}
FORBIDDEN = [
    (state, action)
    for state in Status.values
    for action, transition in svc.TRANSITIONS.items()
    if state not in transition.sources
]


def test_transition_table_is_the_documented_workflow():
    allowed = {(s, a) for a, t in svc.TRANSITIONS.items() for s in t.sources}
    assert allowed == {
        ("draft", "send"),
        ("sent", "submit"),
        ("submitted", "start_review"),
        ("under_review", "return_to_supplier"),
        ("under_review", "approve"),
        ("under_review", "reject"),
    }
    assert set(ACTIONS) == set(svc.TRANSITIONS)


@pytest.mark.parametrize(("state", "action"), FORBIDDEN, ids=lambda v: str(v))
def test_every_forbidden_transition_is_refused(org_a, in_tenant, state, action):
    with in_tenant(org_a):
        actor = actor_for(org_a)
        assessment = svc.assessment_create(actor=actor, supplier=SupplierFactory(owner=actor.user))
        good_answers(assessment)
        SupplierAssessment.objects.filter(pk=assessment.pk).update(status=state)
        before = AssessmentTransition.objects.count()
        with pytest.raises(TransitionRefused) as error:
            ACTIONS[action](actor, assessment)
        assert error.value.code == ErrorCode.INVALID_TRANSITION
        assessment.refresh_from_db()
        assert assessment.status == state
        assert AssessmentTransition.objects.count() == before


def test_full_workflow_records_who_and_when_and_sets_reassessment(org_a, in_tenant):
    with in_tenant(org_a):
        officer, reviewer, approver = actor_for(org_a), actor_for(org_a), actor_for(org_a)
        supplier = SupplierFactory(owner=officer.user, criticality="critical")
        assessment = svc.assessment_create(actor=officer, supplier=supplier)
        assert assessment.answers.count() == len(STARTER_QUESTIONS)
        svc.assessment_send(actor=officer, assessment=assessment)
        with pytest.raises(ValidationError) as error:
            svc.assessment_submit(actor=officer, assessment=assessment)
        assert "answers" in error.value.message_dict
        good_answers(assessment)
        svc.assessment_submit(actor=officer, assessment=assessment)
        svc.assessment_start_review(actor=reviewer, assessment=assessment)
        # Neither the officer who sent and filled in the answers nor the reviewer approves.
        for participant in (officer, reviewer):
            with pytest.raises(NotPermitted) as refused:
                svc.assessment_approve(actor=participant, assessment=assessment)
            assert refused.value.code == ErrorCode.SEGREGATION_OF_DUTIES
        assessment.refresh_from_db()
        assert assessment.status == "under_review"
        svc.assessment_approve(actor=approver, assessment=assessment, note="Fine")
        assessment.refresh_from_db()
        supplier.refresh_from_db()
        assert assessment.status == "approved"
        assert (assessment.decided_by, assessment.submitted_by) == (approver.user, officer.user)
        assert assessment.score == Decimal("100.0") and assessment.rating == "low"
        assert supplier.rating == "low"
        today = timezone.localdate()
        assert supplier.next_reassessment_date == svc.reassessment_date("critical", today)
        steps = list(assessment.transitions.values_list("from_status", "to_status", "by"))
        assert steps == [
            ("draft", "sent", officer.user.pk),
            ("sent", "submitted", officer.user.pk),
            ("submitted", "under_review", reviewer.user.pk),
            ("under_review", "approved", approver.user.pk),
        ]


def test_reassessment_interval_follows_criticality():
    assert svc.reassessment_date("high", date(2026, 1, 31)) == date(2027, 1, 31)
    assert svc.reassessment_date("critical", date(2026, 8, 31)) == date(2027, 2, 28)
    assert svc.reassessment_date("low", date(2024, 2, 29)) == date(2025, 2, 28)


def test_contributor_cannot_approve_or_reject(org_a, in_tenant):
    with in_tenant(org_a):
        officer = actor_for(org_a)
        contributor = actor_for(org_a, Role.CONTRIBUTOR)
        assessment = svc.assessment_create(
            actor=officer, supplier=SupplierFactory(owner=officer.user)
        )
        SupplierAssessment.objects.filter(pk=assessment.pk).update(status="under_review")
        for action in ("approve", "reject"):
            with pytest.raises(NotPermitted):
                ACTIONS[action](contributor, assessment)


def test_gaps_are_flagged_on_answers_and_rejection_needs_a_reason(org_a, in_tenant):
    with in_tenant(org_a):
        officer, reviewer, approver = actor_for(org_a), actor_for(org_a), actor_for(org_a)
        assessment = svc.assessment_create(
            actor=officer, supplier=SupplierFactory(owner=officer.user)
        )
        good_answers(assessment)
        training = assessment.answers.get(question__knockout=True, question__group="data_handling")
        svc.answer_set(actor=officer, answer=training, choice="yes")
        assessment.refresh_from_db()
        assert assessment.gap_count == 1 and assessment.rating == "high"
        training.refresh_from_db()
        assert training.is_gap and training.gap_reason == "Answered 'yes'"
        svc.assessment_send(actor=officer, assessment=assessment)
        svc.assessment_submit(actor=officer, assessment=assessment)
        with pytest.raises(Conflict) as frozen:
            svc.answer_set(actor=officer, answer=training, choice="no")
        assert frozen.value.code == ErrorCode.IMMUTABLE
        svc.assessment_start_review(actor=reviewer, assessment=assessment)
        comment = svc.answer_comment_add(actor=reviewer, answer=training, text="Opt-out?")
        assert comment.author == reviewer.user
        with pytest.raises(NotPermitted):  # the reviewer never decides (segregation of duties)
            svc.assessment_reject(actor=reviewer, assessment=assessment, note="No")
        with pytest.raises(ValidationError):
            svc.assessment_reject(actor=approver, assessment=assessment, note=" ")
        svc.assessment_reject(actor=approver, assessment=assessment, note="Trains on our data")
        assessment.refresh_from_db()
        assert assessment.status == "rejected"
        with pytest.raises(Conflict):
            svc.answer_comment_add(actor=approver, answer=training, text="late")


def test_only_published_question_sets_can_be_used(org_a, in_tenant):
    with in_tenant(org_a):
        officer = actor_for(org_a)
        draft = QuestionSet.objects.create(name="Custom")
        with pytest.raises(ValidationError) as error:
            svc.assessment_create(
                actor=officer, supplier=SupplierFactory(owner=officer.user), question_set=draft
            )
        assert "question_set" in error.value.message_dict


def test_draft_assessment_only_can_be_deleted(org_a, in_tenant):
    with in_tenant(org_a):
        officer = officer_actor(org_a)
        supplier = SupplierFactory(owner=officer.user)
        assessment = svc.assessment_create(actor=officer, supplier=supplier)
        svc.assessment_send(actor=officer, assessment=assessment)
        with pytest.raises(Conflict):
            svc.assessment_delete(actor=officer, assessment=assessment)
        with pytest.raises(Conflict):
            register.supplier_delete(actor=officer, supplier=supplier)
