from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "monitoring.reviews"
    label = "monitoring_reviews"
    verbose_name = "Review schedules and AI-system reviews"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import (
            access,  # noqa: F401  (registers the policies)
            due,  # noqa: F401  (due reviews are a due source of the inbox)
            services,  # noqa: F401  (declares the sign-off workflow)
            signals,  # noqa: F401  (starter settings for new organisations)
        )
