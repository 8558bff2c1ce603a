"""Versioned question-set templates. A published version never changes; edit a new version."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from isms.access import Actor
from isms.errors import Conflict
from suppliers.models import Question, QuestionSet
from suppliers.question_sets import STARTER_DESCRIPTION, STARTER_NAME, STARTER_QUESTIONS
from suppliers.services.common import require_scope


def starter_question_set_install(*, organization_id: int) -> QuestionSet:
    """The starter set, version 1, published; created once per organisation (idempotent)."""
    existing = QuestionSet.objects.filter(name=STARTER_NAME).order_by("version").first()
    if existing is not None:
        return existing
    with transaction.atomic():
        qs = QuestionSet.objects.create(
            organization_id=organization_id,
            name=STARTER_NAME,
            version=1,
            description=STARTER_DESCRIPTION,
            status=QuestionSet.Status.PUBLISHED,
            published_at=timezone.now(),
        )
        Question.objects.bulk_create(
            [
                Question(
                    organization_id=organization_id,
                    question_set=qs,
                    order=(index + 1) * 10,
                    group=q["group"],
                    answer_type=q["answer_type"],
                    text=q["text"],
                    weight=q["weight"],
                    good_answer=q.get("good", ""),
                    knockout=q.get("knockout", False),
                    bad_answer_meaning=q["bad"],
                    max_age_days=q.get("extra", {}).get("max_age_days"),
                )
                for index, q in enumerate(STARTER_QUESTIONS)
            ]
        )
    return qs


def default_question_set(*, organization_id: int) -> QuestionSet:
    """The newest published version of the starter set (installing it if needed)."""
    starter = starter_question_set_install(organization_id=organization_id)
    return (
        QuestionSet.objects.filter(name=starter.name, status=QuestionSet.Status.PUBLISHED)
        .order_by("-version")
        .first()
        or starter
    )


def question_set_create(*, actor: Actor, name: str, description: str = "") -> QuestionSet:
    require_scope(actor, "suppliers:write")
    if QuestionSet.objects.filter(name__iexact=name.strip()).exists():
        raise ValidationError(
            {"name": "A question set with this name exists; make a new version of it instead."}
        )
    return QuestionSet.objects.create(name=name.strip(), description=description, version=1)


def question_set_new_version(*, actor: Actor, source: QuestionSet) -> QuestionSet:
    """A draft copy of `source` (questions included) numbered after the newest version."""
    require_scope(actor, "suppliers:write")
    with transaction.atomic():
        if QuestionSet.objects.filter(name=source.name, status="draft").exists():
            raise Conflict("A draft version of this question set already exists; edit that one.")
        newest = QuestionSet.objects.filter(name=source.name).aggregate(v=Max("version"))["v"]
        copy = QuestionSet.objects.create(
            name=source.name, description=source.description, version=newest + 1
        )
        questions = list(source.questions.all())
        for question in questions:
            question.pk = None
            question.id = None
            question.question_set = copy
        Question.objects.bulk_create(questions)
    return copy


def question_set_publish(*, actor: Actor, question_set: QuestionSet) -> QuestionSet:
    require_scope(actor, "suppliers:approve")
    if question_set.status != QuestionSet.Status.DRAFT:
        raise Conflict(f"Only a draft can be published; this one is {question_set.status}.")
    if not question_set.questions.exists():
        raise ValidationError({"questions": "A question set needs at least one question."})
    with transaction.atomic():
        QuestionSet.objects.filter(
            name=question_set.name, status=QuestionSet.Status.PUBLISHED
        ).update(status=QuestionSet.Status.RETIRED)
        question_set.status = QuestionSet.Status.PUBLISHED
        question_set.published_at = timezone.now()
        question_set.save(update_fields=["status", "published_at"])
    return question_set


def _require_draft(question_set: QuestionSet) -> None:
    if question_set.status != QuestionSet.Status.DRAFT:
        raise Conflict(
            f"{question_set} is {question_set.status} and cannot change; make a new version."
        )


def _check_question(question: Question) -> None:
    if question.answer_type == Question.AnswerType.CHOICE and question.good_answer not in {
        "yes",
        "no",
    }:
        raise ValidationError({"good_answer": "Choice questions need the good answer (yes or no)."})
    if question.answer_type != Question.AnswerType.CHOICE:
        question.good_answer = ""
    question.full_clean(exclude=["organization", "question_set"], validate_constraints=False)


QUESTION_FIELDS = (
    "group",
    "order",
    "text",
    "guidance",
    "answer_type",
    "weight",
    "good_answer",
    "max_age_days",
    "knockout",
    "bad_answer_meaning",
)


def question_create(*, actor: Actor, question_set: QuestionSet, **fields) -> Question:
    require_scope(actor, "suppliers:write")
    _require_draft(question_set)
    question = Question(
        question_set=question_set, **{k: v for k, v in fields.items() if k in QUESTION_FIELDS}
    )
    _check_question(question)
    question.save()
    return question


def question_update(*, actor: Actor, question: Question, **fields) -> Question:
    require_scope(actor, "suppliers:write")
    _require_draft(question.question_set)
    for key, value in fields.items():
        if key in QUESTION_FIELDS:
            setattr(question, key, value)
    _check_question(question)
    question.save()
    return question


def question_delete(*, actor: Actor, question: Question) -> None:
    require_scope(actor, "suppliers:write")
    _require_draft(question.question_set)
    question.delete()
