from django.apps import AppConfig


class ManagementConfig(AppConfig):
    name = "monitoring.management"
    label = "monitoring_management"
    verbose_name = "Management review"

    def ready(self) -> None:
        from monitoring.management import (  # noqa: F401
            access,  # registers the policies
            due,  # its deadlines are due sources of the inbox
        )
