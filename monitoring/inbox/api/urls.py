from isms.api.routers import org_router

from .views import NotificationViewSet

org_router.register("notifications", NotificationViewSet, basename="notification")
