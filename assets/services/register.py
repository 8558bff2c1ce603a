"""The asset register's writes: validation, create/update, the lifecycle workflow (with the
AI production gate), the idempotent upsert and bulk actions.

Race safety (issue 11):
- an update writes only the fields it changes (isms.writes.model_update), on the row read
  under its lock, so parallel edits of different fields all keep their value and a lifecycle
  moved meanwhile (an approved AI change request) is never written back from a stale read;
- lifecycle moves are transitions of LIFECYCLE (isms.workflow): locked, re-checked, recorded;
- the external id is unique per organisation in the database; the upsert retries a create
  that lost the race as an update of the winner's row, so it stays idempotent.
Who may do what is assets.access (isms.policy); no role name is read here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from assets.access import ASSET_POLICY
from assets.models import (
    AI_TYPES,
    ASSET_EDITABLE,
    AffectedGroup,
    Asset,
    AssetType,
    Classification,
    EUAIActRole,
    HumanOversight,
    Lifecycle,
    ProviderTraining,
    RiskTier,
    Source,
)
from isms import policy
from isms.access import Actor
from isms.choices import DataCategory
from isms.errors import Conflict, ErrorCode, TransitionRefused
from isms.members import validate_member
from isms.models import WebhookEventType
from isms.tenancy import current_organization_id
from isms.webhooks.events import emit, object_data
from isms.workflow import Transition, Workflow, lock, transition
from isms.writes import model_update, unique_or_conflict

User = get_user_model()


OWNER_PERMISSIONS = ASSET_POLICY.owner_grants

PRODUCTION_GATE_MESSAGE = (
    "An AI asset moves to pilot or production only when its AI change request is approved "
    "(a pilot processes real data). Raise an AI change request in the risk register; its "
    "approval moves the asset."
)
# Stages an AI asset reaches only through an approved AI change request.
GATED_STAGES = frozenset({Lifecycle.PILOT, Lifecycle.PRODUCTION})
# Edits of an AI asset in a gated stage that change what the system is: each reopens the gate
# (a new AI change request must be approved; the asset is flagged until then).
MATERIAL_FIELDS = {
    "model_provider": "model",
    "model_version": "model version",
    "data_categories": "data categories",
    "supplier": "supplier",
    "intended_purpose": "intended purpose",
}

# The lifecycle workflow: every stage change is one of these transitions (the production gate
# for AI types is applied on top: only an approved AI change request promotes an AI asset).
LIFECYCLE = Workflow(
    Asset,
    state_field="lifecycle",
    label="assets: lifecycle",
    transitions=[
        Transition(
            "pilot",
            {Lifecycle.PROPOSED, Lifecycle.PRODUCTION},
            Lifecycle.PILOT,
            "moved to pilot",
            action="change",
        ),
        Transition(
            "propose",
            {Lifecycle.PILOT},
            Lifecycle.PROPOSED,
            "moved back to proposed",
            action="change",
        ),
        Transition(
            "promote",
            {Lifecycle.PROPOSED, Lifecycle.PILOT},
            Lifecycle.PRODUCTION,
            "put into production",
            action="promote",
        ),
        Transition(
            "retire",
            {Lifecycle.PROPOSED, Lifecycle.PILOT, Lifecycle.PRODUCTION},
            Lifecycle.RETIRED,
            "retired",
            action="retire",
        ),
        Transition(
            "reinstate", {Lifecycle.RETIRED}, Lifecycle.PROPOSED, "reinstated", action="reinstate"
        ),
    ],
)
# (from stage, to stage) -> the transition's name; and the allowed moves, derived from it.
_LIFECYCLE_MOVES: dict[tuple[str, str], str] = {
    (source, move.target): move.name for move in LIFECYCLE.transitions for source in move.sources
}
LIFECYCLE_TRANSITIONS: dict[str, frozenset[str]] = {
    stage: frozenset(t for (s, t) in _LIFECYCLE_MOVES if s == stage) for stage in Lifecycle.values
}

# Fields a caller may set through asset_create/asset_update (not risk tier, not triage state):
# the one declaration in assets.models.
EDITABLE_FIELDS = ASSET_EDITABLE.names
_CHOICES = {
    "asset_type": AssetType,
    "classification": Classification,
    "lifecycle": Lifecycle,
    "human_oversight": HumanOversight,
    "provider_trains_on_our_data": ProviderTraining,
    "eu_ai_act_role": EUAIActRole,
}
_ARRAY_CHOICES = {"data_categories": DataCategory, "affected_groups": AffectedGroup}


# --- Validation helpers ----------------------------------------------------------------------


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({f: "This field cannot be set here." for f in sorted(unknown)})
    for field, choices in _CHOICES.items():
        value = values.get(field)
        if value not in (None, "") and value not in choices.values:
            errors[field] = f"{value!r} is not one of: {', '.join(choices.values)}."
    for field, choices in _ARRAY_CHOICES.items():
        bad = [v for v in values.get(field) or [] if v not in choices.values]
        if bad:
            errors[field] = (
                f"Unknown value(s) {', '.join(map(repr, bad))}; use {', '.join(choices.values)}."
            )
    if "name" in values and not (values["name"] or "").strip():
        errors["name"] = "Give the asset a name."
    if errors:
        raise ValidationError(errors)
    if "tags" in values:
        values["tags"] = sorted({t.strip() for t in values["tags"] or [] if t and t.strip()})
    for field in ("data_categories", "affected_groups"):
        if field in values:
            values[field] = sorted(set(values[field] or []))
    if "external_id" in values:
        values["external_id"] = (values["external_id"] or "").strip()
    return values


def _check_supplier(supplier) -> None:
    if supplier is None:
        return
    from suppliers.models import Supplier

    if not Supplier.objects.filter(pk=supplier.pk).exists():
        raise ValidationError(
            {"supplier": f"No supplier with id {supplier.pk} in this organisation."}
        )


def _check_external_id(external_id: str, exclude_pk: int | None) -> None:
    """A friendly refusal one request at a time; the database index decides under races."""
    if not external_id:
        return
    clash = Asset.objects.filter(external_id=external_id)
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise Conflict(
            f"Another asset already has the external id {external_id!r}.",
            field="external_id",
            code=ErrorCode.DUPLICATE,
        )


def _unique_external_id():
    return unique_or_conflict(
        {
            "asset_unique_external_id": (
                "external_id",
                "Another asset was saved with this external id at the same moment.",
            )
        }
    )


def _gate_closed(asset_name: str) -> Conflict:
    return Conflict(
        f"{asset_name}: {PRODUCTION_GATE_MESSAGE}", field="lifecycle", code=ErrorCode.GATE_CLOSED
    )


def _check_gate(name: str, before: tuple[str, str] | None, after: tuple[str, str]) -> None:
    """(asset_type, lifecycle) before and after: an AI asset never *arrives* in pilot or
    production by an edit (a new AI asset there, a proposed one moved, or a conventional asset
    retyped); it may stay where it is, or step back from production to pilot."""
    new_type, new_stage = after
    if new_type not in AI_TYPES or new_stage not in GATED_STAGES:
        return
    if before is not None and before[0] in AI_TYPES:
        if before[1] == new_stage:
            return
        if before[1] == Lifecycle.PRODUCTION and new_stage == Lifecycle.PILOT:
            return
    raise _gate_closed(name)


def _reopen_gate(asset: Asset, changed: Iterable[str]) -> None:
    """A material edit of an AI asset in pilot or production flags it: a new AI change request
    must be approved (risks clears the flag on approval). Writes the flag fields only."""
    material = [label for field, label in MATERIAL_FIELDS.items() if field in set(changed)]
    if not material or asset.asset_type not in AI_TYPES or asset.lifecycle not in GATED_STAGES:
        return
    reason = f"Changed in {Lifecycle(asset.lifecycle).label.lower()}: {', '.join(material)}."
    if asset.change_required_since is not None:
        reason = f"{asset.change_required_reason} {reason}"[-300:]
    asset.change_required_since = asset.change_required_since or timezone.now()
    asset.change_required_reason = reason
    asset.save(update_fields=["change_required_since", "change_required_reason", "updated"])


def _owner(value, field: str = "owner"):
    if value in (None, ""):
        raise ValidationError({field: "Every asset needs an accountable owner."})
    return validate_member(value, field)


def _set_retired_at(asset: Asset) -> list[str]:
    asset.retired_at = timezone.now() if asset.lifecycle == Lifecycle.RETIRED else None
    return ["retired_at"]


def _copy_into(target: Asset, source: Asset) -> Asset:
    """Give the caller's instance the stored values (forms and views keep using it)."""
    if target is source:
        return target
    for f in Asset._meta.concrete_fields:
        setattr(target, f.attname, getattr(source, f.attname))
    target._state.fields_cache = dict(source._state.fields_cache)
    return target


# --- Create / update -------------------------------------------------------------------------


@transaction.atomic
def asset_create(
    *, actor: Actor, name: str, asset_type: str, owner, source: str = Source.REGISTER, **fields
) -> Asset:
    policy.require(actor, "create", Asset)
    return _create(
        actor=actor, name=name, asset_type=asset_type, owner=owner, source=source, **fields
    )


def _create(*, actor: Actor, source: str, check_external_id: bool = True, **fields) -> Asset:
    values = _clean(dict(fields))
    values["owner"] = _owner(values.get("owner"))
    if values.get("custodian") is not None:
        values["custodian"] = validate_member(values["custodian"], "custodian")
    _check_supplier(values.get("supplier"))
    if check_external_id:
        _check_external_id(values.get("external_id", ""), None)
    asset = Asset(
        source=source,
        created_by=actor.user,
        organization_id=current_organization_id(),
        **values,
    )
    _check_gate(asset.name, None, (asset.asset_type, asset.lifecycle))
    if asset.lifecycle == Lifecycle.RETIRED:
        asset.retired_at = timezone.now()
    try:
        asset.full_clean(exclude=_FK_FIELDS, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        raise ValidationError(error.message_dict) from error
    with _unique_external_id():
        asset.save()
    ASSET_POLICY.grant_owner(asset, asset.owner)
    if asset.in_register:
        emit(WebhookEventType.ASSET_CREATED, data=_event_data(asset))
    return asset


def _event_data(asset: Asset, **extra) -> dict[str, Any]:
    return object_data(
        asset,
        "asset",
        asset_type=asset.asset_type,
        lifecycle=asset.lifecycle,
        external_id=asset.external_id,
        **extra,
    )


_FK_FIELDS = [
    "organization",
    "owner",
    "custodian",
    "supplier",
    "reported_by",
    "triaged_by",
    "created_by",
]
# What model_update may write for an edit: the editable fields except the lifecycle, which
# moves only by a LIFECYCLE transition.
_UPDATE_FIELDS = tuple(f for f in EDITABLE_FIELDS if f != "lifecycle")


@transaction.atomic
def asset_update(*, actor: Actor, asset: Asset, **fields) -> Asset:
    """Change the given fields (and only those) of an asset in the register.

    The row is locked and read afresh; only fields whose value changes are written, so an
    edit never writes back a lifecycle, risk tier or triage state it did not ask to change.
    """
    values = _clean(dict(fields))
    (fresh,) = lock(asset)
    policy.require(actor, "change", fresh)
    if not fresh.in_register:
        raise Conflict(
            f"{fresh.name} is a shadow-AI report: triage it first.",
            code=ErrorCode.INVALID_TRANSITION,
        )
    previous_owner = fresh.owner if fresh.owner_id else None
    if "owner" in values:
        if getattr(values["owner"], "pk", values["owner"]) == fresh.owner_id:
            values.pop("owner")
        else:
            values["owner"] = _owner(values["owner"])
    if values.get("custodian") is not None:
        if getattr(values["custodian"], "pk", values["custodian"]) == fresh.custodian_id:
            values.pop("custodian")
        else:
            values["custodian"] = validate_member(values["custodian"], "custodian")
    if "supplier" in values:
        _check_supplier(values["supplier"])
    if values.get("external_id"):
        _check_external_id(values["external_id"], fresh.pk)
    stage = values.pop("lifecycle", None) or fresh.lifecycle
    move = None
    if stage != fresh.lifecycle:
        move = _LIFECYCLE_MOVES.get((fresh.lifecycle, stage))
        if move is None:
            raise TransitionRefused(
                f"{fresh.name} cannot move from {Lifecycle(fresh.lifecycle).label} to "
                f"{Lifecycle(stage).label}.",
                field="lifecycle",
            )
    _check_gate(
        fresh.name,
        (fresh.asset_type, fresh.lifecycle),
        (values.get("asset_type", fresh.asset_type), stage),
    )
    with _unique_external_id():
        changed = model_update(fresh, data=values, fields=_UPDATE_FIELDS)
    _reopen_gate(fresh, changed)
    if move is not None:
        fresh = transition(LIFECYCLE, fresh, move, actor=actor, apply=_set_retired_at)
    if "owner" in changed:
        ASSET_POLICY.grant_owner(fresh, fresh.owner, previous=previous_owner)
    if changed or move is not None:
        emit(
            WebhookEventType.ASSET_CHANGED,
            data=_event_data(fresh, changed=sorted({*changed, *(["lifecycle"] if move else [])})),
        )
    return _copy_into(asset, fresh)


def asset_set_lifecycle(*, actor: Actor, asset: Asset, lifecycle: str) -> Asset:
    return asset_update(actor=actor, asset=asset, lifecycle=lifecycle)


def _in_register(asset: Asset) -> None:
    if not asset.in_register:
        raise Conflict(
            f"{asset.name} is a shadow-AI report: triage it first.",
            code=ErrorCode.INVALID_TRANSITION,
        )


@transaction.atomic
def asset_retire(*, actor: Actor, asset: Asset, reason: str = "") -> Asset:
    """Retiring keeps the record, its dependencies, evaluations and history."""
    _in_register(asset)
    fresh = transition(
        LIFECYCLE, asset, "retire", actor=actor, reason=reason, apply=_set_retired_at
    )
    emit(WebhookEventType.ASSET_RETIRED, data=_event_data(fresh))
    return _copy_into(asset, fresh)


@transaction.atomic
def asset_reinstate(*, actor: Actor, asset: Asset, reason: str = "") -> Asset:
    """A retired asset comes back as `proposed`: it starts the lifecycle over."""
    fresh = transition(
        LIFECYCLE, asset, "reinstate", actor=actor, reason=reason, apply=_set_retired_at
    )
    return _copy_into(asset, fresh)


@transaction.atomic
def asset_mark_reviewed(*, actor: Actor, asset: Asset) -> Asset:
    (fresh,) = lock(asset)
    policy.require(actor, "change", fresh)
    model_update(
        fresh, data={"last_reviewed_at": timezone.now()}, fields=["last_reviewed_at"], clean=False
    )
    return _copy_into(asset, fresh)


@transaction.atomic
def asset_promote_to_production(*, actor: Actor, asset: Asset, change_request=None) -> Asset:
    """The one path by which an AI asset reaches `production`: its AI change request's approval.

    The risk register (risks/) passes its approved change request in; assets must not import
    risks, so the request answers for itself through `change_request.is_approved_for(asset)`.
    Conventional assets do not need it. Already in production: nothing to do.
    """
    policy.require(actor, "promote", asset)
    if asset.asset_type in AI_TYPES:
        is_approved_for = getattr(change_request, "is_approved_for", None)
        if not callable(is_approved_for) or is_approved_for(asset) is not True:
            raise _gate_closed(asset.name)
    (fresh,) = lock(asset)
    if fresh.lifecycle == Lifecycle.PRODUCTION:
        return _copy_into(asset, fresh)
    _in_register(fresh)
    fresh = transition(LIFECYCLE, fresh, "promote", actor=actor, apply=_set_retired_at)
    return _copy_into(asset, fresh)


def asset_set_risk_tier(*, asset: Asset, risk_tier: str) -> Asset:
    """For the AI impact assessment (risks/): the tier is never edited in the register."""
    if risk_tier not in RiskTier.values:
        raise ValidationError({"risk_tier": f"{risk_tier!r} is not a risk tier."})
    asset.risk_tier = risk_tier
    asset.save(update_fields=["risk_tier", "updated"])
    return asset


_RELATIONS = ("owner", "custodian", "supplier")


@transaction.atomic
def asset_upsert(
    *, actor: Actor, external_id: str, source: str = Source.INTEGRATION, **fields
) -> tuple[Asset, bool]:
    """Create or update the asset with this external id (idempotent: same payload, one asset).

    Under concurrency the database's unique index per organisation decides who creates; a
    create that loses the race becomes an update of the winner's row (lock-and-retry), so
    every caller gets the asset, never a duplicate refusal.
    """
    external_id = (external_id or "").strip()
    if not external_id:
        raise ValidationError({"external_id": "An upsert needs an external id."})
    for _attempt in range(3):
        existing = Asset.objects.filter(external_id=external_id).first()
        if existing is None:
            policy.require(actor, "create", Asset)
            missing = [f for f in ("name", "asset_type", "owner") if fields.get(f) in (None, "")]
            if missing:
                raise ValidationError({f: "Required to create a new asset." for f in missing})
            try:
                with transaction.atomic():
                    asset = _create(
                        actor=actor,
                        external_id=external_id,
                        source=source,
                        check_external_id=False,
                        **fields,
                    )
            except Conflict as error:
                if error.field == "external_id":
                    continue  # created by a concurrent request: update that one instead
                raise
            return asset, True
        changed = {
            f: v
            for f, v in fields.items()
            if getattr(existing, f"{f}_id" if f in _RELATIONS else f) != getattr(v, "pk", v)
        }
        if not changed:
            policy.require(actor, "change", existing)
            return existing, False
        return asset_update(actor=actor, asset=existing, **changed), False
    raise Conflict(
        "Another request is saving this external id; try again.",
        field="external_id",
        code=ErrorCode.CONCURRENT_UPDATE,
    )


# --- Bulk actions ----------------------------------------------------------------------------


def _bulk_assets(asset_ids: Iterable[int]) -> list[Asset]:
    ids = {int(i) for i in asset_ids}
    assets = list(Asset.objects.filter(pk__in=ids).order_by("name"))
    if not ids or len(assets) != len(ids):
        raise ValidationError({"assets": "Choose assets of this organisation's register."})
    return assets


@transaction.atomic
def assets_bulk_update(*, actor: Actor, asset_ids: Iterable[int], **fields) -> int:
    """One change applied to many assets, all or nothing (assign owner, set classification,
    set lifecycle stage): a register-wide act (`manage`). The rows are locked together in
    one order first, so two bulk changes never wait on each other crosswise."""
    policy.require(actor, "manage", Asset)
    assets = lock(*_bulk_assets(asset_ids))
    if "owner" in fields:
        fields["owner"] = _owner(fields["owner"])
    if fields.get("lifecycle") in GATED_STAGES:
        stage = fields["lifecycle"]
        gated = []
        for a in assets:
            try:
                _check_gate(a.name, (a.asset_type, a.lifecycle), (a.asset_type, stage))
            except Conflict:
                gated.append(a.name)
        if gated:
            raise Conflict(
                f"Not moved to {Lifecycle(stage).label.lower()}: {', '.join(gated)}. "
                f"{PRODUCTION_GATE_MESSAGE}",
                field="lifecycle",
                code=ErrorCode.GATE_CLOSED,
            )
    for asset in assets:
        asset_update(actor=actor, asset=asset, **fields)
    return len(assets)


def assets_reassign_owner(*, actor: Actor, asset_ids: Iterable[int], new_owner) -> int:
    """Reassign many assets (e.g. those of a member who left) in one action; the previous
    owners lose their grants on them."""
    return assets_bulk_update(actor=actor, asset_ids=asset_ids, owner=new_owner)
