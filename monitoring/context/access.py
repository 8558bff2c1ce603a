"""Context, scope and objectives policies: officers keep the records (`monitoring:manage`);
approving a scope version is an approval (`monitoring:approve`, a named person) refused to
whoever prepared it; an objective's owner (their grant) or an officer records measurements."""

from __future__ import annotations

from isms import policy
from isms.access import Actor
from isms.policy import ManagedPolicy, ModelPolicy, Refusal
from monitoring.context.models import (
    ContextIssue,
    InterestedParty,
    Objective,
    ObjectiveMeasurement,
    ScopeStatement,
)


@policy.register
class ContextIssuePolicy(ManagedPolicy):
    model = ContextIssue
    domain = "monitoring"


@policy.register
class InterestedPartyPolicy(ManagedPolicy):
    model = InterestedParty
    domain = "monitoring"


@policy.register
class ScopeStatementPolicy(ManagedPolicy):
    model = ScopeStatement
    domain = "monitoring"
    separation_of_duties = {"approve": {"prepared_by": "prepared"}}

    def rule_submit(self, actor: Actor, obj) -> Refusal | None:
        return self.rule_manage(actor, obj)

    def rule_return(self, actor: Actor, obj) -> Refusal | None:
        return self.rule_manage(actor, obj)

    def describe(self, obj) -> str:
        return "this scope statement" if not isinstance(obj, ScopeStatement) else f"{obj}"


@policy.register
class ObjectivePolicy(ModelPolicy):
    """Officers set objectives; the owner (their grant) or an officer measures them."""

    model = Objective
    domain = "monitoring"
    owner_grant = "change_objective"

    def rule_create(self, actor: Actor, obj) -> Refusal | None:
        return self.rule_manage(actor, obj)

    def rule_measure(self, actor: Actor, obj) -> Refusal | None:
        return self.rule_change(actor, obj)


@policy.register
class ObjectiveMeasurementPolicy(ManagedPolicy):
    """Measurements are recorded through their objective (`measure`); never edited."""

    model = ObjectiveMeasurement
    domain = "monitoring"
