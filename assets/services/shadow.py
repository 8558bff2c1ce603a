"""Shadow-AI intake: any member reports a tool in use; officers accept or dismiss it."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from assets.models import (
    AI_TYPES,
    Asset,
    AssetType,
    Lifecycle,
    Source,
    Triage,
)
from assets.services.register import (
    _clean,
    _member,
    _require_manager,
    _sync_owner_grants,
)
from isms.access import Actor
from isms.choices import DataCategory
from isms.errors import NotPermitted, TransitionRefused

# --- Shadow AI intake ------------------------------------------------------------------------


@transaction.atomic
def shadow_ai_report(
    *,
    actor: Actor,
    name: str,
    used_by: str,
    purpose: str,
    data_going_in: str,
    data_categories: list[str] | None = None,
    asset_type: str = AssetType.AI_SAAS_TOOL,
) -> Asset:
    """Any member (not a read-only auditor) reports an AI tool in use: a `proposed` asset
    awaiting officers' triage."""
    if not actor.has_scope("assets:write") or actor.user is None:
        raise NotPermitted("Only members of the organisation may report an AI tool.")
    errors = {}
    if not (name or "").strip():
        errors["name"] = "Say which tool it is."
    if not (purpose or "").strip():
        errors["purpose"] = "Say what it is used for."
    if asset_type not in AI_TYPES:
        errors["asset_type"] = "Report AI tools here; add other assets in the register."
    bad = [c for c in data_categories or [] if c not in DataCategory.values]
    if bad:
        errors["data_categories"] = f"Unknown data categories: {', '.join(bad)}."
    if errors:
        raise ValidationError(errors)
    return Asset.objects.create(
        name=name.strip(),
        asset_type=asset_type,
        description=purpose.strip(),
        intended_purpose=purpose.strip(),
        reported_users=(used_by or "").strip(),
        reported_data=(data_going_in or "").strip(),
        data_categories=sorted(set(data_categories or [])),
        lifecycle=Lifecycle.PROPOSED,
        source=Source.SHADOW_REPORT,
        triage_status=Triage.PENDING,
        reported_by=actor.user,
        created_by=actor.user,
    )


def _pending(asset: Asset) -> None:
    if asset.triage_status != Triage.PENDING:
        raise TransitionRefused(
            f"{asset.name} is not awaiting triage "
            f"(it is {asset.get_triage_status_display().lower()})."
        )


@transaction.atomic
def shadow_ai_accept(
    *, actor: Actor, asset: Asset, owner, classification: str | None = None
) -> Asset:
    """An officer accepts a report into the register, naming its accountable owner."""
    _require_manager(actor, "triage reported AI tools")
    _pending(asset)
    if owner is None:
        raise ValidationError({"owner": "Name the accountable owner to accept the report."})
    owner = _member(owner, "owner")
    if classification:
        _clean({"classification": classification})
        asset.classification = classification
    asset.owner = owner
    asset.triage_status = Triage.ACCEPTED
    asset.triaged_by = actor.user
    asset.triaged_at = timezone.now()
    asset.save()
    _sync_owner_grants(asset, None)
    return asset


@transaction.atomic
def shadow_ai_dismiss(*, actor: Actor, asset: Asset, reason: str) -> Asset:
    _require_manager(actor, "triage reported AI tools")
    _pending(asset)
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the report is dismissed."})
    asset.triage_status = Triage.DISMISSED
    asset.triage_reason = reason.strip()
    asset.triaged_by = actor.user
    asset.triaged_at = timezone.now()
    asset.save()
    return asset
