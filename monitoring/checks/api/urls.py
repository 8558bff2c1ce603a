from isms.api.routers import org_router

from .views import CheckRunViewSet, MetricPointViewSet, MetricThresholdViewSet

org_router.register("check-runs", CheckRunViewSet, basename="check-run")
org_router.register("metric-points", MetricPointViewSet, basename="metric-point")
org_router.register("metric-thresholds", MetricThresholdViewSet, basename="metric-threshold")
