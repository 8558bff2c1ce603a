"""Competence services: the only place requirements, assignments and training records are
written."""

from __future__ import annotations

import calendar
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from isms import policy, uploads
from isms.access import Actor
from isms.members import validate_member
from isms.tenancy import current_organization_id
from isms.writes import model_update, unique_or_conflict
from monitoring.competence.models import (
    CompetenceRequirement,
    ResponsibilityAssignment,
    TrainingRecord,
)

REQUIREMENT_FIELDS = (
    "responsibility",
    "title",
    "description",
    "ai_literacy",
    "renew_every_months",
    "clauses",
)
ASSIGNMENT_FIELDS = ("member", "responsibility", "note")
RECORD_FIELDS = (
    "member",
    "requirement",
    "kind",
    "course",
    "completed_on",
    "expires_on",
    "evidence_link",
)

REQUIREMENT_UNIQUE = {
    "competencerequirement_unique_title": (
        "title",
        "This responsibility already requires a competence with this title.",
    )
}
ASSIGNMENT_UNIQUE = {
    "responsibilityassignment_unique": (
        "responsibility",
        "This member already holds this responsibility.",
    )
}


def _new(model):
    return model(organization_id=current_organization_id())


def _pick(fields: dict, allowed: tuple[str, ...]) -> dict:
    return {k: v for k, v in fields.items() if k in allowed}


# --- requirements -------------------------------------------------------------------------


@transaction.atomic
def requirement_create(*, actor: Actor, **fields) -> CompetenceRequirement:
    policy.require(actor, "create", _new(CompetenceRequirement))
    requirement = CompetenceRequirement(**_pick(fields, REQUIREMENT_FIELDS))
    requirement.full_clean(exclude=["organization"], validate_constraints=False)
    with unique_or_conflict(REQUIREMENT_UNIQUE):
        requirement.save()
    return requirement


@transaction.atomic
def requirement_update(
    *, actor: Actor, requirement: CompetenceRequirement, **fields
) -> CompetenceRequirement:
    policy.require(actor, "change", requirement)
    with unique_or_conflict(REQUIREMENT_UNIQUE):
        model_update(requirement, data=fields, fields=REQUIREMENT_FIELDS)
    return requirement


# --- responsibilities held --------------------------------------------------------------------


@transaction.atomic
def assignment_create(*, actor: Actor, **fields) -> ResponsibilityAssignment:
    policy.require(actor, "create", _new(ResponsibilityAssignment))
    data = _pick(fields, ASSIGNMENT_FIELDS)
    data["member"] = validate_member(data.get("member"), "member", scope=None)
    assignment = ResponsibilityAssignment(**data)
    assignment.full_clean(exclude=["organization"], validate_constraints=False)
    with unique_or_conflict(ASSIGNMENT_UNIQUE):
        assignment.save()
    return assignment


@transaction.atomic
def assignment_delete(*, actor: Actor, assignment: ResponsibilityAssignment) -> None:
    policy.require(actor, "delete", assignment)
    assignment.delete()


# --- training and awareness records ------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """`day` plus whole months, kept to the month's last day (31 Jan + 1 month: 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def default_expiry(requirement: CompetenceRequirement | None, completed_on: date) -> date | None:
    """The competence's renewal period after completion; none when it is not renewed."""
    if requirement is None or not requirement.renew_every_months or completed_on is None:
        return None
    return add_months(completed_on, requirement.renew_every_months)


def _check_dates(completed_on: date | None, expires_on: date | None) -> None:
    errors = {}
    if completed_on and completed_on > timezone.localdate():
        errors["completed_on"] = "A completion cannot be dated in the future."
    if expires_on and completed_on and expires_on <= completed_on:
        errors["expires_on"] = "The expiry must come after the completion date."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def record_create(*, actor: Actor, evidence_file=None, **fields) -> TrainingRecord:
    policy.require(actor, "create", _new(TrainingRecord))
    data = _pick(fields, RECORD_FIELDS)
    data["member"] = validate_member(data.get("member"), "member", scope=None)
    record = TrainingRecord(**data, recorded_by=actor.user)
    if record.expires_on is None:
        record.expires_on = default_expiry(record.requirement, record.completed_on)
    record.full_clean(exclude=["organization", "evidence_file"], validate_constraints=False)
    _check_dates(record.completed_on, record.expires_on)
    if evidence_file is not None:
        record.evidence_file = uploads.check_upload(
            evidence_file, allowed=uploads.EVIDENCE, field="evidence_file"
        ).as_file()
    record.save()
    return record


@transaction.atomic
def record_update(
    *, actor: Actor, record: TrainingRecord, evidence_file=None, **fields
) -> TrainingRecord:
    policy.require(actor, "change", record)
    if "member" in fields:
        fields["member"] = validate_member(fields["member"], "member", scope=None)
    if evidence_file is not None:
        record.evidence_file = uploads.check_upload(
            evidence_file, allowed=uploads.EVIDENCE, field="evidence_file"
        ).as_file()
    _check_dates(
        fields.get("completed_on", record.completed_on), fields.get("expires_on", record.expires_on)
    )
    model_update(record, data=fields, fields=RECORD_FIELDS)
    if evidence_file is not None:
        record.save(update_fields=["evidence_file"])
    return record
