"""Versioned question-set templates. A published version never changes; edit a new version."""

from __future__ import annotations

import copy

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from isms import policy
from isms.access import Actor
from isms.errors import Conflict, Duplicate, ErrorCode
from isms.workflow import Transition, Workflow, lock, transition
from isms.writes import model_update, unique_or_conflict
from suppliers.models import Question, QuestionSet
from suppliers.question_sets import STARTER_DESCRIPTION, STARTER_NAME, STARTER_QUESTIONS


def starter_question_set_install(*, organization_id: int) -> QuestionSet:
    """The starter set, version 1, published; created once per organisation (idempotent).

    Called when an organisation is created (isms.signals.organization_created) and, for
    organisations older than that, before the first assessment. Two concurrent calls insert
    at most one set: the unique index (organisation, name, version) makes the second wait for
    the first and then read the row the first committed.
    """
    existing = QuestionSet.objects.filter(name=STARTER_NAME).order_by("version").first()
    if existing is not None:
        return existing
    try:
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
    except IntegrityError:
        # Installed at the same moment by another request: theirs is the one.
        existing = QuestionSet.objects.filter(name=STARTER_NAME).order_by("version").first()
        if existing is None:
            raise
        return existing
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
    policy.require(actor, "change", QuestionSet(name=name))
    if QuestionSet.objects.filter(name__iexact=name.strip()).exists():
        raise Duplicate(
            "A question set with this name exists; make a new version of it instead.",
            field="name",
        )
    with unique_or_conflict(_UNIQUE):
        return QuestionSet.objects.create(name=name.strip(), description=description, version=1)


_UNIQUE = {
    "question_set_unique_version": (
        "name",
        "A version with this number was created at the same moment; reload and try again.",
    ),
    "question_set_one_draft": (
        "name",
        "A draft version of this question set already exists; edit that one.",
    ),
}


def question_set_new_version(*, actor: Actor, source: QuestionSet) -> QuestionSet:
    """A draft copy of `source` (questions included) numbered after the newest version.

    Under concurrent requests one draft is made: the source row is locked, and a draft made
    meanwhile from another version of the same set is caught by the one-draft unique index.
    """
    policy.require(actor, "new_version", source)
    with transaction.atomic():
        (source,) = lock(source)
        if QuestionSet.objects.filter(name=source.name, status=QuestionSet.Status.DRAFT).exists():
            raise Conflict(
                "A draft version of this question set already exists; edit that one.",
                code=ErrorCode.DUPLICATE,
            )
        newest = QuestionSet.objects.filter(name=source.name).aggregate(v=Max("version"))["v"]
        with unique_or_conflict(_UNIQUE):
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


def _retire_published(question_set: QuestionSet) -> list[str]:
    """Publishing retires the version published before (one published version at a time)."""
    if not question_set.questions.exists():
        raise ValidationError({"questions": "A question set needs at least one question."})
    QuestionSet.objects.filter(name=question_set.name, status=QuestionSet.Status.PUBLISHED).exclude(
        pk=question_set.pk
    ).update(status=QuestionSet.Status.RETIRED)
    question_set.published_at = timezone.now()
    return ["published_at"]


QUESTION_SET_WORKFLOW = Workflow(
    QuestionSet,
    label="suppliers: question set versions",
    transitions=[
        Transition(
            "publish",
            {QuestionSet.Status.DRAFT},
            QuestionSet.Status.PUBLISHED,
            "published",
        ),
    ],
)


def question_set_publish(*, actor: Actor, question_set: QuestionSet) -> QuestionSet:
    """Publish a draft (once, also under concurrent requests: the row is locked and its
    state re-read; a second publish is refused with 409 invalid_transition)."""
    fresh = transition(
        QUESTION_SET_WORKFLOW, question_set, "publish", actor=actor, apply=_retire_published
    )
    for field in fresh._meta.concrete_fields:
        setattr(question_set, field.attname, getattr(fresh, field.attname))
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


@transaction.atomic
def question_create(*, actor: Actor, question_set: QuestionSet, **fields) -> Question:
    policy.require(actor, "change", question_set)
    (question_set,) = lock(question_set)  # a publish waits, then sees this question
    _require_draft(question_set)
    question = Question(
        question_set=question_set, **{k: v for k, v in fields.items() if k in QUESTION_FIELDS}
    )
    _check_question(question)
    question.save()
    return question


@transaction.atomic
def question_update(*, actor: Actor, question: Question, **fields) -> Question:
    policy.require(actor, "change", question)
    (question_set,) = lock(question.question_set)  # a publish waits, then sees this edit
    _require_draft(question_set)
    candidate = copy.copy(question)
    for key, value in fields.items():
        if key in QUESTION_FIELDS:
            setattr(candidate, key, value)
    _check_question(candidate)
    model_update(
        question,
        data={k: getattr(candidate, k) for k in QUESTION_FIELDS},
        fields=QUESTION_FIELDS,
        clean=False,
    )
    return question


@transaction.atomic
def question_delete(*, actor: Actor, question: Question) -> None:
    policy.require(actor, "delete", question)
    (question_set,) = lock(question.question_set)
    _require_draft(question_set)
    question.delete()
