from django.apps import AppConfig


class ContextConfig(AppConfig):
    name = "monitoring.context"
    label = "monitoring_context"
    verbose_name = "Context, scope and objectives"

    def ready(self) -> None:
        from isms import home
        from monitoring.context import (  # noqa: F401
            access,  # registers the policies
            due,  # objectives' measurements are due sources of the inbox
        )
        from monitoring.context.home import scope_panel

        home.register_panel(scope_panel)
