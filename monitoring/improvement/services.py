"""Clause 10 services: raise a nonconformity (from its source in one click), plan, work,
verify and close; the continual-improvement log."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from isms import policy
from isms.access import Actor
from isms.errors import Conflict
from isms.members import validate_member
from isms.tenancy import current_organization_id
from isms.workflow import Transition, Workflow, transition
from isms.writes import model_update, unique_or_conflict
from monitoring.improvement.models import (
    ActionStatus,
    CorrectiveAction,
    ImprovementEntry,
    NCSource,
    NCStatus,
    Nonconformity,
)

NONCONFORMITY = Workflow(
    Nonconformity,
    label="nonconformity",
    transitions=[
        Transition(
            "close", {NCStatus.OPEN}, NCStatus.CLOSED, "closed", stamp=("closed_by", "closed_at")
        ),
    ],
)

CORRECTIVE_ACTION = Workflow(
    CorrectiveAction,
    label="corrective action",
    transitions=[
        Transition("start", {ActionStatus.PLANNED}, ActionStatus.IN_PROGRESS, "started"),
        Transition(
            "complete", {ActionStatus.PLANNED, ActionStatus.IN_PROGRESS}, ActionStatus.DONE, "done"
        ),
        Transition(
            "verify",
            {ActionStatus.DONE},
            ActionStatus.VERIFIED,
            "verified",
            stamp=("verified_by", "verified_at"),
        ),
        # Not effective: back to work, with the reason kept.
        Transition("reject", {ActionStatus.DONE}, ActionStatus.IN_PROGRESS, "sent back"),
    ],
)

NC_FIELDS = (
    "title",
    "description",
    "correction",
    "root_cause",
    "could_occur_elsewhere",
    "management_system_change",
    "source_reference",
)


def _required(values: dict, *fields: str) -> None:
    errors = {f: "This field is required." for f in fields if not str(values.get(f) or "").strip()}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def nonconformity_raise(
    *,
    actor: Actor,
    title: str,
    description: str,
    owner,
    source: str = NCSource.OTHER,
    source_incident=None,
    **fields,
) -> Nonconformity:
    probe = Nonconformity(organization_id=current_organization_id())
    policy.require(actor, "raise", probe)
    _required({"title": title, "description": description}, "title", "description")
    if source not in NCSource.values:
        raise ValidationError({"source": f"Choose one of: {', '.join(NCSource.values)}."})
    unknown = set(fields) - set(NC_FIELDS)
    if unknown:
        raise ValueError(f"nonconformity_raise got fields it may not set: {sorted(unknown)}")
    user = validate_member(owner, "owner")
    nc = Nonconformity.objects.create(
        title=title.strip(),
        description=description.strip(),
        owner=user,
        source=source,
        source_incident=source_incident,
        raised_by=actor.user,
        **fields,
    )
    policy.policy_for(Nonconformity).grant_owner(nc, user)
    return nc


def nonconformity_from_incident(*, actor: Actor, incident, owner=None) -> Nonconformity:
    """One click from an incident: what happened, its containment and source are copied."""
    existing = incident.nonconformities.first()
    if existing is not None:
        raise Conflict(
            f"This incident already raised the nonconformity “{existing.title}”.",
            code="duplicate",
        )
    return nonconformity_raise(
        actor=actor,
        title=f"Nonconformity from incident: {incident.title}"[:200],
        description=incident.description,
        correction=incident.containment,
        owner=owner or incident.owner_id or actor.user_id,
        source=NCSource.INCIDENT,
        source_incident=incident,
        source_reference=f"Incident #{incident.pk}",
    )


@transaction.atomic
def nonconformity_update(*, actor: Actor, nonconformity: Nonconformity, **fields) -> Nonconformity:
    policy.require(actor, "change", nonconformity)
    if nonconformity.status == NCStatus.CLOSED:
        raise Conflict("A closed nonconformity is a record: it no longer changes.")
    owner_changed = (
        "owner" in fields
        and getattr(fields["owner"], "pk", fields["owner"]) != nonconformity.owner_id
    )
    previous = nonconformity.owner
    if "owner" in fields:
        fields["owner"] = validate_member(fields["owner"], "owner")
    model_update(nonconformity, data=fields, fields=(*NC_FIELDS, "owner"))
    if owner_changed:
        policy.policy_for(Nonconformity).grant_owner(
            nonconformity, nonconformity.owner, previous=previous
        )
    return nonconformity


@transaction.atomic
def nonconformity_close(*, actor: Actor, nonconformity: Nonconformity) -> Nonconformity:
    """Closes only with a root cause and every corrective action verified effective (10.2)."""
    fresh = Nonconformity.objects.get(pk=nonconformity.pk)
    if not fresh.root_cause.strip():
        raise ValidationError({"root_cause": "Record the root cause before closing (10.2 b)."})
    actions = list(fresh.actions.all())
    if not actions:
        raise Conflict("Plan at least one corrective action before closing (10.2 c).")
    pending = [a for a in actions if a.status != ActionStatus.VERIFIED]
    if pending:
        raise Conflict(
            f"{len(pending)} corrective action(s) are not yet verified effective (10.2 d).",
            code="gate_closed",
        )
    return transition(NONCONFORMITY, fresh, "close", actor=actor, lock_also=actions)


@transaction.atomic
def action_plan(
    *, actor: Actor, nonconformity: Nonconformity, description: str, owner, due_date: date
) -> CorrectiveAction:
    probe = CorrectiveAction(
        nonconformity=nonconformity, organization_id=nonconformity.organization_id
    )
    policy.require(actor, "plan", probe)
    if nonconformity.status == NCStatus.CLOSED:
        raise Conflict("The nonconformity is closed.")
    _required({"description": description}, "description")
    if due_date is None:
        raise ValidationError({"due_date": "Give a due date."})
    user = validate_member(owner, "owner")
    action = CorrectiveAction.objects.create(
        nonconformity=nonconformity, description=description.strip(), owner=user, due_date=due_date
    )
    policy.policy_for(CorrectiveAction).grant_owner(action, user)
    return action


@transaction.atomic
def action_update(*, actor: Actor, action: CorrectiveAction, **fields) -> CorrectiveAction:
    policy.require(actor, "plan", action)
    if action.status == ActionStatus.VERIFIED:
        raise Conflict("A verified action is a record: it no longer changes.")
    previous = action.owner
    if "owner" in fields:
        fields["owner"] = validate_member(fields["owner"], "owner")
    changed = model_update(action, data=fields, fields=("description", "owner", "due_date"))
    if "owner" in changed:
        policy.policy_for(CorrectiveAction).grant_owner(action, action.owner, previous=previous)
    return action


def action_start(*, actor: Actor, action: CorrectiveAction) -> CorrectiveAction:
    return transition(CORRECTIVE_ACTION, action, "start", actor=actor)


def action_complete(*, actor: Actor, action: CorrectiveAction, note: str = "") -> CorrectiveAction:
    from django.utils import timezone

    def apply(obj):
        obj.completed_at = timezone.now()
        obj.completion_note = note
        return ["completed_at", "completion_note"]

    return transition(CORRECTIVE_ACTION, action, "complete", actor=actor, reason=note, apply=apply)


def action_verify(*, actor: Actor, action: CorrectiveAction, note: str) -> CorrectiveAction:
    """Effective: verified by someone other than the owner (policy; and a CHECK in the DB)."""
    if not (note or "").strip():
        raise ValidationError({"note": "Say how effectiveness was verified."})

    def apply(obj):
        obj.verification_note = note.strip()
        return ["verification_note"]

    return transition(CORRECTIVE_ACTION, action, "verify", actor=actor, reason=note, apply=apply)


def action_reject(*, actor: Actor, action: CorrectiveAction, note: str) -> CorrectiveAction:
    """Not effective: back to the owner, with why."""
    if not (note or "").strip():
        raise ValidationError({"note": "Say why the action was not effective."})

    def apply(obj):
        obj.verification_note = note.strip()
        return ["verification_note"]

    return transition(CORRECTIVE_ACTION, action, "reject", actor=actor, reason=note, apply=apply)


# --- continual improvement (10.1) ------------------------------------------------------------


IMPROVEMENT_FIELDS = ("title", "description", "source", "owner", "status", "outcome")


@transaction.atomic
def improvement_log(*, actor: Actor, title: str, **fields) -> ImprovementEntry:
    probe = ImprovementEntry(organization_id=current_organization_id(), created_by=actor.user)
    if not actor.has_scope("monitoring:write"):
        policy.require(actor, "change", probe)
    _required({"title": title}, "title")
    if fields.get("owner") is not None:
        fields["owner"] = validate_member(fields["owner"], "owner")
    nc = fields.pop("nonconformity", None)
    with unique_or_conflict({}):
        return ImprovementEntry.objects.create(
            title=title.strip(), created_by=actor.user, nonconformity=nc, **fields
        )


@transaction.atomic
def improvement_update(*, actor: Actor, entry: ImprovementEntry, **fields) -> ImprovementEntry:
    policy.require(actor, "change", entry)
    if fields.get("owner") is not None:
        fields["owner"] = validate_member(fields["owner"], "owner")
    model_update(entry, data=fields, fields=IMPROVEMENT_FIELDS)
    return entry
