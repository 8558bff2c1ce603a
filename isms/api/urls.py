from isms.api import lifecycle, views
from isms.api.routers import org_router

org_router.register("frameworks", views.FrameworkViewSet, basename="framework")
org_router.register("controls", views.ControlViewSet, basename="control")
org_router.register("members", views.MembershipViewSet, basename="member")
org_router.register("audit-events", views.AuditEventViewSet, basename="auditevent")
org_router.register("profile", views.OrganizationProfileViewSet, basename="organizationprofile")
org_router.register(
    "organization-exports", lifecycle.OrganizationExportViewSet, basename="organizationexport"
)

from isms.webhooks import api as webhooks_api  # noqa: E402

org_router.register("webhooks", webhooks_api.WebhookEndpointViewSet, basename="webhook")
org_router.register(
    "webhook-deliveries", webhooks_api.WebhookDeliveryViewSet, basename="webhookdelivery"
)
