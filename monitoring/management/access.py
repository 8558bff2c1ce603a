"""Management review policies: officers prepare and change reviews; approving the minutes
is an approval (`monitoring:approve`, a named person) refused to whoever prepared them;
an action's owner (or an officer) updates its state."""

from __future__ import annotations

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
    """An action's owner (their grant) or an officer updates its state."""

    model = ReviewOutput
    domain = "monitoring"
    owner_grant = "change_reviewoutput"

    def describe(self, obj) -> str:
        return "this action" if not isinstance(obj, ReviewOutput) else f"the action “{obj}”"
