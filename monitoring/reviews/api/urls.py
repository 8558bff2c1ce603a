from isms.api.routers import org_router

from .views import AIReviewViewSet, ReviewScheduleViewSet

org_router.register("review-schedules", ReviewScheduleViewSet, basename="review-schedule")
org_router.register("ai-reviews", AIReviewViewSet, basename="ai-review")
