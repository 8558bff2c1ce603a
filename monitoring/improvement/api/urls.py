from isms.api.routers import org_router
from monitoring.improvement.api import views

org_router.register("nonconformities", views.NonconformityViewSet, basename="nonconformity")
org_router.register(
    "corrective-actions", views.CorrectiveActionViewSet, basename="correctiveaction"
)
org_router.register("improvement-log", views.ImprovementEntryViewSet, basename="improvemententry")
