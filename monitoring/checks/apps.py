from django.apps import AppConfig


class ChecksConfig(AppConfig):
    name = "monitoring.checks"
    label = "monitoring_checks"
    verbose_name = "Control-effectiveness checks and AI metrics"

    def ready(self) -> None:
        from isms import home
        from monitoring.checks import access, definitions  # noqa: F401  (policies, check types)
        from monitoring.checks.home import check_figures, dashboard_panels

        home.register(check_figures)
        home.register_panel(dashboard_panels)

        from monitoring.checks import due_sources

        due_sources.register()
