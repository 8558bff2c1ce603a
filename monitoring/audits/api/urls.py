from isms.api.routers import org_router
from monitoring.audits.api import views

org_router.register("audit-programmes", views.AuditProgrammeViewSet, basename="auditprogramme")
org_router.register("internal-audits", views.AuditViewSet, basename="audit")
org_router.register("audit-findings", views.AuditFindingViewSet, basename="auditfinding")
