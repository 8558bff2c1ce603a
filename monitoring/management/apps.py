from django.apps import AppConfig


class ManagementConfig(AppConfig):
    name = "monitoring.management"
    label = "monitoring_management"
    verbose_name = "Management review"

    def ready(self) -> None:
        from monitoring.management import access  # noqa: F401  (registers the policies)
