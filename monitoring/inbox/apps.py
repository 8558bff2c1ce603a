from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "monitoring.inbox"
    label = "monitoring_inbox"
    verbose_name = "Reminders and task inbox"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from isms import home

        from . import (
            access,  # noqa: F401  (registers the notification policies)
            due_sources,  # noqa: F401  (registers the due sources of the registers below)
            signals,  # noqa: F401  (starter settings for new organisations)
        )
        from .selectors import home_figures

        home.register(home_figures)
