from isms.api.routers import org_router
from monitoring.management.api import views

org_router.register(
    "management-reviews", views.ManagementReviewViewSet, basename="managementreview"
)
org_router.register("management-review-outputs", views.ReviewOutputViewSet, basename="reviewoutput")
