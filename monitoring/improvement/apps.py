from django.apps import AppConfig


class ImprovementConfig(AppConfig):
    name = "monitoring.improvement"
    label = "monitoring_improvement"
    verbose_name = "Nonconformities and corrective action"

    def ready(self) -> None:
        from monitoring.improvement import (  # noqa: F401
            access,  # registers the policies
            due,  # its deadlines are due sources of the inbox
        )
