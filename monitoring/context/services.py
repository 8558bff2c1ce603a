"""Context, scope and objectives services: the only place these records are written."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from isms import policy
from isms.access import Actor
from isms.errors import Conflict
from isms.members import validate_member
from isms.tenancy import current_organization_id
from isms.workflow import Transition, Workflow, transition
from isms.writes import model_update, unique_or_conflict
from monitoring.context import selectors
from monitoring.context.models import (
    ContextIssue,
    InterestedParty,
    Objective,
    ObjectiveMeasurement,
    ScopeStatement,
    ScopeStatus,
)

ISSUE_FIELDS = ("kind", "topic", "title", "description", "response")
PARTY_FIELDS = ("name", "requirements", "addressed", "how_addressed")
SCOPE_FIELDS = ("statement", "boundaries", "interfaces", "exclusions")
OBJECTIVE_FIELDS = (
    "title",
    "measure",
    "direction",
    "target",
    "unit",
    "owner",
    "due_date",
    "clauses",
    "measure_every_days",
)


PARTY_UNIQUE = {
    "interestedparty_unique_name": ("name", "An interested party with this name is recorded.")
}
SCOPE_UNIQUE = {
    "scopestatement_unique_number": (None, "Another version was started at the same time."),
    "scopestatement_one_open_version": (None, "Another version was started at the same time."),
}


def _new(model):
    return model(organization_id=current_organization_id())


def _required(data: dict, *names: str) -> None:
    missing = {n: "This field is required." for n in names if not str(data.get(n) or "").strip()}
    if missing:
        raise ValidationError(missing)


# --- issues and interested parties (4.1, 4.2) ------------------------------------------------


@transaction.atomic
def issue_create(*, actor: Actor, **fields) -> ContextIssue:
    policy.require(actor, "create", _new(ContextIssue))
    _required(fields, "kind", "title")
    issue = ContextIssue(**{k: v for k, v in fields.items() if k in ISSUE_FIELDS})
    issue.full_clean(exclude=["organization"])
    issue.save()
    return issue


@transaction.atomic
def issue_update(*, actor: Actor, issue: ContextIssue, **fields) -> ContextIssue:
    policy.require(actor, "change", issue)
    model_update(issue, data=fields, fields=ISSUE_FIELDS)
    return issue


@transaction.atomic
def party_create(*, actor: Actor, **fields) -> InterestedParty:
    policy.require(actor, "create", _new(InterestedParty))
    _required(fields, "name", "requirements")
    party = InterestedParty(**{k: v for k, v in fields.items() if k in PARTY_FIELDS})
    party.full_clean(exclude=["organization"], validate_constraints=False)
    with unique_or_conflict(PARTY_UNIQUE):
        party.save()
    return party


@transaction.atomic
def party_update(*, actor: Actor, party: InterestedParty, **fields) -> InterestedParty:
    policy.require(actor, "change", party)
    with unique_or_conflict(PARTY_UNIQUE):
        model_update(party, data=fields, fields=PARTY_FIELDS)
    return party


# --- the scope statement (4.3), versioned and approved ------------------------------------

SCOPE = Workflow(
    ScopeStatement,
    label="scope statement",
    transitions=[
        Transition("submit", {ScopeStatus.DRAFT}, ScopeStatus.SUBMITTED, "submitted"),
        Transition("return", {ScopeStatus.SUBMITTED}, ScopeStatus.DRAFT, "returned"),
        Transition(
            "approve",
            {ScopeStatus.SUBMITTED},
            ScopeStatus.APPROVED,
            "approved",
            stamp=("approved_by", "approved_at"),
        ),
    ],
)


@transaction.atomic
def scope_draft(*, actor: Actor, **fields) -> ScopeStatement:
    """Start the next version, from the current approved one unless fields are given."""
    policy.require(actor, "create", _new(ScopeStatement))
    if ScopeStatement.objects.exclude(status=ScopeStatus.APPROVED).exists():
        raise Conflict(
            "A version of the scope is already being prepared: change that one.",
            code="invalid_transition",
        )
    current = selectors.current_scope()
    values = {f: getattr(current, f) if current else "" for f in SCOPE_FIELDS}
    values.update({k: v for k, v in fields.items() if k in SCOPE_FIELDS})
    last = ScopeStatement.objects.aggregate(n=Max("number"))["n"] or 0
    with unique_or_conflict(SCOPE_UNIQUE):
        return ScopeStatement.objects.create(number=last + 1, prepared_by=actor.user, **values)


@transaction.atomic
def scope_update(*, actor: Actor, scope: ScopeStatement, **fields) -> ScopeStatement:
    policy.require(actor, "change", scope)
    if scope.status != ScopeStatus.DRAFT:
        raise Conflict(
            f"{scope} is {scope.get_status_display().lower()}: only a draft changes.",
            code="immutable" if scope.status == ScopeStatus.APPROVED else "invalid_transition",
        )
    model_update(scope, data=fields, fields=SCOPE_FIELDS)
    return scope


def scope_submit(*, actor: Actor, scope: ScopeStatement) -> ScopeStatement:
    if not scope.statement.strip():
        raise ValidationError({"statement": "Write the scope statement before submitting it."})

    def apply(obj):
        obj.submitted_at = timezone.now()
        return ["submitted_at"]

    return transition(SCOPE, scope, "submit", actor=actor, apply=apply)


def scope_return(*, actor: Actor, scope: ScopeStatement, reason: str = "") -> ScopeStatement:
    return transition(SCOPE, scope, "return", actor=actor, reason=reason)


def scope_approve(*, actor: Actor, scope: ScopeStatement) -> ScopeStatement:
    """Top management approves; whoever prepared the version may not (segregation of
    duties). From here the row is immutable (a database trigger)."""
    return transition(SCOPE, scope, "approve", actor=actor)


# --- objectives (6.2) ----------------------------------------------------------------------


def _check_objective(data: dict) -> None:
    if data.get("measure_every_days") is not None and data["measure_every_days"] < 1:
        raise ValidationError({"measure_every_days": "Measure at least every day."})


@transaction.atomic
def objective_create(*, actor: Actor, owner, **fields) -> Objective:
    policy.require(actor, "create", _new(Objective))
    _required(fields, "title", "measure", "target", "due_date")
    _check_objective(fields)
    user = validate_member(owner, "owner", required=True)
    objective = Objective.objects.create(
        owner=user, **{k: v for k, v in fields.items() if k in OBJECTIVE_FIELDS}
    )
    policy.policy_for(Objective).grant_owner(objective, user)
    return objective


@transaction.atomic
def objective_update(*, actor: Actor, objective: Objective, **fields) -> Objective:
    policy.require(actor, "change", objective)
    _check_objective(fields)
    previous = objective.owner
    if "owner" in fields:
        if not policy.can(actor, "manage", objective):
            raise ValidationError({"owner": "Only a compliance officer changes the owner."})
        fields["owner"] = validate_member(fields["owner"], "owner", required=True)
    model_update(objective, data=fields, fields=OBJECTIVE_FIELDS)
    if objective.owner_id != previous.pk:
        policy.policy_for(Objective).grant_owner(objective, objective.owner, previous=previous)
    return objective


@transaction.atomic
def measurement_record(
    *, actor: Actor, objective: Objective, measured_on: date, value: Decimal, note: str = ""
) -> ObjectiveMeasurement:
    policy.require(actor, "measure", objective)
    if measured_on is None:
        raise ValidationError({"measured_on": "Give the date of the measurement."})
    if measured_on > timezone.localdate():
        raise ValidationError({"measured_on": "A measurement cannot be in the future."})
    if value is None:
        raise ValidationError({"value": "Give the measured value."})
    return ObjectiveMeasurement.objects.create(
        objective=objective,
        measured_on=measured_on,
        value=value,
        note=(note or "").strip(),
        recorded_by=actor.user,
    )
