"""AI supplier assessments: the workflow, answers, reviewer comments, files and scoring.

The workflow is one table (ASSESSMENT_WORKFLOW, an isms.workflow.Workflow); `transition()`
is the only code that changes an assessment's status: it locks the row, re-reads the state,
asks the policy (suppliers.access: sending, submitting, reviewing and returning are changes
of the supplier's record; approving and rejecting need `suppliers:approve` and someone who
neither sent, returned, filled in nor reviewed it), and records who and when.

Answers can change only while the assessment is a draft or sent to the supplier. Every write
of an answer locks the assessment row first and re-checks its status under the lock, and
submission computes the score in the same transaction that freezes the answers: a save that
races a submission either lands before it (and is scored) or is refused with 409 `immutable`.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import date

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from isms import policy, uploads
from isms.access import Actor
from isms.errors import Conflict, ErrorCode
from isms.workflow import Transition, Workflow, lock, transition
from isms.writes import model_update
from suppliers.models import (
    AnswerComment,
    AssessmentFile,
    AssessmentTransition,
    Question,
    QuestionSet,
    Supplier,
    SupplierAnswer,
    SupplierAssessment,
)
from suppliers.scoring import Scoring, score_assessment
from suppliers.services.question_sets import default_question_set

Status = SupplierAssessment.Status

ASSESSMENT_WORKFLOW = Workflow(
    SupplierAssessment,
    label="suppliers: assessment",
    transitions=[
        Transition(
            "send",
            {Status.DRAFT},
            Status.SENT,
            "sent to the supplier",
            stamp=("sent_by", "sent_at"),
        ),
        Transition(
            "submit",
            {Status.SENT},
            Status.SUBMITTED,
            "submitted",
            stamp=("submitted_by", "submitted_at"),
        ),
        Transition(
            "start_review",
            {Status.SUBMITTED},
            Status.UNDER_REVIEW,
            "taken into review",
            stamp=("reviewer", "review_started_at"),
        ),
        Transition(
            "return_to_supplier", {Status.UNDER_REVIEW}, Status.SENT, "returned to the supplier"
        ),
        Transition(
            "approve",
            {Status.UNDER_REVIEW},
            Status.APPROVED,
            "approved",
            stamp=("decided_by", "decided_at"),
        ),
        Transition(
            "reject",
            {Status.UNDER_REVIEW},
            Status.REJECTED,
            "rejected",
            stamp=("decided_by", "decided_at"),
        ),
    ],
)
TRANSITIONS = ASSESSMENT_WORKFLOW.by_name
# What the button of each transition says.
BUTTON_LABELS = {
    "send": "Send",
    "submit": "Submit",
    "start_review": "Start reviewing",
    "return_to_supplier": "Return to the supplier",
    "approve": "Approve",
    "reject": "Reject",
}
EDITABLE_STATES = frozenset({Status.DRAFT, Status.SENT})
COMMENTABLE_STATES = frozenset({Status.SUBMITTED, Status.UNDER_REVIEW})
REASSESS_MONTHS = {Supplier.Criticality.CRITICAL: 6}
DEFAULT_REASSESS_MONTHS = 12


def available_actions(assessment: SupplierAssessment, actor: Actor) -> list[Transition]:
    """The transitions the actor can take now (for buttons); the service still checks."""
    return ASSESSMENT_WORKFLOW.available(actor, assessment)


def reassessment_date(criticality: str, decided: date) -> date:
    """12 months after the decision; 6 for critical suppliers (same day, clamped to month end)."""
    months = REASSESS_MONTHS.get(criticality, DEFAULT_REASSESS_MONTHS)
    month_index = decided.month - 1 + months
    year, month = decided.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(decided.day, calendar.monthrange(year, month)[1]))


def _move(
    assessment: SupplierAssessment,
    name: str,
    *,
    actor: Actor | None,
    by_label: str,
    note: str = "",
    lock_also=(),
    apply=None,
) -> SupplierAssessment:
    """One transition through isms.workflow, also written to the assessment's own history."""

    def record(fresh: SupplierAssessment, *others) -> list[str]:
        move = TRANSITIONS[name]
        changed = list(apply(fresh, *others) or ()) if apply is not None else []
        AssessmentTransition.objects.create(
            organization_id=fresh.organization_id,
            assessment=fresh,
            action=name,
            from_status=next(iter(move.sources)),  # every move leaves exactly one state
            to_status=move.target,
            by=actor.user if actor is not None else None,
            by_label=by_label,
            at=timezone.now(),
            note=note,
        )
        return changed

    fresh = transition(
        ASSESSMENT_WORKFLOW,
        assessment,
        name,
        actor=actor,
        reason=note,
        lock_also=lock_also,
        apply=record,
    )
    return _refreshed(assessment, fresh)


def _refreshed(stale, fresh):
    """The caller's instance, brought up to date with the row as now stored."""
    for field in fresh._meta.concrete_fields:
        setattr(stale, field.attname, getattr(fresh, field.attname))
    return stale


@transaction.atomic
def assessment_create(
    *,
    actor: Actor,
    supplier: Supplier,
    question_set: QuestionSet | None = None,
    due_date: date | None = None,
) -> SupplierAssessment:
    policy.require(actor, "change", supplier)
    if question_set is None:
        question_set = default_question_set(organization_id=supplier.organization_id)
    if question_set.status != QuestionSet.Status.PUBLISHED:
        raise ValidationError({"question_set": "Only a published question set can be sent."})
    assessment = SupplierAssessment.objects.create(
        supplier=supplier,
        question_set=question_set,
        due_date=due_date,
        created_by=actor.user,
    )
    SupplierAnswer.objects.bulk_create(
        [
            SupplierAnswer(
                organization_id=assessment.organization_id,
                assessment=assessment,
                question=question,
            )
            for question in Question.objects.filter(question_set=question_set)
        ]
    )
    assessment_rescore(assessment=assessment)
    return assessment


@transaction.atomic
def assessment_delete(*, actor: Actor, assessment: SupplierAssessment) -> None:
    policy.require(actor, "delete", assessment)
    (assessment,) = lock(assessment)
    if assessment.status != Status.DRAFT:
        raise Conflict("Only a draft assessment can be deleted; the others are records.")
    assessment.delete()


def assessment_send(*, actor: Actor, assessment: SupplierAssessment) -> SupplierAssessment:
    return _move(assessment, "send", actor=actor, by_label=actor.label)


def _require_complete(assessment: SupplierAssessment) -> None:
    missing = [
        a.question.order
        for a in assessment.answers.select_related("question")
        if not (a.choice or a.text.strip() or a.date)
    ]
    if missing:
        raise ValidationError(
            {"answers": f"{len(missing)} question(s) are not answered yet; answer every question."}
        )


def _submitted(assessment: SupplierAssessment, *, actor, by_label: str) -> SupplierAssessment:
    def freeze(fresh: SupplierAssessment) -> list[str]:
        # Under the assessment's lock: every answer save has either committed before (and
        # is scored here) or waits and is then refused. The score is the frozen answers'.
        _require_complete(fresh)
        _store_scoring(fresh)
        fresh.submitted_by_label = by_label
        return ["submitted_by_label", "score", "rating", "gap_count"]

    return _move(assessment, "submit", actor=actor, by_label=by_label, apply=freeze)


def assessment_submit(*, actor: Actor, assessment: SupplierAssessment) -> SupplierAssessment:
    """An officer submits answers they filled in themselves."""
    return _submitted(assessment, actor=actor, by_label=actor.label)


def assessment_submit_from_portal(
    *, assessment: SupplierAssessment, by_label: str
) -> SupplierAssessment:
    """The supplier submits through its link (the portal service has checked the link)."""
    return _submitted(assessment, actor=None, by_label=by_label)


def assessment_start_review(*, actor: Actor, assessment: SupplierAssessment) -> SupplierAssessment:
    return _move(assessment, "start_review", actor=actor, by_label=actor.label)


def assessment_return(
    *, actor: Actor, assessment: SupplierAssessment, note: str
) -> SupplierAssessment:
    if not note.strip():
        raise ValidationError({"note": "Tell the supplier what to correct."})

    def returned(fresh: SupplierAssessment) -> list[str]:
        fresh.returned_by_id = actor.user_id
        return ["returned_by"]

    return _move(
        assessment,
        "return_to_supplier",
        actor=actor,
        by_label=actor.label,
        note=note,
        apply=returned,
    )


def assessment_approve(
    *, actor: Actor, assessment: SupplierAssessment, note: str = ""
) -> SupplierAssessment:
    """Approve; the supplier's rating and next reassessment date follow from it."""

    def decide(fresh: SupplierAssessment, supplier: Supplier) -> list[str]:
        scoring = _store_scoring(fresh)
        fresh.decision_note = note
        decided_on = timezone.localdate()
        model_update(
            supplier,
            data={
                "rating": scoring.rating,
                "last_assessed_on": decided_on,
                "next_reassessment_date": reassessment_date(supplier.criticality, decided_on),
            },
            fields=("rating", "last_assessed_on", "next_reassessment_date"),
            clean=False,
        )
        fresh.supplier = supplier
        return ["decision_note", "score", "rating", "gap_count"]

    return _move(
        assessment,
        "approve",
        actor=actor,
        by_label=actor.label,
        note=note,
        lock_also=[Supplier(pk=assessment.supplier_id)],
        apply=decide,
    )


def assessment_reject(
    *, actor: Actor, assessment: SupplierAssessment, note: str
) -> SupplierAssessment:
    if not note.strip():
        raise ValidationError({"note": "Say why the assessment is rejected."})

    def decide(fresh: SupplierAssessment) -> list[str]:
        fresh.decision_note = note
        return ["decision_note"]

    return _move(assessment, "reject", actor=actor, by_label=actor.label, note=note, apply=decide)


# --- answers, comments, files ---------------------------------------------------------------

ANSWER_FIELDS = ("choice", "text", "date", "supplier_note")


def _write_answer(answer: SupplierAnswer, values: dict, by_label: str) -> SupplierAnswer:
    question = answer.question
    choice = values.get("choice", answer.choice) or ""
    text = values.get("text", answer.text) or ""
    when = values.get("date", answer.date)
    if question.answer_type == Question.AnswerType.CHOICE:
        if choice and choice not in SupplierAnswer.Choice.values:
            raise ValidationError({"choice": "Answer yes, no, partial or not applicable."})
        text, when = "", None
    elif question.answer_type == Question.AnswerType.DATE:
        choice, text = "", ""
    else:
        choice, when = "", None
    answer.choice, answer.text, answer.date = choice, text, when
    answer.supplier_note = values.get("supplier_note", answer.supplier_note) or ""
    answer.answered_at = timezone.now()
    answer.answered_by_label = by_label
    answer.save(
        update_fields=[
            "choice",
            "text",
            "date",
            "supplier_note",
            "answered_at",
            "answered_by_label",
        ]
    )
    return answer


def _lock_open(assessment: SupplierAssessment) -> SupplierAssessment:
    """Lock the assessment row and check, under the lock, that its answers may change.

    A submission holds the same lock while it freezes and scores the answers, so an answer
    save waits for it and is then refused here: answers never change after submission."""
    (fresh,) = lock(assessment)
    if fresh.status not in EDITABLE_STATES:
        raise Conflict(
            f"Answers are fixed once the assessment is {fresh.get_status_display().lower()}.",
            code=ErrorCode.IMMUTABLE,
        )
    return fresh


def _write_answers(
    assessment: SupplierAssessment, values_by_answer: Mapping[int, dict], by_label: str
) -> SupplierAssessment:
    fresh = _lock_open(assessment)
    answers = {a.pk: a for a in fresh.answers.select_related("question")}
    for answer_id, values in values_by_answer.items():
        answer = answers.get(answer_id)
        if answer is not None:
            _write_answer(answer, values, by_label)
    assessment_rescore(assessment=fresh)
    return fresh


@transaction.atomic
def answers_set(
    *, actor: Actor, assessment: SupplierAssessment, values_by_answer: Mapping[int, dict]
) -> SupplierAssessment:
    """An officer (or the supplier's owner) fills in answers: draft or sent assessments only."""
    policy.require(actor, "change", assessment)
    return _write_answers(assessment, values_by_answer, actor.label)


@transaction.atomic
def answer_set(*, actor: Actor, answer: SupplierAnswer, **values) -> SupplierAnswer:
    """One answer (the API's PATCH); the same lock and check as every answer write."""
    policy.require(actor, "change", answer)
    _write_answers(answer.assessment, {answer.pk: values}, actor.label)
    answer.refresh_from_db()
    return answer


@transaction.atomic
def answers_set_from_portal(
    *, assessment: SupplierAssessment, values_by_answer: dict[int, dict], by_label: str
) -> None:
    """Answers from the supplier's link: only this assessment's answers are touched."""
    _write_answers(assessment, values_by_answer, by_label)


@transaction.atomic
def answer_comment_add(*, actor: Actor, answer: SupplierAnswer, text: str) -> AnswerComment:
    policy.require(actor, "comment", answer)
    answer.assessment.refresh_from_db(fields=["status"])
    if answer.assessment.status not in COMMENTABLE_STATES:
        raise Conflict("Reviewers comment on answers once the assessment is submitted.")
    if not text.strip():
        raise ValidationError({"text": "Write the comment."})
    return AnswerComment.objects.create(answer=answer, author=actor.user, text=text.strip())


@transaction.atomic
def assessment_file_add(
    *,
    assessment: SupplierAssessment,
    upload: UploadedFile,
    by_label: str,
    answer: SupplierAnswer | None = None,
) -> AssessmentFile:
    _lock_open(assessment)
    if answer is not None and answer.assessment_id != assessment.pk:
        raise ValidationError({"answer": "That answer belongs to another assessment."})
    checked = uploads.check_upload(
        upload,
        allowed=uploads.EVIDENCE,
        name_length=AssessmentFile._meta.get_field("original_name").max_length,
    )
    return AssessmentFile.objects.create(
        assessment=assessment,
        answer=answer,
        file=checked.as_file(),
        original_name=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        uploaded_by_label=by_label,
    )


# --- scoring --------------------------------------------------------------------------------


def assessment_scoring(assessment: SupplierAssessment) -> Scoring:
    """Compute (without storing) the score, rating and gaps from the current answers."""
    answers = list(SupplierAnswer.objects.filter(assessment=assessment).select_related("question"))
    return score_assessment([(a.question, a) for a in answers], today=timezone.localdate())


def _store_scoring(assessment: SupplierAssessment) -> Scoring:
    scoring = assessment_scoring(assessment)
    gap_reasons = {g.answer_id: g.reason for g in scoring.gaps}
    answers = list(SupplierAnswer.objects.filter(assessment=assessment))
    changed = []
    for answer in answers:
        is_gap, reason = answer.pk in gap_reasons, gap_reasons.get(answer.pk, "")
        if (answer.is_gap, answer.gap_reason) != (is_gap, reason):
            answer.is_gap, answer.gap_reason = is_gap, reason
            changed.append(answer)
    if changed:
        SupplierAnswer.objects.bulk_update(changed, ["is_gap", "gap_reason"])
    assessment.score = scoring.score
    assessment.rating = scoring.rating
    assessment.gap_count = len(scoring.gaps)
    SupplierAssessment.objects.filter(pk=assessment.pk).update(
        score=scoring.score, rating=scoring.rating, gap_count=len(scoring.gaps)
    )
    return scoring


def assessment_rescore(*, assessment: SupplierAssessment) -> Scoring:
    """Store the score, rating and gap flags (decided assessments keep theirs)."""
    if assessment.status in {Status.APPROVED, Status.REJECTED}:
        return assessment_scoring(assessment)
    return _store_scoring(assessment)


@transaction.atomic
def assessment_set_due_date(
    *, actor: Actor, assessment: SupplierAssessment, due_date: date | None
) -> SupplierAssessment:
    policy.require(actor, "change", assessment)
    model_update(assessment, data={"due_date": due_date}, fields=("due_date",))
    return assessment
