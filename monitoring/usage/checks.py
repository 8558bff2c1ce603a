"""The Clause 9.1 check the gateway's evidence feeds (monitoring.checks): shadow AI seen at the
gateway is triaged within a week."""

from __future__ import annotations

from datetime import date, timedelta

from assets.models import Triage
from monitoring.checks.definitions import _count_outcome
from monitoring.checks.registry import ISO27001, ISO42001, Outcome, check
from monitoring.usage.models import ShadowToolSighting

TRIAGE_WITHIN_DAYS = 7


@check(
    "gateway_shadow_ai_triaged",
    title="Shadow AI seen at the gateway triaged within a week",
    controls=[(ISO27001, "5.9"), (ISO27001, "5.10"), (ISO42001, "A.9.2")],
    description=(
        "Every AI tool someone tried through the gateway that is not in the register has had "
        f"its shadow-AI report accepted or dismissed within {TRIAGE_WITHIN_DAYS} days."
    ),
)
def gateway_shadow_ai_triaged(today: date) -> Outcome:
    queryset = ShadowToolSighting.objects.filter(
        report__triage_status=Triage.PENDING,
        first_seen__date__lt=today - timedelta(days=TRIAGE_WITHIN_DAYS),
    )
    return _count_outcome(
        queryset, "shadow_sighting", "tool_key", "Tools seen at the gateway awaiting triage"
    )
