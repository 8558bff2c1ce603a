from isms.api.routers import org_router

from .views import (
    CheckRunViewSet,
    ControlEvidenceViewSet,
    ControlTestResultViewSet,
    MetricPointViewSet,
    MetricThresholdViewSet,
    MonitoringPlanViewSet,
)

org_router.register("check-runs", CheckRunViewSet, basename="check-run")
org_router.register("metric-points", MetricPointViewSet, basename="metric-point")
org_router.register("metric-thresholds", MetricThresholdViewSet, basename="metric-threshold")
org_router.register(
    "control-test-results", ControlTestResultViewSet, basename="control-test-result"
)
org_router.register("control-evidence", ControlEvidenceViewSet, basename="control-evidence")
org_router.register("monitoring-plans", MonitoringPlanViewSet, basename="monitoring-plan")
