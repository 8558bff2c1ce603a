"""Writes to the asset register: the only place that changes assets.

Rules kept here, whichever door a change comes through (UI form, bulk action, CSV import,
API, integration upsert):
- who may do what is asked of the policies in assets.access (isms.policy), nothing else;
- the owner is an active member whose role can own records (isms.members: never an auditor;
  a refusal never says whether the user exists elsewhere); only a shadow-AI report awaiting
  triage has none;
- lifecycle moves are LIFECYCLE transitions (isms.workflow); an AI asset reaches `pilot` or
  `production` only through an approved AI change request (risks), never by editing; a
  material edit of an AI asset in pilot or production (model or version, data categories,
  supplier, intended purpose) reopens the gate: the asset is flagged until a new request is
  approved;
- shadow-AI triage is the TRIAGE workflow: accepted or dismissed once, under a row lock;
- updates write only the fields they change (isms.writes.model_update);
- the owner holds guardian's change/record grants on their asset, moved with the ownership
  (AssetPolicy.grant_owner), so an overwritten owner keeps nothing;
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
    GATED_STAGES,
    LIFECYCLE,
    LIFECYCLE_TRANSITIONS,
    OWNER_PERMISSIONS,
    PRODUCTION_GATE_MESSAGE,
    asset_create,
    asset_mark_reviewed,
    asset_promote_to_production,
    asset_reinstate,
    asset_retire,
    asset_set_lifecycle,
    asset_set_risk_tier,
    asset_update,
    asset_upsert,
    assets_bulk_update,
    assets_reassign_owner,
)
from assets.services.shadow import (
    TRIAGE,
    shadow_ai_accept,
    shadow_ai_dismiss,
    shadow_ai_report,
    shadow_ai_report_observed,
)

__all__ = [
    "EDITABLE_FIELDS",
    "GATED_STAGES",
    "LIFECYCLE",
    "LIFECYCLE_TRANSITIONS",
    "OWNER_PERMISSIONS",
    "PRODUCTION_GATE_MESSAGE",
    "TRIAGE",
    "asset_create",
    "asset_mark_reviewed",
    "asset_promote_to_production",
    "asset_reinstate",
    "asset_retire",
    "asset_set_lifecycle",
    "asset_set_risk_tier",
    "asset_update",
    "asset_upsert",
    "assets_bulk_update",
    "assets_reassign_owner",
    "dependency_add",
    "dependency_remove",
    "evaluation_record",
    "shadow_ai_accept",
    "shadow_ai_dismiss",
    "shadow_ai_report",
    "shadow_ai_report_observed",
]
