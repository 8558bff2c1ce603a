from isms.api import views
from isms.api.routers import org_router

org_router.register("frameworks", views.FrameworkViewSet, basename="framework")
org_router.register("controls", views.ControlViewSet, basename="control")
org_router.register("members", views.MembershipViewSet, basename="member")
org_router.register("audit-events", views.AuditEventViewSet, basename="auditevent")
