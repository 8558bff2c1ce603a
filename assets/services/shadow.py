"""Shadow-AI intake: any member reports a tool in use; officers accept or dismiss it, once.

Triage is the TRIAGE workflow (isms.workflow): the report's row is locked and its state
re-read, so of two officers deciding at the same moment exactly one succeeds and the other
is refused with 409 `invalid_transition`; the asset ends with one owner, and only that owner
holds the owner's grants.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from assets.access import ASSET_POLICY
from assets.models import (
    AI_TYPES,
    Asset,
    AssetType,
    Lifecycle,
    Source,
    Triage,
)
from assets.services.register import _clean, _copy_into, _owner
from isms import policy
from isms.access import Actor
from isms.choices import DataCategory
from isms.workflow import Transition, Workflow, transition

TRIAGE = Workflow(
    Asset,
    state_field="triage_status",
    label="assets: shadow-AI triage",
    transitions=[
        Transition(
            "accept",
            {Triage.PENDING},
            Triage.ACCEPTED,
            "accepted",
            action="triage",
            stamp=("triaged_by", "triaged_at"),
        ),
        Transition(
            "dismiss",
            {Triage.PENDING},
            Triage.DISMISSED,
            "dismissed",
            action="triage",
            stamp=("triaged_by", "triaged_at"),
        ),
    ],
)


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
    policy.require(actor, "report", Asset)
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


@transaction.atomic
def shadow_ai_report_observed(
    *, name: str, seen_as: str, used_by: str, data_categories: list[str], reported_by=None
) -> Asset:
    """A tool the AI usage gateway saw someone try (monitoring.usage): the same report a
    member files, awaiting the same triage. The gateway's API key is not a named person, so
    the caller (the decision service, behind its own scope) answers for the report; the
    person who tried the tool is recorded as its reporter when they are a member."""
    categories = sorted({c for c in data_categories if c in DataCategory.values})
    return Asset.objects.create(
        name=name.strip()[:200],
        asset_type=AssetType.AI_SAAS_TOOL,
        description=f"Seen by the AI usage gateway as {seen_as}.",
        reported_users=used_by.strip()[:300],
        reported_data=", ".join(categories),
        data_categories=categories,
        lifecycle=Lifecycle.PROPOSED,
        source=Source.SHADOW_REPORT,
        triage_status=Triage.PENDING,
        reported_by=reported_by,
        created_by=reported_by,
    )


@transaction.atomic
def shadow_ai_accept(
    *, actor: Actor, asset: Asset, owner, classification: str | None = None, reason: str = ""
) -> Asset:
    """An officer accepts a report into the register, naming its accountable owner."""
    policy.require(actor, "triage", asset)
    if owner in (None, ""):
        raise ValidationError({"owner": "Name the accountable owner to accept the report."})
    owner = _owner(owner)
    if classification:
        _clean({"classification": classification})

    def apply(fresh: Asset) -> list[str]:
        fresh.owner = owner
        changed = ["owner"]
        if classification and classification != fresh.classification:
            fresh.classification = classification
            changed.append("classification")
        return changed

    fresh = transition(TRIAGE, asset, "accept", actor=actor, reason=reason, apply=apply)
    ASSET_POLICY.grant_owner(fresh, owner)
    return _copy_into(asset, fresh)


@transaction.atomic
def shadow_ai_dismiss(*, actor: Actor, asset: Asset, reason: str) -> Asset:
    policy.require(actor, "triage", asset)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the report is dismissed."})

    def apply(fresh: Asset) -> list[str]:
        fresh.triage_reason = reason
        return ["triage_reason"]

    fresh = transition(TRIAGE, asset, "dismiss", actor=actor, reason=reason, apply=apply)
    return _copy_into(asset, fresh)
