from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "policies"

    def ready(self) -> None:
        from isms import home
        from policies.home import figures

        home.register(figures)
