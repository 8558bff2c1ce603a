"""Internal audit policies (domain "monitoring"): officers plan programmes and audits; an
audit's auditor (or an officer) conducts it: checklist, sampled evidence, findings, report."""

from __future__ import annotations

from django.db.models import QuerySet

from isms import policy
from isms.access import Actor
from isms.policy import ManagedPolicy, ModelPolicy, Refusal
from monitoring.audits.models import Audit, AuditFinding, AuditProgramme


@policy.register
class AuditProgrammePolicy(ManagedPolicy):
    model = AuditProgramme
    domain = "monitoring"


@policy.register
class AuditPolicy(ModelPolicy):
    model = Audit
    domain = "monitoring"

    def rule_change(self, actor: Actor, obj) -> Refusal | None:
        refused = self._scope_refusal(actor, self.write_scope)
        if refused is not None:
            return refused
        if actor.has_scope(self.manage_scope) or (
            actor.user_id is not None and actor.user_id == obj.auditor_id
        ):
            return None
        return Refusal("Only the audit's auditor or a compliance officer may change it.")

    def rule_conduct(self, actor: Actor, obj) -> Refusal | None:
        return self.rule_change(actor, obj)

    def restrict(self, actor: Actor, action: str, queryset: QuerySet) -> QuerySet:
        if action in {"change", "delete"}:
            if not actor.has_scope(self.write_scope):
                return queryset.none()
            if actor.has_scope(self.manage_scope):
                return queryset
            return queryset.filter(auditor_id=actor.user_id)
        return super().restrict(actor, action, queryset)


@policy.register
class AuditFindingPolicy(ModelPolicy):
    model = AuditFinding
    domain = "monitoring"

    def rule_change(self, actor: Actor, obj) -> Refusal | None:
        return policy.refusal(actor, "change", obj.audit)

    def restrict(self, actor: Actor, action: str, queryset: QuerySet) -> QuerySet:
        if action in {"change", "delete"}:
            audits = policy.restrict(actor, "change", Audit.objects.all())
            return queryset.filter(audit__in=audits)
        return super().restrict(actor, action, queryset)
