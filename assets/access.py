"""Who may do what in the asset register: the policies of its models (isms.policy).

Imported from AssetsConfig.ready(). Scopes come from isms.access; nothing here (or anywhere
in assets/) reads a role name.

Asset
- view: `assets:read`.
- create: `assets:write` (contributors add assets, naming an owner who can own records).
- change / delete / promote / retire / reinstate: `assets:write` and either `assets:manage`
  (officers, admins, read-write API keys) or the owner's guardian grant `change_asset`.
- record_evaluation: `assets:write` and either `assets:manage` or the owner's grant
  `record_evaluation` (the owner receives both grants; they move with the ownership).
- triage (accept or dismiss a shadow-AI report): `assets:write` and `assets:manage`.
- manage (bulk changes, CSV import, bulk reassignment): `assets:write` and `assets:manage`.
- report (report an AI tool in use): `assets:write` and a named person (not an API key).

AssetDependency: view `assets:read`; change/delete = change of the dependent asset.
ResponsibleAIEvaluation: view `assets:read`; change/delete = record_evaluation on its asset.
"""

from __future__ import annotations

from isms import policy
from isms.access import Actor
from isms.errors import ErrorCode
from isms.policy import Refusal

from .models import Asset, AssetDependency, ResponsibleAIEvaluation


@policy.register
class AssetPolicy(policy.ModelPolicy):
    model = Asset
    domain = "assets"
    owner_grant = "change_asset"
    owner_grants = ("change_asset", "record_evaluation")

    def rule_create(self, actor: Actor, obj) -> Refusal | None:
        return self._scope_refusal(actor, self.write_scope)

    def rule_promote(self, actor: Actor, obj) -> Refusal | None:
        return self.rule_change(actor, obj)

    def rule_retire(self, actor: Actor, obj) -> Refusal | None:
        return self.rule_change(actor, obj)

    def rule_reinstate(self, actor: Actor, obj) -> Refusal | None:
        return self.rule_change(actor, obj)

    def rule_record_evaluation(self, actor: Actor, obj) -> Refusal | None:
        refused = self._scope_refusal(actor, self.write_scope)
        if refused is not None:
            return refused
        if actor.has_scope(self.manage_scope) or self.holds(actor, "record_evaluation", obj):
            return None
        return Refusal(
            f"Only the owner of {self.describe(obj)} or a compliance officer may record its "
            "evaluations."
        )

    def rule_triage(self, actor: Actor, obj) -> Refusal | None:
        return self.rule_manage(actor, obj)

    def rule_report(self, actor: Actor, obj) -> Refusal | None:
        refused = self._scope_refusal(actor, self.write_scope)
        if refused is not None:
            return refused
        if actor.user is None:
            return Refusal(
                "A shadow-AI report needs a named person; an API key cannot report.",
                ErrorCode.PERMISSION_DENIED,
            )
        return None

    def describe(self, obj) -> str:
        if not isinstance(obj, Asset):
            return "this asset"
        return super().describe(obj)


@policy.register
class AssetDependencyPolicy(policy.ModelPolicy):
    """A dependency belongs to the asset that depends: whoever may change that asset."""

    model = AssetDependency
    domain = "assets"

    def rule_change(self, actor: Actor, obj) -> Refusal | None:
        return policy.refusal(actor, "change", obj.asset)

    def rule_delete(self, actor: Actor, obj) -> Refusal | None:
        return self.rule_change(actor, obj)


@policy.register
class ResponsibleAIEvaluationPolicy(policy.ModelPolicy):
    """An evaluation belongs to its asset: whoever may record evaluations of it."""

    model = ResponsibleAIEvaluation
    domain = "assets"

    def rule_change(self, actor: Actor, obj) -> Refusal | None:
        return policy.refusal(actor, "record_evaluation", obj.asset)

    def rule_delete(self, actor: Actor, obj) -> Refusal | None:
        return self.rule_change(actor, obj)


ASSET_POLICY: AssetPolicy = policy.policy_for(Asset)  # type: ignore[assignment]
