"""Who may do what to a policy or a policy version (isms.policy), and nothing else decides.

Policy (the living record):
- view: `policies:read`;
- create: `policies:write`;
- change: `policies:write` and either `policies:manage` (officers, admins, read-write API
  keys) or the owner's `change_policy` grant (django-guardian, PolicyUserObjectPermission,
  moved by the services whenever the owner changes).

PolicyVersion (one text moving through draft → in review → approved → published):
- view: `policies:read`;
- change / delete / submit a draft: `policies:write` and `policies:manage`, or owning the
  policy, or having written the draft (its author);
- return to draft: `policies:write` and `policies:approve`, or being named reviewer or
  approver of this version (a guardian grant on the version);
- approve: a named person (never an API key) holding `policies:approve` at the moment of
  approving (a member demoted since they were named is refused) who is the approver named
  when the version was submitted, and who neither wrote nor reviewed it (segregation of
  duties: ISO/IEC 27001:2022 A.5.3, A.5.1 policies approved by management);
- publish and retire: `policies:write` and `policies:approve`. Putting a text in force for
  every member (or taking it out of force) is a management decision, so it follows the
  approve scope, not `policies:manage`: a read-write API key (manage, never approve) may
  maintain the register but not change which text is in force;
- acknowledge: a person (`policies:write`: auditors are read-only) whom the policy's
  audience addresses (isms.access.in_audience).
"""

from __future__ import annotations

from isms import permissions, policy
from isms.access import Actor, in_audience
from isms.errors import ErrorCode
from isms.policy import Refusal
from policies.models import (
    Policy,
    PolicyControl,
    PolicyVersion,
    PolicyVersionUserObjectPermission,
)

OWNER_GRANT = "change_policy"
REVIEW = "review_policyversion"
APPROVE = "approve_policyversion"


@policy.register
class PolicyPolicy(policy.ModelPolicy):
    model = Policy
    domain = "policies"
    owner_grant = OWNER_GRANT


@policy.register
class PolicyControlPolicy(policy.ManagedPolicy):
    """Links are set through their policy (`change` on the policy): read with policies."""

    model = PolicyControl
    domain = "policies"


def _version_grants(actor: Actor, version: PolicyVersion) -> frozenset[str]:
    """The actor's grants on this version (prefetched by isms.policy.attach_grants)."""
    if actor.user is None or version.pk is None:
        return frozenset()
    prefetched = getattr(version, "_my_grants", None)
    if prefetched is not None:
        return prefetched
    return frozenset(
        PolicyVersionUserObjectPermission.objects.filter(
            user_id=actor.user_id, content_object_id=version.pk
        ).values_list("permission__codename", flat=True)
    )


def reviewer_ids(version: PolicyVersion) -> list[int]:
    if version.pk is None:
        return []
    prefetched = getattr(version, "_reviewer_ids", None)
    if prefetched is not None:
        return prefetched
    return list(
        PolicyVersionUserObjectPermission.objects.filter(
            content_object_id=version.pk, permission__codename=REVIEW
        ).values_list("user_id", flat=True)
    )


@policy.register
class PolicyVersionPolicy(policy.ModelPolicy):
    model = PolicyVersion
    domain = "policies"
    owner_grant = None  # rights on a version follow from the policy (its owner) and the author
    separation_of_duties = {"approve": {"author": "wrote"}}

    def participants(self, action: str, obj) -> dict[int, str]:
        found = super().participants(action, obj)
        if action == "approve":
            for user_id in reviewer_ids(obj):
                found.setdefault(user_id, "reviewed")
        return found

    def describe(self, obj) -> str:
        return f"version {obj.number}" if obj.number else "this version"

    def rule_change(self, actor: Actor, obj) -> Refusal | None:
        refused = self._scope_refusal(actor, self.write_scope)
        if refused is not None:
            return refused
        if actor.has_scope(self.manage_scope):
            return None
        if actor.user_id is not None and actor.user_id == obj.author_id:
            return None
        if obj.policy_id is not None and policy.policy_for(Policy).owns(actor, obj.policy):
            return None
        return Refusal(
            "Only the policy's owner, the version's author or a compliance officer may change "
            f"{self.describe(obj)}."
        )

    def rule_submit(self, actor: Actor, obj) -> Refusal | None:
        return self.rule_change(actor, obj)

    def rule_return_to_draft(self, actor: Actor, obj) -> Refusal | None:
        refused = self._scope_refusal(actor, self.write_scope)
        if refused is not None:
            return refused
        if actor.has_scope(self.approve_scope):
            return None
        if _version_grants(actor, obj) & {REVIEW, APPROVE}:
            return None
        return Refusal(
            "Only this version's reviewers, its approver or a compliance officer may return it."
        )

    def rule_approve(self, actor: Actor, obj) -> Refusal | None:
        # approval_refusal has checked: a person, policies:approve now, not author/reviewer.
        if APPROVE in _version_grants(actor, obj):
            return None
        return Refusal(f"You are not the approver named for {self.describe(obj)}.")

    def rule_publish(self, actor: Actor, obj) -> Refusal | None:
        refused = self._scope_refusal(actor, self.write_scope)
        return refused or self._scope_refusal(actor, self.approve_scope)

    def rule_retire(self, actor: Actor, obj) -> Refusal | None:
        return self.rule_publish(actor, obj)

    def rule_acknowledge(self, actor: Actor, obj) -> Refusal | None:
        if actor.user is None:
            return Refusal("Only a person can acknowledge a policy; an API key cannot.")
        refused = self._scope_refusal(actor, self.write_scope)
        if refused is not None:
            return refused
        if not in_audience(actor, obj.policy.audience_role_list):
            return Refusal("This policy is not addressed to you.", ErrorCode.PERMISSION_DENIED)
        return None


def grant_reviewers(version: PolicyVersion, *, approver, reviewers) -> None:
    """Name this version's approver and reviewers (replacing earlier names)."""
    PolicyVersionUserObjectPermission.objects.filter(content_object=version).delete()
    for reviewer in reviewers:
        permissions.grant(reviewer, f"policies.{REVIEW}", version)
    permissions.grant(approver, f"policies.{APPROVE}", version)


def can_see_acknowledgements(actor: Actor) -> bool:
    """Who has read what is audit evidence: whoever may export evidence (officers, admins,
    auditors) and the organisation's API keys (HR or reminder systems); other members see
    only their own acknowledgements."""
    if not actor.has_scope("policies:read"):
        return False
    return actor.api_key is not None or actor.has_scope("evidence:export")
