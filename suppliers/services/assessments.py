"""AI supplier assessments: the workflow, answers, reviewer comments, files and scoring.

The workflow is one table (TRANSITIONS): each action names the states it may leave, the
state it enters and the scope the actor needs. `_transition` is the only code that changes
an assessment's status; it records who and when in AssessmentTransition (and the audit
trigger records the row change).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from isms import uploads
from isms.access import Actor
from isms.errors import Conflict, NotPermitted, TransitionRefused
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
from suppliers.services.common import require_change, require_scope
from suppliers.services.question_sets import default_question_set

Status = SupplierAssessment.Status


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    scope: str
    label: str


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition("send", frozenset({Status.DRAFT}), Status.SENT, "suppliers:write", "send"),
        Transition(
            "submit", frozenset({Status.SENT}), Status.SUBMITTED, "suppliers:write", "submit"
        ),
        Transition(
            "start_review",
            frozenset({Status.SUBMITTED}),
            Status.UNDER_REVIEW,
            "suppliers:write",
            "start reviewing",
        ),
        Transition(
            "return_to_supplier",
            frozenset({Status.UNDER_REVIEW}),
            Status.SENT,
            "suppliers:write",
            "return to the supplier",
        ),
        Transition(
            "approve",
            frozenset({Status.UNDER_REVIEW}),
            Status.APPROVED,
            "suppliers:approve",
            "approve",
        ),
        Transition(
            "reject",
            frozenset({Status.UNDER_REVIEW}),
            Status.REJECTED,
            "suppliers:approve",
            "reject",
        ),
    ]
}
EDITABLE_STATES = frozenset({Status.DRAFT, Status.SENT})
COMMENTABLE_STATES = frozenset({Status.SUBMITTED, Status.UNDER_REVIEW})
REASSESS_MONTHS = {Supplier.Criticality.CRITICAL: 6}
DEFAULT_REASSESS_MONTHS = 12


def available_actions(assessment: SupplierAssessment, actor: Actor) -> list[Transition]:
    """The transitions the actor could take now (for buttons); the service still checks."""
    return [
        t
        for t in TRANSITIONS.values()
        if assessment.status in t.sources and actor.has_scope(t.scope)
    ]


def reassessment_date(criticality: str, decided: date) -> date:
    """12 months after the decision; 6 for critical suppliers (same day, clamped to month end)."""
    months = REASSESS_MONTHS.get(criticality, DEFAULT_REASSESS_MONTHS)
    month_index = decided.month - 1 + months
    year, month = decided.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(decided.day, calendar.monthrange(year, month)[1]))


def _transition(
    assessment: SupplierAssessment,
    action: str,
    *,
    actor: Actor | None,
    by_label: str,
    note: str = "",
) -> tuple[SupplierAssessment, datetime, object | None]:
    """Check and record one transition; the caller sets its fields and saves."""
    transition = TRANSITIONS[action]
    if actor is not None:
        require_scope(actor, transition.scope)
    # Lock the row, then read its current state: two requests cannot both approve.
    SupplierAssessment.objects.select_for_update().filter(pk=assessment.pk).exists()
    assessment.refresh_from_db()
    if assessment.status not in transition.sources:
        raise TransitionRefused(
            f"Cannot {transition.label} an assessment that is "
            f"{assessment.get_status_display().lower()}."
        )
    now = timezone.now()
    user = actor.user if actor is not None else None
    AssessmentTransition.objects.create(
        assessment=assessment,
        action=action,
        from_status=assessment.status,
        to_status=transition.target,
        by=user,
        by_label=by_label,
        at=now,
        note=note,
    )
    assessment.status = transition.target
    return assessment, now, user


@transaction.atomic
def assessment_create(
    *,
    actor: Actor,
    supplier: Supplier,
    question_set: QuestionSet | None = None,
    due_date: date | None = None,
) -> SupplierAssessment:
    require_change(actor, supplier)
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
    require_change(actor, assessment.supplier)
    if assessment.status != Status.DRAFT:
        raise Conflict("Only a draft assessment can be deleted; the others are records.")
    assessment.delete()


@transaction.atomic
def assessment_send(*, actor: Actor, assessment: SupplierAssessment) -> SupplierAssessment:
    require_change(actor, assessment.supplier)
    assessment, now, _ = _transition(assessment, "send", actor=actor, by_label=actor.label)
    assessment.sent_at = now
    assessment.save(update_fields=["status", "sent_at"])
    return assessment


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


@transaction.atomic
def _submitted(assessment: SupplierAssessment, *, actor, by_label: str) -> SupplierAssessment:
    _require_complete(assessment)
    assessment, now, user = _transition(assessment, "submit", actor=actor, by_label=by_label)
    assessment.submitted_at = now
    assessment.submitted_by = user
    assessment.submitted_by_label = by_label
    assessment.save(update_fields=["status", "submitted_at", "submitted_by", "submitted_by_label"])
    assessment_rescore(assessment=assessment)
    return assessment


def assessment_submit(*, actor: Actor, assessment: SupplierAssessment) -> SupplierAssessment:
    """An officer submits answers they filled in themselves."""
    require_change(actor, assessment.supplier)
    return _submitted(assessment, actor=actor, by_label=actor.label)


def assessment_submit_from_portal(
    *, assessment: SupplierAssessment, by_label: str
) -> SupplierAssessment:
    """The supplier submits through its link (the portal service has checked the link)."""
    return _submitted(assessment, actor=None, by_label=by_label)


@transaction.atomic
def assessment_start_review(*, actor: Actor, assessment: SupplierAssessment) -> SupplierAssessment:
    assessment, now, user = _transition(
        assessment, "start_review", actor=actor, by_label=actor.label
    )
    assessment.review_started_at = now
    assessment.reviewer = user
    assessment.save(update_fields=["status", "review_started_at", "reviewer"])
    return assessment


@transaction.atomic
def assessment_return(
    *, actor: Actor, assessment: SupplierAssessment, note: str
) -> SupplierAssessment:
    if not note.strip():
        raise ValidationError({"note": "Tell the supplier what to correct."})
    assessment, _, _ = _transition(
        assessment, "return_to_supplier", actor=actor, by_label=actor.label, note=note
    )
    assessment.save(update_fields=["status"])
    return assessment


def _check_segregation(actor: Actor, assessment: SupplierAssessment) -> None:
    if assessment.submitted_by_id is not None and assessment.submitted_by_id == actor.user_id:
        raise NotPermitted("You filled in these answers; someone else must decide on them.")


@transaction.atomic
def assessment_approve(
    *, actor: Actor, assessment: SupplierAssessment, note: str = ""
) -> SupplierAssessment:
    """Approve; the supplier's rating and next reassessment date follow from it."""
    require_scope(actor, "suppliers:approve")
    assessment, now, user = _transition(
        assessment, "approve", actor=actor, by_label=actor.label, note=note
    )
    _check_segregation(actor, assessment)
    scoring = _store_scoring(assessment)
    assessment.decided_at = now
    assessment.decided_by = user
    assessment.decision_note = note
    assessment.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
    supplier = Supplier.objects.select_for_update().get(pk=assessment.supplier_id)
    decided_on = timezone.localdate(now)
    supplier.rating = scoring.rating
    supplier.last_assessed_on = decided_on
    supplier.next_reassessment_date = reassessment_date(supplier.criticality, decided_on)
    supplier.save(update_fields=["rating", "last_assessed_on", "next_reassessment_date", "updated"])
    assessment.supplier = supplier
    return assessment


@transaction.atomic
def assessment_reject(
    *, actor: Actor, assessment: SupplierAssessment, note: str
) -> SupplierAssessment:
    require_scope(actor, "suppliers:approve")
    if not note.strip():
        raise ValidationError({"note": "Say why the assessment is rejected."})
    assessment, now, user = _transition(
        assessment, "reject", actor=actor, by_label=actor.label, note=note
    )
    _check_segregation(actor, assessment)
    assessment.decided_at = now
    assessment.decided_by = user
    assessment.decision_note = note
    assessment.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
    return assessment


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


def _require_editable(assessment: SupplierAssessment) -> None:
    assessment.refresh_from_db(fields=["status"])
    if assessment.status not in EDITABLE_STATES:
        raise Conflict(
            f"Answers are fixed once the assessment is {assessment.get_status_display().lower()}."
        )


@transaction.atomic
def answer_set(*, actor: Actor, answer: SupplierAnswer, **values) -> SupplierAnswer:
    """An officer fills in an answer (draft or sent assessments only)."""
    require_change(actor, answer.assessment.supplier)
    _require_editable(answer.assessment)
    _write_answer(answer, values, actor.label)
    assessment_rescore(assessment=answer.assessment)
    return answer


@transaction.atomic
def answers_set_from_portal(
    *, assessment: SupplierAssessment, values_by_answer: dict[int, dict], by_label: str
) -> None:
    """Answers from the supplier's link: only this assessment's answers are touched."""
    _require_editable(assessment)
    answers = {a.pk: a for a in assessment.answers.select_related("question")}
    for answer_id, values in values_by_answer.items():
        answer = answers.get(answer_id)
        if answer is not None:
            _write_answer(answer, values, by_label)
    assessment_rescore(assessment=assessment)


@transaction.atomic
def answer_comment_add(*, actor: Actor, answer: SupplierAnswer, text: str) -> AnswerComment:
    require_scope(actor, "suppliers:write")
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
    _require_editable(assessment)
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
    require_change(actor, assessment.supplier)
    assessment.due_date = due_date
    assessment.save(update_fields=["due_date"])
    return assessment
