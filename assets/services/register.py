"""The asset register's rules and writes: who may edit, validation, create/update,
the lifecycle (with the AI production gate), upsert and bulk actions."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

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
from isms import permissions
from isms.access import Actor
from isms.choices import DataCategory
from isms.errors import Conflict, NotPermitted, TransitionRefused
from isms.models import Membership, Role
from isms.tenancy import current_organization_id

User = get_user_model()


OWNER_PERMISSIONS = ("change_asset", "record_evaluation")
MANAGER_ROLES = frozenset({Role.ADMIN, Role.OFFICER})

PRODUCTION_GATE_MESSAGE = (
    "An AI asset moves to production only when its AI change request is approved. "
    "Raise an AI change request in the risk register; its approval promotes the asset."
)

# Allowed lifecycle moves (the production gate for AI types is applied on top of this).
LIFECYCLE_TRANSITIONS: dict[str, frozenset[str]] = {
    Lifecycle.PROPOSED: frozenset({Lifecycle.PILOT, Lifecycle.PRODUCTION, Lifecycle.RETIRED}),
    Lifecycle.PILOT: frozenset({Lifecycle.PROPOSED, Lifecycle.PRODUCTION, Lifecycle.RETIRED}),
    Lifecycle.PRODUCTION: frozenset({Lifecycle.PILOT, Lifecycle.RETIRED}),
    Lifecycle.RETIRED: frozenset({Lifecycle.PROPOSED}),  # reinstated: starts over
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


# --- Who may do what -------------------------------------------------------------------------


def is_asset_manager(actor: Actor) -> bool:
    """Officers and admins edit every asset; so does a read-write API key (an integration)."""
    if not actor.has_scope("assets:write"):
        return False
    return actor.api_key is not None or actor.role in MANAGER_ROLES


def can_edit_asset(actor: Actor, asset: Asset) -> bool:
    if is_asset_manager(actor):
        return True
    if not actor.has_scope("assets:write") or actor.user is None:
        return False
    return permissions.has_object_permission(actor.user, "change_asset", asset)


def can_record_evaluation(actor: Actor, asset: Asset) -> bool:
    if is_asset_manager(actor):
        return True
    if not actor.has_scope("assets:write") or actor.user is None:
        return False
    return permissions.has_object_permission(actor.user, "record_evaluation", asset)


def _require_edit(actor: Actor, asset: Asset) -> None:
    if not can_edit_asset(actor, asset):
        raise NotPermitted(f"Only the owner of {asset.name}, an officer or an admin may change it.")


def _require_manager(actor: Actor, what: str) -> None:
    if not is_asset_manager(actor):
        raise NotPermitted(f"Only officers and admins may {what}.")


# --- Validation helpers ----------------------------------------------------------------------


def active_member_ids() -> set[int]:
    return set(
        Membership.objects.active()
        .filter(organization_id=current_organization_id())
        .values_list("user_id", flat=True)
    )


def _check_member(user, field: str) -> None:
    """The same message whether the user is unknown or a member of another organisation."""
    user_id = getattr(user, "pk", user)
    is_member = (
        Membership.objects.active()
        .filter(organization_id=current_organization_id(), user_id=user_id)
        .exists()
    )
    if not is_member:
        raise ValidationError(
            {field: f"No active member with user id {user_id} in this organisation."}
        )


def _member(value, field: str):
    """The user `value` (a user or an id) if an active member; else the same refusal for all."""
    _check_member(value, field)
    return value if isinstance(value, User) else User.objects.get(pk=int(value))


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
    if not external_id:
        return
    clash = Asset.objects.filter(external_id=external_id)
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError(
            {"external_id": f"Another asset already has the external id {external_id!r}."}
        )


def _check_lifecycle(asset: Asset, before: tuple[str, str] | None) -> None:
    """`before` = (asset_type, lifecycle) before the change, None for a new asset."""
    old_type, old_stage = before if before else (None, None)
    new_stage = asset.lifecycle
    if (
        before is not None
        and new_stage != old_stage
        and new_stage not in LIFECYCLE_TRANSITIONS[old_stage]
    ):
        raise TransitionRefused(
            f"{asset.name} cannot move from {Lifecycle(old_stage).label} to "
            f"{Lifecycle(new_stage).label}.",
            field="lifecycle",
        )
    ai_in_production = asset.asset_type in AI_TYPES and new_stage == Lifecycle.PRODUCTION
    was_ai_in_production = old_type in AI_TYPES and old_stage == Lifecycle.PRODUCTION
    if ai_in_production and not was_ai_in_production:
        raise Conflict(f"{asset.name}: {PRODUCTION_GATE_MESSAGE}", field="lifecycle")


def _sync_owner_grants(asset: Asset, old_owner_id: int | None) -> None:
    if old_owner_id == asset.owner_id:
        return
    if old_owner_id is not None:
        for perm in OWNER_PERMISSIONS:
            permissions.revoke(User(pk=old_owner_id), perm, asset)
    if asset.owner_id is not None:
        for perm in OWNER_PERMISSIONS:
            permissions.grant(User(pk=asset.owner_id), perm, asset)


_FK_FIELDS = [
    "organization",
    "owner",
    "custodian",
    "supplier",
    "reported_by",
    "triaged_by",
    "created_by",
]


def _save(asset: Asset) -> Asset:
    if asset.organization_id is None:
        asset.organization_id = current_organization_id()
    try:
        asset.full_clean(exclude=_FK_FIELDS, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        raise ValidationError(error.message_dict) from error
    asset.save()
    return asset


# --- Create / update -------------------------------------------------------------------------


@transaction.atomic
def asset_create(
    *, actor: Actor, name: str, asset_type: str, owner, source: str = Source.REGISTER, **fields
) -> Asset:
    if not actor.has_scope("assets:write"):
        raise NotPermitted("Your role may not add assets.")
    values = _clean({"name": name, "asset_type": asset_type, "owner": owner, **fields})
    if values.get("owner") is None:
        raise ValidationError({"owner": "Every asset needs an accountable owner."})
    values["owner"] = _member(values["owner"], "owner")
    if values.get("custodian") is not None:
        values["custodian"] = _member(values["custodian"], "custodian")
    _check_supplier(values.get("supplier"))
    _check_external_id(values.get("external_id", ""), None)
    asset = Asset(source=source, created_by=actor.user, **values)
    _check_lifecycle(asset, None)
    if asset.lifecycle == Lifecycle.RETIRED:
        asset.retired_at = timezone.now()
    _save(asset)
    _sync_owner_grants(asset, None)
    return asset


@transaction.atomic
def asset_update(*, actor: Actor, asset: Asset, **fields) -> Asset:
    _require_edit(actor, asset)
    if not asset.in_register:
        raise Conflict(f"{asset.name} is a shadow-AI report: triage it first.")
    values = _clean(dict(fields))
    if "owner" in values:
        if values["owner"] is None:
            raise ValidationError({"owner": "Every asset needs an accountable owner."})
        if getattr(values["owner"], "pk", values["owner"]) != asset.owner_id:
            values["owner"] = _member(values["owner"], "owner")
        else:
            values.pop("owner")
    if values.get("custodian") is not None:
        if getattr(values["custodian"], "pk", values["custodian"]) != asset.custodian_id:
            values["custodian"] = _member(values["custodian"], "custodian")
        else:
            values.pop("custodian")
    if "supplier" in values:
        _check_supplier(values["supplier"])
    if "external_id" in values:
        _check_external_id(values["external_id"], asset.pk)
    before = (asset.asset_type, asset.lifecycle)
    old_owner_id = asset.owner_id
    snapshot = {f.attname: getattr(asset, f.attname) for f in Asset._meta.concrete_fields}
    try:
        for field, value in values.items():
            setattr(asset, field, value)
        _check_lifecycle(asset, before)
        if asset.lifecycle == Lifecycle.RETIRED and before[1] != Lifecycle.RETIRED:
            asset.retired_at = timezone.now()
        elif asset.lifecycle != Lifecycle.RETIRED:
            asset.retired_at = None
        _save(asset)
    except Exception:
        # A refused change leaves the caller's instance as it was (forms re-render from it).
        for attname, value in snapshot.items():
            setattr(asset, attname, value)
        raise
    _sync_owner_grants(asset, old_owner_id)
    return asset


def asset_set_lifecycle(*, actor: Actor, asset: Asset, lifecycle: str) -> Asset:
    return asset_update(actor=actor, asset=asset, lifecycle=lifecycle)


def asset_retire(*, actor: Actor, asset: Asset) -> Asset:
    """Retiring keeps the record, its dependencies, evaluations and history."""
    return asset_update(actor=actor, asset=asset, lifecycle=Lifecycle.RETIRED)


def asset_mark_reviewed(*, actor: Actor, asset: Asset) -> Asset:
    _require_edit(actor, asset)
    asset.last_reviewed_at = timezone.now()
    asset.save(update_fields=["last_reviewed_at", "updated"])
    return asset


@transaction.atomic
def asset_promote_to_production(*, actor: Actor, asset: Asset, change_request=None) -> Asset:
    """The one path by which an AI asset reaches `production`: its AI change request's approval.

    The risk register (risks/) passes its approved change request in; assets must not import
    risks, so the request answers for itself through `change_request.is_approved_for(asset)`.
    Conventional assets do not need it.
    """
    _require_edit(actor, asset)
    if asset.asset_type not in AI_TYPES:
        return asset_update(actor=actor, asset=asset, lifecycle=Lifecycle.PRODUCTION)
    is_approved_for = getattr(change_request, "is_approved_for", None)
    if not callable(is_approved_for) or is_approved_for(asset) is not True:
        raise Conflict(f"{asset.name}: {PRODUCTION_GATE_MESSAGE}", field="lifecycle")
    asset = Asset.objects.select_for_update().get(pk=asset.pk)
    if asset.lifecycle == Lifecycle.PRODUCTION:
        return asset
    if Lifecycle.PRODUCTION not in LIFECYCLE_TRANSITIONS[asset.lifecycle]:
        raise TransitionRefused(
            f"{asset.name} cannot move from {Lifecycle(asset.lifecycle).label} to Production.",
            field="lifecycle",
        )
    asset.lifecycle = Lifecycle.PRODUCTION
    asset.retired_at = None
    asset.save(update_fields=["lifecycle", "retired_at", "updated"])
    return asset


def asset_set_risk_tier(*, asset: Asset, risk_tier: str) -> Asset:
    """For the AI impact assessment (risks/): the tier is never edited in the register."""
    if risk_tier not in RiskTier.values:
        raise ValidationError({"risk_tier": f"{risk_tier!r} is not a risk tier."})
    asset.risk_tier = risk_tier
    asset.save(update_fields=["risk_tier", "updated"])
    return asset


@transaction.atomic
def asset_upsert(
    *, actor: Actor, external_id: str, source: str = Source.INTEGRATION, **fields
) -> tuple[Asset, bool]:
    """Create or update the asset with this external id (idempotent: same payload, one asset)."""
    external_id = (external_id or "").strip()
    if not external_id:
        raise ValidationError({"external_id": "An upsert needs an external id."})
    existing = Asset.objects.select_for_update().filter(external_id=external_id).first()
    if existing is None:
        missing = [f for f in ("name", "asset_type", "owner") if fields.get(f) in (None, "")]
        if missing:
            raise ValidationError({f: "Required to create a new asset." for f in missing})
        asset = asset_create(actor=actor, external_id=external_id, source=source, **fields)
        return asset, True
    changed = {
        f: v
        for f, v in fields.items()
        if getattr(existing, f"{f}_id" if f in ("owner", "custodian", "supplier") else f)
        != (getattr(v, "pk", v))
    }
    if not changed:
        return existing, False
    return asset_update(actor=actor, asset=existing, **changed), False


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
    set lifecycle stage). A refusal names every asset that could not take it."""
    assets = _bulk_assets(asset_ids)
    refused = [a.name for a in assets if not can_edit_asset(actor, a)]
    if refused:
        raise NotPermitted(f"You may not change: {', '.join(refused)}.")
    if fields.get("lifecycle") == Lifecycle.PRODUCTION:
        gated = [
            a.name
            for a in assets
            if a.asset_type in AI_TYPES and a.lifecycle != Lifecycle.PRODUCTION
        ]
        if gated:
            raise Conflict(
                f"Not moved to production: {', '.join(gated)}. {PRODUCTION_GATE_MESSAGE}",
                field="lifecycle",
            )
    for asset in assets:
        asset_update(actor=actor, asset=asset, **fields)
    return len(assets)


def assets_reassign_owner(*, actor: Actor, asset_ids: Iterable[int], new_owner) -> int:
    """Reassign many assets (e.g. those of a member who left) in one action."""
    _require_manager(actor, "reassign owners in bulk")
    return assets_bulk_update(actor=actor, asset_ids=asset_ids, owner=new_owner)
