"""Who may do what with checks and metrics.

Runs and points are records: nobody edits them (the database refuses it too). Running the
checks on demand, pushing metrics and setting thresholds are register-wide acts of the
monitoring domain (`monitoring:manage`: officers, admins, read-write API keys)."""

from __future__ import annotations

from isms import policy
from isms.access import Actor
from monitoring.checks.models import (
    CheckRun,
    ControlEvidence,
    ControlTestResult,
    MetricPoint,
    MetricThreshold,
    MonitoringPlan,
)


class _RecordPolicy(policy.ModelPolicy):
    domain = "monitoring"
    record = "record"

    def rule_change(self, actor: Actor, obj) -> policy.Refusal | None:
        return policy.Refusal(f"A {self.record} is evidence and cannot be changed.")

    def rule_delete(self, actor: Actor, obj) -> policy.Refusal | None:
        return self.rule_change(actor, obj)


@policy.register
class CheckRunPolicy(_RecordPolicy):
    model = CheckRun
    record = "check run"

    def rule_run(self, actor: Actor, obj) -> policy.Refusal | None:
        return self.rule_manage(actor, obj)


@policy.register
class MetricPointPolicy(_RecordPolicy):
    model = MetricPoint
    record = "metric point"

    def rule_ingest(self, actor: Actor, obj) -> policy.Refusal | None:
        return self.rule_manage(actor, obj)


@policy.register
class MetricThresholdPolicy(policy.ModelPolicy):
    model = MetricThreshold
    domain = "monitoring"  # no owner grant: changing a threshold needs monitoring:manage


@policy.register
class ControlTestResultPolicy(_RecordPolicy):
    model = ControlTestResult
    record = "control test result"

    def rule_ingest(self, actor: Actor, obj) -> policy.Refusal | None:
        return self.rule_manage(actor, obj)


@policy.register
class ControlEvidencePolicy(policy.ModelPolicy):
    model = ControlEvidence
    domain = "monitoring"


@policy.register
class MonitoringPlanPolicy(policy.ModelPolicy):
    model = MonitoringPlan
    domain = "monitoring"
