"""Who may do what to incidents (isms.policy, domain "monitoring").

- anyone with `monitoring:write` reports an incident (staff intake); reading needs
  `monitoring:read`;
- triage (accept with an owner, or dismiss), the decision to suspend a system and the
  organisation's settings and concern links need `monitoring:manage` (officers);
- the incident's owner (their guardian grant) or an officer changes it, records reports
  to authorities, adds timeline entries and evidence, contains and closes it;
- the rows of an incident (affected assets, suppliers, timeline, evidence, clocks) follow
  their incident.
"""

from __future__ import annotations

from django.db.models import QuerySet

from isms import policy
from isms.access import Actor
from isms.policy import ManagedPolicy, ModelPolicy, Refusal
from monitoring.incidents.models import (
    ConcernChannel,
    Incident,
    IncidentAsset,
    IncidentEvidence,
    IncidentSettings,
    IncidentSupplier,
    ReportingClock,
    TimelineEntry,
)


@policy.register
class IncidentPolicy(ModelPolicy):
    model = Incident
    domain = "monitoring"
    owner_grant = "change_incident"

    def rule_report(self, actor: Actor, obj) -> Refusal | None:
        return self._scope_refusal(actor, self.write_scope)

    def rule_triage(self, actor: Actor, obj) -> Refusal | None:
        refused = self.rule_manage(actor, obj)
        if refused is not None:
            return Refusal("Only a compliance officer triages incidents.", refused.code)
        return None

    def rule_suspend(self, actor: Actor, obj) -> Refusal | None:
        refused = self.rule_manage(actor, obj)
        if refused is not None:
            return Refusal("Only a compliance officer decides to suspend a system.", refused.code)
        return None

    def rule_contain(self, actor: Actor, obj) -> Refusal | None:
        return self.rule_change(actor, obj)

    def rule_close(self, actor: Actor, obj) -> Refusal | None:
        return self.rule_change(actor, obj)


class IncidentChildPolicy(ModelPolicy):
    """A row of an incident: viewing and changing follow the incident."""

    domain = "monitoring"

    def rule_change(self, actor: Actor, obj) -> Refusal | None:
        return policy.refusal(actor, "change", obj.incident)

    def restrict(self, actor: Actor, action: str, queryset: QuerySet) -> QuerySet:
        if action in {"change", "delete"}:
            if not actor.has_scope(self.write_scope):
                return queryset.none()
            if actor.has_scope(self.manage_scope):
                return queryset
            incidents = policy.restrict(actor, "change", Incident.objects.all())
            return queryset.filter(incident__in=incidents)
        return super().restrict(actor, action, queryset)


for _model in (IncidentAsset, IncidentSupplier, TimelineEntry, IncidentEvidence, ReportingClock):
    policy.register(type(f"{_model.__name__}Policy", (IncidentChildPolicy,), {"model": _model}))


class OfficerOnlyPolicy(ManagedPolicy):
    """Organisation-wide settings: officers change them."""

    domain = "monitoring"


@policy.register
class IncidentSettingsPolicy(OfficerOnlyPolicy):
    model = IncidentSettings


@policy.register
class ConcernChannelPolicy(OfficerOnlyPolicy):
    model = ConcernChannel
