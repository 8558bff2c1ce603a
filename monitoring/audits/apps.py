from django.apps import AppConfig


class AuditsConfig(AppConfig):
    name = "monitoring.audits"
    label = "monitoring_audits"
    verbose_name = "Internal audit"

    def ready(self) -> None:
        from monitoring.audits import (  # noqa: F401
            access,  # registers the policies
            due,  # its deadlines are due sources of the inbox
        )
