from isms.api.routers import org_router
from monitoring.usage.api.views import UsageDecisionViewSet

org_router.register("ai-usage/decisions", UsageDecisionViewSet, basename="ai-usage-decision")
# A gateway asks before every request its users make: resolve its route first.
org_router.resolve_first("ai-usage/decisions")
