from isms.api.routers import org_router
from policies.api import views

org_router.register("policies", views.PolicyViewSet, basename="policy")
org_router.register("policy-versions", views.PolicyVersionViewSet, basename="policyversion")
org_router.register(
    "policy-acknowledgements", views.AcknowledgementViewSet, basename="acknowledgement"
)
org_router.register("policy-templates", views.StarterTemplateViewSet, basename="policytemplate")
