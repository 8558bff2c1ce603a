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
    """Change and conduct: `monitoring:write` and either `monitoring:manage` or the auditor's
    grant (given to whoever is named auditor, taken back when another is named)."""

    model = Audit
    domain = "monitoring"
    owner_grant = "change_audit"

    def rule_conduct(self, actor: Actor, obj) -> Refusal | None:
        return self.rule_change(actor, obj)

    def describe(self, obj) -> str:
        return f"the audit “{obj.title}”" if isinstance(obj, Audit) else "this audit"


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
