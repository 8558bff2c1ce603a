from django.apps import AppConfig


class RisksConfig(AppConfig):
    name = "risks"

    def ready(self) -> None:
        from isms import home
        from risks.home import risk_figures

        home.register(risk_figures)
