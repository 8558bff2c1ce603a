from isms.api.routers import org_router
from monitoring.context.api import views

org_router.register("context-issues", views.ContextIssueViewSet, basename="contextissue")
org_router.register("interested-parties", views.InterestedPartyViewSet, basename="interestedparty")
org_router.register("scope-statements", views.ScopeStatementViewSet, basename="scopestatement")
org_router.register("objectives", views.ObjectiveViewSet, basename="objective")
org_router.register(
    "objective-measurements", views.ObjectiveMeasurementViewSet, basename="objectivemeasurement"
)
