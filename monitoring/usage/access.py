"""Who may see the evidence of AI use and change how strict decisions are: the monitoring
register's scopes (officers manage the settings; every reader sees the page)."""

from __future__ import annotations

from isms import policy
from monitoring.usage.models import (
    ShadowToolSighting,
    UsageDenial,
    UsagePersonDay,
    UsageSettings,
    UsageTally,
)


@policy.register
class UsageSettingsPolicy(policy.ManagedPolicy):
    model = UsageSettings
    domain = "monitoring"


for _model in (UsageTally, UsagePersonDay, UsageDenial, ShadowToolSighting):

    @policy.register
    class _EvidencePolicy(policy.ManagedPolicy):
        model = _model
        domain = "monitoring"
