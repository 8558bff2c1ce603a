from django.apps import AppConfig


class RisksConfig(AppConfig):
    name = "risks"

    def ready(self) -> None:
        from isms import home
        from risks import access  # noqa: F401  (registers the risks policies)
        from risks.home import risk_figures
        from risks.services import setup

        home.register(risk_figures)
        setup.connect()
