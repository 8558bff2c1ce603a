from django.apps import AppConfig


class ImprovementConfig(AppConfig):
    name = "monitoring.improvement"
    label = "monitoring_improvement"
    verbose_name = "Nonconformities and corrective action"

    def ready(self) -> None:
        from monitoring.improvement import access  # noqa: F401  (registers the policies)
