from isms.api.routers import org_router
from monitoring.incidents.api import views

org_router.register("incidents", views.IncidentViewSet, basename="incident")
org_router.register(
    "incident-reporting-clocks", views.ReportingClockViewSet, basename="reportingclock"
)
org_router.register("incident-timeline", views.TimelineEntryViewSet, basename="timelineentry")
org_router.register("incident-evidence", views.IncidentEvidenceViewSet, basename="incidentevidence")
