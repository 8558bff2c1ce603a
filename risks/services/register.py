"""Writes to the risk register: criteria, risks, treatment actions, acceptances, gaps → risks.

State machines (allowed transitions in one table each; one function per transition):
- a risk's status: RISK_TRANSITIONS; `accepted` is reached only through an approved acceptance;
- a risk acceptance: the ACCEPTANCE workflow (isms.workflow: locked, re-checked, recorded);
  who decides is risks.access.RiskAcceptancePolicy: the risk's owner, whatever their role
  (ISO/IEC 27001:2022 6.1.3 f); above the appetite a top-management member (a membership
  designation) endorses the current score first (`acceptance_endorse`).

Treatment and acceptance are stored apart (6.1.3 f): the treatment option (`Risk.treatment`),
the owner's approval of the treatment plan (`Risk.plan_approved_*`, `treatment_plan_approve`)
and the acceptance of the residual risk (`RiskAcceptance`, with the score accepted). Accepting
never changes the treatment option; an expired acceptance leaves the risk in treatment if it
has a treatment option.

Implausible input is refused: a residual score above the inherent one, a review date in the
past. A treatment action due in the past is allowed (it records what happened) and reads
overdue wherever it is shown (`TreatmentAction.overdue`).

Who may change what is risks.access (isms.policy); contributor rights come from the owner's
guardian grant on the risk, which moves with the owner (`RiskPolicy.grant_owner`).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from isms import policy
from isms.access import Actor
from isms.errors import Conflict, TransitionRefused
from isms.models import Control
from isms.tenancy import current_organization_id
from isms.workflow import Transition, Workflow, lock, transition
from isms.writes import model_update
from risks.models import (
    Risk,
    RiskAcceptance,
    RiskAsset,
    RiskCategory,
    RiskControl,
    RiskCriteria,
    RiskStatus,
    RiskSupplier,
    TreatmentAction,
    TreatmentOption,
)

from . import method
from .common import member, require_person, require_scope, text
from .soa import soa_mark_risks_changed

WRITE = "risks:write"

# --- Criteria --------------------------------------------------------------------------------


def criteria_get() -> RiskCriteria:
    """This organisation's criteria. Never writes: the row is created with the organisation
    (risks.services.setup); were it missing, the defaults are answered (unsaved)."""
    criteria = RiskCriteria.objects.first()
    if criteria is None:
        criteria = RiskCriteria(organization_id=current_organization_id())
    return criteria


CRITERIA_FIELDS = (
    "likelihood_labels",
    "impact_labels",
    "medium_from",
    "high_from",
    "critical_from",
    "acceptance_threshold",
    "likelihood_definitions",
    "impact_definitions",
)


@transaction.atomic
def criteria_update(*, actor: Actor, **fields) -> RiskCriteria:
    """risks:manage; the appetite itself also needs risks:accept_above_appetite (risks.access).
    Only the changed fields are written; the audit trail records every change."""
    unknown = set(fields) - set(CRITERIA_FIELDS)
    if unknown:
        raise ValidationError({f: "This field cannot be set here." for f in sorted(unknown)})
    stored, _ = RiskCriteria.objects.get_or_create(organization_id=current_organization_id())
    (stored,) = lock(stored)
    policy.require(actor, "change", stored)
    if "acceptance_threshold" in fields and fields["acceptance_threshold"] != (
        stored.acceptance_threshold
    ):
        policy.require(actor, "set_appetite", stored)
    criteria = RiskCriteria.objects.get(pk=stored.pk)  # a copy to validate the new values on
    for name, value in fields.items():
        setattr(criteria, name, value)
    errors: dict[str, str] = {}
    for name in ("likelihood_labels", "impact_labels"):
        labels = [str(v).strip() for v in getattr(criteria, name) or []]
        if not 3 <= len(labels) <= 7 or not all(labels):
            errors[name] = "Give 3 to 7 non-empty labels, lowest first."
        setattr(criteria, name, labels)
    method.check_definitions(criteria, errors)
    if not errors:
        top = criteria.max_score
        if not 1 < criteria.medium_from < criteria.high_from < criteria.critical_from <= top:
            errors["critical_from"] = (
                f"Bands must rise: 1 < medium < high < critical ≤ {top} (the highest score)."
            )
        if not 1 <= criteria.acceptance_threshold < top:
            errors["acceptance_threshold"] = f"Choose a score between 1 and {top - 1}."
        used = Risk.objects.filter(inherent_likelihood__gt=criteria.likelihood_levels).exists() or (
            Risk.objects.filter(inherent_impact__gt=criteria.impact_levels).exists()
        )
        if used:
            errors["likelihood_labels"] = (
                "Risks are scored beyond the new scale: rescore them first."
            )
    if errors:
        raise ValidationError(errors)
    model_update(
        stored,
        data={name: getattr(criteria, name) for name in fields},
        fields=CRITERIA_FIELDS,
        clean=False,
    )
    return stored


# --- Risks -----------------------------------------------------------------------------------

RISK_FIELDS = (
    "title",
    "description",
    "category",
    "owner",
    "inherent_likelihood",
    "inherent_impact",
    "residual_likelihood",
    "residual_impact",
    "treatment",
    "next_review_date",
    "threatens",
    "harm_to",
)
LINK_FIELDS = ("assets", "suppliers", "controls")

# Status moves a person may make; `accepted` is reached only by an approved acceptance, and
# leaves it when the acceptance expires (or the risk is closed).
RISK_TRANSITIONS: dict[str, frozenset[str]] = {
    RiskStatus.OPEN: frozenset({RiskStatus.TREATING, RiskStatus.CLOSED}),
    RiskStatus.TREATING: frozenset({RiskStatus.OPEN, RiskStatus.CLOSED}),
    RiskStatus.ACCEPTED: frozenset({RiskStatus.CLOSED}),
    RiskStatus.CLOSED: frozenset({RiskStatus.OPEN}),
}


def _check_scores(risk: Risk, criteria: RiskCriteria, errors: dict[str, str]) -> None:
    for prefix in ("inherent", "residual"):
        likelihood = getattr(risk, f"{prefix}_likelihood")
        impact = getattr(risk, f"{prefix}_impact")
        if (likelihood is None) != (impact is None):
            missing = f"{prefix}_impact" if impact is None else f"{prefix}_likelihood"
            errors[missing] = f"Give both the {prefix} likelihood and impact, or neither."
            continue
        if likelihood is None:
            continue
        if not 1 <= likelihood <= criteria.likelihood_levels:
            errors[f"{prefix}_likelihood"] = (
                f"Likelihood is 1 to {criteria.likelihood_levels} on this organisation's scale."
            )
        if not 1 <= impact <= criteria.impact_levels:
            errors[f"{prefix}_impact"] = (
                f"Impact is 1 to {criteria.impact_levels} on this organisation's scale."
            )
    if risk.residual_likelihood is not None and risk.inherent_likelihood is None:
        errors["inherent_likelihood"] = "Assess the inherent risk before the residual risk."


def _check_plausible(risk: Risk, errors: dict[str, str], *, review_date_set: bool) -> None:
    """6.1.2 b): results must be comparable; refuse what cannot be true."""
    inherent = Risk.score(risk.inherent_likelihood, risk.inherent_impact)
    residual = Risk.score(risk.residual_likelihood, risk.residual_impact)
    if inherent is not None and residual is not None and residual > inherent:
        errors.setdefault(
            "residual_likelihood",
            f"The residual score ({residual}) is above the inherent score ({inherent}): "
            "treatment does not raise a risk. Reassess one or the other.",
        )
    if review_date_set and risk.next_review_date and risk.next_review_date < timezone.localdate():
        errors["next_review_date"] = "The next review date is in the past: choose a future date."


def _validate_risk(risk: Risk, *, review_date_set: bool = True) -> None:
    errors: dict[str, str] = {}
    if not (risk.title or "").strip():
        errors["title"] = "Give the risk a title."
    if risk.category not in RiskCategory.values:
        errors["category"] = f"{risk.category!r} is not one of: {', '.join(RiskCategory.values)}."
    if risk.treatment and risk.treatment not in TreatmentOption.values:
        errors["treatment"] = (
            f"{risk.treatment!r} is not one of: {', '.join(TreatmentOption.values)}."
        )
    _check_scores(risk, criteria_get(), errors)
    method.check_tags(risk, errors)
    if not errors:
        _check_plausible(risk, errors, review_date_set=review_date_set)
    if errors:
        raise ValidationError(errors)


def _ids(values, model, field: str) -> set[int]:
    ids = {int(getattr(v, "pk", v)) for v in values or []}
    found = set(model.objects.filter(pk__in=ids).values_list("pk", flat=True))
    missing = sorted(ids - found)
    if missing:
        name = model._meta.verbose_name
        raise ValidationError(
            {field: f"No {name} with id {', '.join(map(str, missing))} in this organisation."}
        )
    return ids


def _set_links(risk: Risk, links: dict[str, Any]) -> set[int]:
    """Replace the risk's asset/supplier/control links; returns the control ids touched."""
    from assets.models import Asset
    from suppliers.models import Supplier

    touched: set[int] = set()
    spec = {
        "assets": (Asset, RiskAsset, "asset_id"),
        "suppliers": (Supplier, RiskSupplier, "supplier_id"),
        "controls": (Control, RiskControl, "control_id"),
    }
    for field, values in links.items():
        target, link_model, column = spec[field]
        if field == "controls":
            ids = {int(getattr(v, "pk", v)) for v in values or []}
            found = set(Control.objects.filter(pk__in=ids).values_list("pk", flat=True))
            if ids - found:
                raise ValidationError(
                    {field: f"No control with id {', '.join(map(str, sorted(ids - found)))}."}
                )
        else:
            ids = _ids(values, target, field)
        existing = set(link_model.objects.filter(risk=risk).values_list(column, flat=True))
        if ids - existing:
            link_model.objects.bulk_create(
                [
                    link_model(risk=risk, organization_id=risk.organization_id, **{column: i})
                    for i in ids - existing
                ]
            )
        if existing - ids:
            link_model.objects.filter(risk=risk, **{f"{column}__in": existing - ids}).delete()
        if field == "controls":
            touched |= ids ^ existing
    return touched


@transaction.atomic
def risk_create(
    *,
    actor: Actor,
    title: str,
    category: str,
    owner,
    assets=(),
    suppliers=(),
    controls=(),
    **fields,
) -> Risk:
    require_scope(actor, WRITE)
    unknown = set(fields) - set(RISK_FIELDS)
    if unknown:
        raise ValidationError({f: "This field cannot be set here." for f in sorted(unknown)})
    owner = member(owner, "owner")
    risk = Risk(title=(title or "").strip(), category=category, owner=owner, created_by=actor.user)
    for name, value in fields.items():
        setattr(risk, name, value)
    _validate_risk(risk)
    if risk.treatment and risk.status == RiskStatus.OPEN and risk.treatment != "accept":
        risk.status = RiskStatus.TREATING
    risk.save()
    policy.policy_for(Risk).grant_owner(risk, owner)
    touched = _set_links(risk, {"assets": assets, "suppliers": suppliers, "controls": controls})
    soa_mark_risks_changed(touched)
    return risk


@transaction.atomic
def risk_update(*, actor: Actor, risk: Risk, **fields) -> Risk:
    """Writes only the fields that change (a concurrent edit of others survives)."""
    links = {f: fields.pop(f) for f in LINK_FIELDS if f in fields}
    unknown = set(fields) - set(RISK_FIELDS)
    if unknown:
        raise ValidationError({f: "This field cannot be set here." for f in sorted(unknown)})
    (risk,) = lock(risk)
    policy.require(actor, "change", risk)
    previous_owner = risk.owner
    if "owner" in fields and getattr(fields["owner"], "pk", fields["owner"]) != risk.owner_id:
        fields["owner"] = member(fields["owner"], "owner")
    elif "owner" in fields:
        fields.pop("owner")
    if "title" in fields:
        fields["title"] = (fields["title"] or "").strip()
    candidate = Risk.objects.get(pk=risk.pk)
    for name, value in fields.items():
        setattr(candidate, name, value)
    _validate_risk(
        candidate,
        review_date_set="next_review_date" in fields
        and fields["next_review_date"] != risk.next_review_date,
    )
    data = dict(fields)
    if "treatment" in fields and fields["treatment"] != risk.plan_approved_treatment:
        # A new treatment option is a new plan: the owner's approval of the old one lapses.
        data.update(plan_approved_by=None, plan_approved_at=None, plan_approved_treatment="")
    changed = model_update(
        risk,
        data=data,
        fields=(*RISK_FIELDS, "plan_approved_by", "plan_approved_at", "plan_approved_treatment"),
        clean=False,
    )
    if "owner" in changed:
        policy.policy_for(Risk).grant_owner(risk, risk.owner, previous=previous_owner)
    touched = _set_links(risk, links)
    touched |= set(RiskControl.objects.filter(risk=risk).values_list("control_id", flat=True))
    soa_mark_risks_changed(touched)
    return risk


@transaction.atomic
def risk_set_status(*, actor: Actor, risk: Risk, status: str) -> Risk:
    (risk,) = lock(risk)
    policy.require(actor, "change", risk)
    if status not in RiskStatus.values:
        raise ValidationError(
            {"status": f"{status!r} is not one of: {', '.join(RiskStatus.values)}."}
        )
    if status == RiskStatus.ACCEPTED:
        raise TransitionRefused(
            "A risk is accepted only by an approved risk acceptance: request one.", field="status"
        )
    if status not in RISK_TRANSITIONS[risk.status]:
        raise TransitionRefused(
            f"“{risk.title}” cannot move from {risk.get_status_display()} to "
            f"{RiskStatus(status).label}.",
            field="status",
        )
    if status == RiskStatus.TREATING and risk.treatment not in ("mitigate", "transfer", "avoid"):
        raise Conflict(
            "Choose how the risk is treated (mitigate, transfer or avoid) first.", field="treatment"
        )
    if risk.status == RiskStatus.ACCEPTED and status == RiskStatus.CLOSED:
        RiskAcceptance.objects.filter(risk=risk, status=RiskAcceptance.Status.APPROVED).update(
            status=RiskAcceptance.Status.EXPIRED, expired_at=timezone.now()
        )
    risk.status = status
    risk.save(update_fields=["status", "updated"])
    soa_mark_risks_changed(
        set(RiskControl.objects.filter(risk=risk).values_list("control_id", flat=True))
    )
    return risk


@transaction.atomic
def treatment_plan_approve(*, actor: Actor, risk: Risk) -> Risk:
    """The risk owner approves the treatment plan (6.1.3 f): the treatment option and its
    actions as they stand. Stored apart from the option and from any acceptance."""
    require_person(actor, "approves a treatment plan")
    (risk,) = lock(risk)
    policy.require(actor, "approve_plan", risk)
    if not risk.treatment:
        raise Conflict("Choose the treatment option first.", field="treatment")
    if (
        risk.treatment != TreatmentOption.ACCEPT
        and not TreatmentAction.objects.filter(risk=risk)
        .exclude(status=TreatmentAction.Status.CANCELLED)
        .exists()
    ):
        raise Conflict(
            f"“{risk.title}” has no treatment action: plan what will be done first.",
            field="actions",
        )
    model_update(
        risk,
        data={
            "plan_approved_by": actor.user,
            "plan_approved_at": timezone.now(),
            "plan_approved_treatment": risk.treatment,
        },
        fields=["plan_approved_by", "plan_approved_at", "plan_approved_treatment"],
        clean=False,
    )
    return risk


# --- Treatment actions -----------------------------------------------------------------------

ACTION_FIELDS = ("description", "owner", "due_date", "status")


def _validate_action(action: TreatmentAction) -> None:
    errors = {}
    if not (action.description or "").strip():
        errors["description"] = "Say what will be done."
    if action.status not in TreatmentAction.Status.values:
        errors["status"] = (
            f"{action.status!r} is not one of: {', '.join(TreatmentAction.Status.values)}."
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def treatment_action_create(
    *, actor: Actor, risk: Risk, description: str, owner, due_date: date | None = None, **fields
) -> TreatmentAction:
    policy.require(actor, "change", risk)
    action = TreatmentAction(
        risk=risk,
        organization_id=risk.organization_id,
        description=(description or "").strip(),
        owner=member(owner, "owner"),
        due_date=due_date,
        status=fields.pop("status", TreatmentAction.Status.PLANNED),
    )
    if fields:
        raise ValidationError({f: "This field cannot be set here." for f in sorted(fields)})
    _validate_action(action)
    if action.status == TreatmentAction.Status.DONE:
        action.completed_at = timezone.now()
    action.save()
    return action


@transaction.atomic
def treatment_action_update(*, actor: Actor, action: TreatmentAction, **fields) -> TreatmentAction:
    """The risk's editors change anything; the action's assignee (its owner) its status."""
    unknown = set(fields) - set(ACTION_FIELDS)
    if unknown:
        raise ValidationError({f: "This field cannot be set here." for f in sorted(unknown)})
    (action,) = lock(action)
    policy.require(actor, "update_status" if set(fields) <= {"status"} else "change", action)
    if "owner" in fields and getattr(fields["owner"], "pk", fields["owner"]) != action.owner_id:
        fields["owner"] = member(fields["owner"], "owner")
    elif "owner" in fields:
        fields.pop("owner")
    was_done = action.status == TreatmentAction.Status.DONE
    candidate = TreatmentAction(
        **{f.attname: getattr(action, f.attname) for f in TreatmentAction._meta.concrete_fields}
    )
    for name, value in fields.items():
        setattr(candidate, name, value)
    _validate_action(candidate)
    data = dict(fields)
    if candidate.status == TreatmentAction.Status.DONE and not was_done:
        data["completed_at"] = timezone.now()
    elif candidate.status != TreatmentAction.Status.DONE:
        data["completed_at"] = None
    model_update(action, data=data, fields=(*ACTION_FIELDS, "completed_at"), clean=False)
    return action


@transaction.atomic
def treatment_action_delete(*, actor: Actor, action: TreatmentAction) -> None:
    policy.require(actor, "delete", action)
    action.delete()


# --- Risk acceptance -------------------------------------------------------------------------

Acc = RiskAcceptance.Status
ACCEPTANCE = Workflow(
    RiskAcceptance,
    label="risks: risk acceptance",
    transitions=[
        Transition(
            "approve", {Acc.REQUESTED}, Acc.APPROVED, "approved", stamp=("decided_by", "decided_at")
        ),
        Transition(
            "reject", {Acc.REQUESTED}, Acc.REJECTED, "rejected", stamp=("decided_by", "decided_at")
        ),
        Transition("withdraw", {Acc.REQUESTED}, Acc.WITHDRAWN, "withdrawn"),
        Transition("expire", {Acc.APPROVED}, Acc.EXPIRED, "expired"),
    ],
)
MAX_ACCEPTANCE = timedelta(days=366)
TREATING_OPTIONS = (TreatmentOption.MITIGATE, TreatmentOption.TRANSFER, TreatmentOption.AVOID)


def _risk_controls(risk: Risk) -> set[int]:
    return set(RiskControl.objects.filter(risk=risk).values_list("control_id", flat=True))


@transaction.atomic
def acceptance_request(
    *, actor: Actor, risk: Risk, rationale: str, expires_on: date
) -> RiskAcceptance:
    require_person(actor, "requests an acceptance: someone must own it")
    (risk,) = lock(risk)
    policy.require(actor, "change", risk)
    rationale = text(rationale, "rationale", "Explain why the risk can be accepted as it stands.")
    today = timezone.localdate()
    if expires_on is None or expires_on <= today:
        raise ValidationError({"expires_on": "The acceptance must expire on a future date."})
    if expires_on > today + MAX_ACCEPTANCE:
        raise ValidationError({"expires_on": "An acceptance lasts at most a year: review it then."})
    if not risk.is_assessed:
        raise Conflict("Assess the risk (likelihood and impact) before asking to accept it.")
    if risk.status == RiskStatus.CLOSED:
        raise TransitionRefused("A closed risk is not accepted: reopen it first.")
    live = RiskAcceptance.objects.filter(risk=risk, status__in=[Acc.REQUESTED, Acc.APPROVED])
    live = [a for a in live if a.status == Acc.REQUESTED or a.is_active]
    if live:
        raise Conflict(
            f"“{risk.title}” already has an acceptance that is "
            f"{live[0].get_status_display().lower()}."
        )
    # An approved acceptance past its date that the sweep has not reached yet: expire it now.
    for stale in RiskAcceptance.objects.filter(risk=risk, status=Acc.APPROVED):
        _expire(stale)
    return RiskAcceptance.objects.create(
        risk=risk,
        organization_id=risk.organization_id,
        rationale=rationale,
        expires_on=expires_on,
        score_at_request=risk.current_score,
        requested_by=actor.user,
    )


def acceptance_approve(
    *, actor: Actor, acceptance: RiskAcceptance, note: str = ""
) -> RiskAcceptance:
    """The risk owner accepts the residual risk as it now scores (risks.access: the owner
    only; above appetite, after a top-management endorsement of this score). The treatment
    option is left as it is: accepting is not a treatment."""

    def accept(fresh: RiskAcceptance, risk: Risk) -> list[str]:
        if fresh.expires_on < timezone.localdate():
            raise Conflict("This request's expiry date has passed: ask for a new acceptance.")
        if risk.status == RiskStatus.CLOSED:
            raise TransitionRefused("The risk was closed; there is nothing to accept.")
        fresh.decision_note = (note or "").strip()
        fresh.accepted_score = risk.current_score
        fresh.above_appetite = criteria_get().above_appetite(risk.current_score)
        risk.status = RiskStatus.ACCEPTED
        risk.save(update_fields=["status", "updated"])
        soa_mark_risks_changed(_risk_controls(risk))
        return ["decision_note", "accepted_score", "above_appetite"]

    return transition(
        ACCEPTANCE,
        acceptance,
        "approve",
        actor=actor,
        lock_also=[Risk(pk=acceptance.risk_id)],
        apply=accept,
    )


@transaction.atomic
def acceptance_endorse(*, actor: Actor, acceptance: RiskAcceptance) -> RiskAcceptance:
    """A top-management member endorses accepting a risk above the appetite, at its current
    score (a rescored risk needs a new endorsement). The owner still decides."""
    (fresh, risk) = lock(acceptance, Risk(pk=acceptance.risk_id))
    policy.require(actor, "endorse", fresh)
    if fresh.status != Acc.REQUESTED:
        raise TransitionRefused(
            f"This acceptance is {fresh.get_status_display().lower()}: only a request awaiting "
            "the owner's decision is endorsed."
        )
    if not criteria_get().above_appetite(risk.current_score):
        raise Conflict(
            f"“{risk.title}” scores {risk.current_score}, within the appetite: its owner accepts "
            "it without an endorsement."
        )
    model_update(
        fresh,
        data={
            "authority": actor.user,
            "authority_at": timezone.now(),
            "authority_score": risk.current_score,
        },
        fields=["authority", "authority_at", "authority_score"],
        clean=False,
    )
    return fresh


def acceptance_reject(*, actor: Actor, acceptance: RiskAcceptance, note: str) -> RiskAcceptance:
    note = text(note, "note", "Say why the acceptance is rejected.")

    def reject(fresh: RiskAcceptance) -> list[str]:
        fresh.decision_note = note
        return ["decision_note"]

    return transition(ACCEPTANCE, acceptance, "reject", actor=actor, apply=reject)


def acceptance_withdraw(*, actor: Actor, acceptance: RiskAcceptance) -> RiskAcceptance:
    return transition(ACCEPTANCE, acceptance, "withdraw", actor=actor)


def _expire(acceptance: RiskAcceptance) -> RiskAcceptance:
    def expire(fresh: RiskAcceptance, risk: Risk) -> list[str]:
        fresh.expired_at = timezone.now()
        if risk.status == RiskStatus.ACCEPTED:
            treating = risk.treatment in TREATING_OPTIONS
            risk.status = RiskStatus.TREATING if treating else RiskStatus.OPEN
            risk.save(update_fields=["status", "updated"])
        return ["expired_at"]

    return transition(
        ACCEPTANCE,
        acceptance,
        "expire",
        actor=None,
        lock_also=[Risk(pk=acceptance.risk_id)],
        apply=expire,
        reason="The acceptance reached its expiry date.",
    )


@transaction.atomic
def acceptances_expire_due(*, today: date | None = None) -> int:
    """Expire every approved acceptance whose date has passed; the risk goes back to open.
    Idempotent (the sweep may run twice)."""
    today = today or timezone.localdate()
    due = list(RiskAcceptance.objects.filter(status=Acc.APPROVED, expires_on__lt=today))
    for acceptance in due:
        _expire(acceptance)
    return len(due)


# --- From a supplier-assessment gap ----------------------------------------------------------

GAP_CATEGORIES = {
    "data_handling": RiskCategory.DATA_LEAKAGE,
    "security": RiskCategory.CONFIDENTIALITY,
    "ai_specifics": RiskCategory.SUPPLIER_DEPENDENCY,
    "incidents": RiskCategory.AVAILABILITY,
    "contract": RiskCategory.REGULATORY,
}


@transaction.atomic
def risk_from_gap(*, actor: Actor, answer_id: int, owner=None) -> Risk:
    """A supplier-assessment gap becomes a pre-filled risk linked to the supplier (and to the
    assets that use the supplier). One risk per gap."""
    from assets.models import Asset
    from suppliers.models import SupplierAnswer

    require_scope(actor, WRITE)
    answer = (
        SupplierAnswer.objects.select_related("question", "assessment__supplier")
        .filter(pk=answer_id)
        .first()
    )
    if answer is None:
        raise ValidationError(
            {"gap": f"No supplier-assessment answer with id {answer_id} in this organisation."}
        )
    if not answer.is_gap:
        raise ValidationError({"gap": "That answer is not a gap in the assessment."})
    existing = Risk.objects.filter(source_gap=answer).first()
    if existing is not None:
        raise Conflict(f"This gap is already the risk “{existing.title}” (id {existing.pk}).")
    supplier = answer.assessment.supplier
    question = answer.question
    reason = answer.gap_reason or "a gap"
    description = (
        f"Gap found in the assessment of {supplier.name}: “{question.text}” ({reason}).\n\n"
        f"What it means for us: {question.bad_answer_meaning}"
    )
    title = f"{supplier.name}: {question.text}"
    if len(title) > 200:
        title = title[:199] + "…"
    risk = Risk(
        title=title,
        description=description,
        category=GAP_CATEGORIES.get(question.group, RiskCategory.SUPPLIER_DEPENDENCY),
        owner=member(owner if owner is not None else supplier.owner_id, "owner"),
        source_gap=answer,
        created_by=actor.user,
    )
    if question.knockout:  # a knockout gap starts high; the officer rescores it
        criteria = criteria_get()
        risk.inherent_likelihood = criteria.likelihood_levels - 1
        risk.inherent_impact = criteria.impact_levels - 1
    _validate_risk(risk)
    risk.save()
    policy.policy_for(Risk).grant_owner(risk, risk.owner)
    asset_ids = Asset.objects.filter(supplier=supplier).values_list("pk", flat=True)
    _set_links(risk, {"suppliers": [supplier.pk], "assets": list(asset_ids)})
    return risk


# Who an assessment's harm reaches -> the risk category it most likely belongs to.
HARM_CATEGORY = {
    "individuals": RiskCategory.HARMFUL_OUTPUT,
    "groups": RiskCategory.BIAS,
    "society": RiskCategory.REGULATORY,
}
LEVEL_SCORE = {"low": 1, "medium": 3, "high": 5}


@transaction.atomic
def risk_from_harm(*, actor: Actor, assessment_id: int, harm_index: int) -> Risk:
    """A significant harm of an AI impact assessment becomes a pre-filled risk on the AI system
    (ISO/IEC 42001 6.1.4 feeding 6.1.2), owned by the system's owner. One risk per harm."""
    from risks.models import ImpactAssessment
    from risks.models.change import harm_is_significant

    require_scope(actor, WRITE)
    assessment = ImpactAssessment.objects.select_related("asset").filter(pk=assessment_id).first()
    if assessment is None:
        raise ValidationError(
            {"assessment": f"No impact assessment with id {assessment_id} in this organisation."}
        )
    if not 0 <= harm_index < len(assessment.harms):
        raise ValidationError({"harm": f"The assessment has no harm number {harm_index + 1}."})
    harm = assessment.harms[harm_index]
    if not harm_is_significant(harm):
        raise ValidationError(
            {
                "harm": "Only a significant harm (high severity, likely medium, or irreversible) "
                "becomes a risk; record lesser ones in the assessment."
            }
        )
    existing = Risk.objects.filter(source_assessment=assessment, source_harm=harm_index).first()
    if existing is not None:
        raise Conflict(f"This harm is already the risk “{existing.title}” (id {existing.pk}).")
    asset = assessment.asset
    party = harm.get("party") or harm["to"]
    details = [
        f"{label}: {harm[key]}"
        for key, label in [
            ("scale", "Scale"),
            ("reversibility", "Reversibility"),
            ("vulnerable_groups", "Vulnerable groups"),
            ("jurisdiction", "Jurisdiction"),
        ]
        if harm.get(key)
    ]
    title = f"{asset.name}: {harm['description']}"
    if len(title) > 200:
        title = title[:199] + "…"
    criteria = criteria_get()
    risk = Risk(
        title=title,
        description=(
            f"Harm to {party} found by the AI impact assessment of {asset.name} "
            f"(severity {harm['severity']}, likelihood {harm['likelihood']})."
            + (("\n\n" + "; ".join(details) + ".") if details else "")
        ),
        category=HARM_CATEGORY.get(harm["to"], RiskCategory.HARMFUL_OUTPUT),
        owner=member(asset.owner_id, "owner"),
        harm_to=[harm["to"]],
        source_assessment=assessment,
        source_harm=harm_index,
        created_by=actor.user,
        inherent_likelihood=_on_scale(harm["likelihood"], criteria.likelihood_levels),
        inherent_impact=_on_scale(harm["severity"], criteria.impact_levels),
    )
    _validate_risk(risk)
    risk.save()
    policy.policy_for(Risk).grant_owner(risk, risk.owner)
    _set_links(risk, {"assets": [asset.pk]})
    return risk


def _on_scale(level: str, levels: int) -> int:
    """low / medium / high on the organisation's scale (1..levels)."""
    return max(1, min(levels, round(LEVEL_SCORE[level] * levels / 5)))
