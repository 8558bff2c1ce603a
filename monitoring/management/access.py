"""Management review policies: officers prepare and change reviews; approving the minutes
is an approval (`monitoring:approve`, a named person) refused to whoever prepared them;
an action's owner (or an officer) updates its state."""

from __future__ import annotations

from django.db.models import QuerySet

from isms import policy
from isms.access import Actor
from isms.policy import ManagedPolicy, ModelPolicy, Refusal
from monitoring.management.models import ManagementReview, ReviewOutput


@policy.register
class ManagementReviewPolicy(ManagedPolicy):
    model = ManagementReview
    domain = "monitoring"
    separation_of_duties = {"approve": {"prepared_by": "prepared"}}

    def rule_submit(self, actor: Actor, obj) -> Refusal | None:
        return self.rule_manage(actor, obj)

    def rule_return(self, actor: Actor, obj) -> Refusal | None:
        return self.rule_manage(actor, obj)


@policy.register
class ReviewOutputPolicy(ModelPolicy):
    model = ReviewOutput
    domain = "monitoring"

    def rule_change(self, actor: Actor, obj) -> Refusal | None:
        refused = self._scope_refusal(actor, self.write_scope)
        if refused is not None:
            return refused
        if actor.has_scope(self.manage_scope) or (
            actor.user_id is not None and actor.user_id == obj.owner_id
        ):
            return None
        return Refusal("Only the action's owner or a compliance officer may update it.")

    def restrict(self, actor: Actor, action: str, queryset: QuerySet) -> QuerySet:
        if action in {"change", "delete"}:
            if not actor.has_scope(self.write_scope):
                return queryset.none()
            if actor.has_scope(self.manage_scope):
                return queryset
            return queryset.filter(owner_id=actor.user_id)
        return super().restrict(actor, action, queryset)
