from isms.api.routers import org_router
from monitoring.packs.api import views

org_router.register("evidence-packs", views.EvidencePackViewSet, basename="evidencepack")
org_router.register("pack-schedules", views.PackScheduleViewSet, basename="packschedule")
