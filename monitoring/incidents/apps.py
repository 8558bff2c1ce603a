from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "monitoring.incidents"
    label = "monitoring_incidents"
    verbose_name = "Incidents"

    def ready(self) -> None:
        from monitoring.incidents import access  # noqa: F401  (registers the policies)
