"""Management review services: prepare, assemble inputs, record outputs, submit, approve."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from isms import policy
from isms.access import Actor
from isms.errors import Conflict
from isms.members import validate_member
from isms.tenancy import current_organization_id
from isms.workflow import Transition, Workflow, transition
from isms.writes import model_update
from monitoring.management import selectors
from monitoring.management.models import (
    ActionState,
    ManagementReview,
    OutputKind,
    ReviewOutput,
    ReviewStatus,
)

REVIEW = Workflow(
    ManagementReview,
    label="management review",
    transitions=[
        Transition("submit", {ReviewStatus.DRAFT}, ReviewStatus.SUBMITTED, "submitted"),
        Transition("return", {ReviewStatus.SUBMITTED}, ReviewStatus.DRAFT, "returned"),
        Transition(
            "approve",
            {ReviewStatus.SUBMITTED},
            ReviewStatus.APPROVED,
            "approved",
            stamp=("approved_by", "approved_at"),
        ),
    ],
)

EDITABLE = (
    "title",
    "period_start",
    "period_end",
    "meeting_date",
    "attendees",
    "changes_in_issues",
    "interested_parties",
    "feedback",
    "minutes",
)


def _require_draft(review: ManagementReview) -> None:
    if review.status != ReviewStatus.DRAFT:
        raise Conflict(
            f"This review is {review.get_status_display().lower()}: only a draft changes.",
            code="immutable" if review.status == ReviewStatus.APPROVED else "invalid_transition",
        )


@transaction.atomic
def review_create(
    *, actor: Actor, title: str, period_start: date, period_end: date, **fields
) -> ManagementReview:
    policy.require(actor, "change", ManagementReview(organization_id=current_organization_id()))
    if not (title or "").strip():
        raise ValidationError({"title": "Name the review."})
    if period_end < period_start:
        raise ValidationError({"period_end": "The period ends after it starts."})
    review = ManagementReview.objects.create(
        title=title.strip(),
        period_start=period_start,
        period_end=period_end,
        prepared_by=actor.user,
        **fields,
    )
    return review_assemble_inputs(actor=actor, review=review)


@transaction.atomic
def review_assemble_inputs(*, actor: Actor, review: ManagementReview) -> ManagementReview:
    """Snapshot the inputs from the registers now (the officer types none of them)."""
    policy.require(actor, "change", review)
    _require_draft(review)
    review.inputs = selectors.inputs(
        review_id=review.pk, start=review.period_start, end=review.period_end
    )
    review.inputs_assembled_at = timezone.now()
    review.save(update_fields=["inputs", "inputs_assembled_at", "updated"])
    return review


@transaction.atomic
def review_update(*, actor: Actor, review: ManagementReview, **fields) -> ManagementReview:
    policy.require(actor, "change", review)
    _require_draft(review)
    model_update(review, data=fields, fields=EDITABLE)
    return review


@transaction.atomic
def output_add(
    *,
    actor: Actor,
    review: ManagementReview,
    kind: str,
    description: str,
    owner=None,
    due_date: date | None = None,
) -> ReviewOutput:
    policy.require(actor, "change", review)
    _require_draft(review)
    if kind not in OutputKind.values:
        raise ValidationError({"kind": "A decision or an action."})
    if not (description or "").strip():
        raise ValidationError({"description": "Describe the decision or action."})
    user = validate_member(owner, "owner", required=kind == OutputKind.ACTION)
    if kind == OutputKind.ACTION and due_date is None:
        raise ValidationError({"due_date": "An action needs a due date."})
    output = ReviewOutput.objects.create(
        review=review, kind=kind, description=description.strip(), owner=user, due_date=due_date
    )
    policy.policy_for(ReviewOutput).grant_owner(output, user)
    return output


@transaction.atomic
def output_set_state(*, actor: Actor, output: ReviewOutput, state: str) -> ReviewOutput:
    policy.require(actor, "change", output)
    if state not in ActionState.values:
        raise ValidationError({"state": f"Choose one of: {', '.join(ActionState.values)}."})
    model_update(output, data={"state": state}, fields=["state"])
    return output


def review_submit(*, actor: Actor, review: ManagementReview) -> ManagementReview:
    if not review.minutes.strip():
        raise ValidationError({"minutes": "Write the minutes before submitting them."})
    if not review.inputs_assembled_at:
        raise ValidationError({"inputs": "Assemble the inputs first."})

    def apply(obj):
        obj.submitted_at = timezone.now()
        return ["submitted_at"]

    return transition(REVIEW, review, "submit", actor=actor, apply=apply)


def review_return(*, actor: Actor, review: ManagementReview, reason: str) -> ManagementReview:
    return transition(REVIEW, review, "return", actor=actor, reason=reason)


def review_approve(*, actor: Actor, review: ManagementReview) -> ManagementReview:
    """Top management approves the minutes; whoever prepared them may not (SoD). From here
    the row is immutable (a database trigger)."""
    return transition(REVIEW, review, "approve", actor=actor)
