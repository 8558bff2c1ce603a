"""Who may do what in Clause 10 (isms.policy, domain "monitoring").

- raising a nonconformity or logging an improvement needs `monitoring:write`;
- a nonconformity's owner or an officer changes it and plans its corrective actions;
- an action's owner (or an officer) works on it and marks it done;
- verifying an action's effectiveness is an approval: a named person with
  `monitoring:approve`, never the action's owner (segregation of duties, 10.2 d/f);
- closing a nonconformity: its owner or an officer.
"""

from __future__ import annotations

from django.db.models import QuerySet

from isms import policy
from isms.access import Actor
from isms.policy import ModelPolicy, Refusal
from monitoring.improvement.models import CorrectiveAction, ImprovementEntry, Nonconformity


@policy.register
class NonconformityPolicy(ModelPolicy):
    model = Nonconformity
    domain = "monitoring"
    owner_grant = "change_nonconformity"

    def rule_raise(self, actor: Actor, obj) -> Refusal | None:
        return self._scope_refusal(actor, self.write_scope)

    def rule_close(self, actor: Actor, obj) -> Refusal | None:
        return self.rule_change(actor, obj)


@policy.register
class CorrectiveActionPolicy(ModelPolicy):
    model = CorrectiveAction
    domain = "monitoring"
    owner_grant = "change_correctiveaction"
    approvals = frozenset({"verify", "reject"})
    separation_of_duties = {
        "verify": {"owner": "own the action"},
        "reject": {"owner": "own the action"},
    }

    def rule_verify(self, actor: Actor, obj) -> Refusal | None:
        return None  # approval_refusal has checked the scope and the duties

    def rule_reject(self, actor: Actor, obj) -> Refusal | None:
        return None

    def rule_plan(self, actor: Actor, obj) -> Refusal | None:
        """Adding or rescheduling an action: whoever may change its nonconformity."""
        return policy.refusal(actor, "change", obj.nonconformity)

    def rule_change(self, actor: Actor, obj) -> Refusal | None:
        refused = super().rule_change(actor, obj)
        if refused is None:
            return None
        if obj.nonconformity_id and policy.can(actor, "change", obj.nonconformity):
            return None
        return refused

    def rule_start(self, actor: Actor, obj) -> Refusal | None:
        return self.rule_change(actor, obj)

    def rule_complete(self, actor: Actor, obj) -> Refusal | None:
        return self.rule_change(actor, obj)

    def restrict(self, actor: Actor, action: str, queryset: QuerySet) -> QuerySet:
        if action in {"change", "delete"} and not actor.has_scope(self.manage_scope):
            if not actor.has_scope(self.write_scope) or actor.user is None:
                return queryset.none()
            mine = super().restrict(actor, action, queryset)
            ncs = policy.restrict(actor, "change", Nonconformity.objects.all())
            return queryset.filter(pk__in=mine.values("pk")) | queryset.filter(
                nonconformity__in=ncs
            )
        return super().restrict(actor, action, queryset)


@policy.register
class ImprovementEntryPolicy(ModelPolicy):
    model = ImprovementEntry
    domain = "monitoring"

    def rule_change(self, actor: Actor, obj) -> Refusal | None:
        refused = self._scope_refusal(actor, self.write_scope)
        if refused is not None:
            return refused
        if actor.has_scope(self.manage_scope) or (
            actor.user_id is not None and actor.user_id in {obj.owner_id, obj.created_by_id}
        ):
            return None
        return Refusal("Only whoever logged or owns this entry, or an officer, may change it.")

    def restrict(self, actor: Actor, action: str, queryset: QuerySet) -> QuerySet:
        if action in {"change", "delete"}:
            if not actor.has_scope(self.write_scope):
                return queryset.none()
            if actor.has_scope(self.manage_scope):
                return queryset
            return queryset.filter(owner_id=actor.user_id) | queryset.filter(
                created_by_id=actor.user_id
            )
        return super().restrict(actor, action, queryset)
