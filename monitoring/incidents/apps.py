from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "monitoring.incidents"
    label = "monitoring_incidents"
    verbose_name = "Incidents"

    def ready(self) -> None:
        from monitoring.incidents import (  # noqa: F401
            access,  # registers the policies
            due,  # its deadlines are due sources of the inbox
        )
