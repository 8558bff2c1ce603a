from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "policies"

    def ready(self) -> None:
        from isms import home
        from policies import access  # noqa: F401  (registers the models' policies)
        from policies.home import figures

        home.register(figures)
