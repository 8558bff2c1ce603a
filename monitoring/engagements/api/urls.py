from isms.api.routers import org_router
from monitoring.engagements.api import views

org_router.register("engagements", views.EngagementViewSet, basename="engagement")
org_router.register("evidence-requests", views.EvidenceRequestViewSet, basename="evidencerequest")
