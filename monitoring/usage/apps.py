from django.apps import AppConfig


class UsageConfig(AppConfig):
    name = "monitoring.usage"
    label = "monitoring_usage"
    verbose_name = "AI usage decisions"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from monitoring.usage import (
            access,  # noqa: F401  (registers the policies)
            checks,  # noqa: F401  (registers its Clause 9.1 check)
            invalidation,
        )

        invalidation.connect()
