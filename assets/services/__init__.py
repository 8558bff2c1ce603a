"""Writes to the asset register: the only place that changes assets.

Rules kept here, whichever door a change comes through (UI form, bulk action, CSV import,
API, integration upsert):
- the owner is an active member of the organisation (a refusal never says whether the user
  exists elsewhere); only a shadow-AI report awaiting triage has none;
- lifecycle moves follow LIFECYCLE_TRANSITIONS; an AI asset reaches `production` only through
  `asset_promote_to_production()` (the AI change request gate), never by editing it;
- the owner holds guardian's change/record grants on their asset, moved with the ownership;
- dependencies never form a cycle.
"""

from assets.services.dependencies import (
    dependency_add,
    dependency_remove,
)
from assets.services.evaluations import (
    evaluation_record,
)
from assets.services.register import (
    EDITABLE_FIELDS,
    LIFECYCLE_TRANSITIONS,
    MANAGER_ROLES,
    OWNER_PERMISSIONS,
    PRODUCTION_GATE_MESSAGE,
    active_member_ids,
    asset_create,
    asset_mark_reviewed,
    asset_promote_to_production,
    asset_retire,
    asset_set_lifecycle,
    asset_set_risk_tier,
    asset_update,
    asset_upsert,
    assets_bulk_update,
    assets_reassign_owner,
    can_edit_asset,
    can_record_evaluation,
    is_asset_manager,
)
from assets.services.shadow import (
    shadow_ai_accept,
    shadow_ai_dismiss,
    shadow_ai_report,
)

__all__ = [
    "EDITABLE_FIELDS",
    "LIFECYCLE_TRANSITIONS",
    "MANAGER_ROLES",
    "OWNER_PERMISSIONS",
    "PRODUCTION_GATE_MESSAGE",
    "active_member_ids",
    "asset_create",
    "asset_mark_reviewed",
    "asset_promote_to_production",
    "asset_retire",
    "asset_set_lifecycle",
    "asset_set_risk_tier",
    "asset_update",
    "asset_upsert",
    "assets_bulk_update",
    "assets_reassign_owner",
    "can_edit_asset",
    "can_record_evaluation",
    "dependency_add",
    "dependency_remove",
    "evaluation_record",
    "is_asset_manager",
    "shadow_ai_accept",
    "shadow_ai_dismiss",
    "shadow_ai_report",
]
