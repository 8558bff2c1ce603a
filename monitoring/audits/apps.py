from django.apps import AppConfig


class AuditsConfig(AppConfig):
    name = "monitoring.audits"
    label = "monitoring_audits"
    verbose_name = "Internal audit"

    def ready(self) -> None:
        from monitoring.audits import access  # noqa: F401  (registers the policies)
