from django.apps import AppConfig


class CompetenceConfig(AppConfig):
    name = "monitoring.competence"
    label = "monitoring_competence"
    verbose_name = "Competence and awareness"

    def ready(self) -> None:
        from isms import home
        from monitoring.competence import access  # noqa: F401  (registers the policies)
        from monitoring.competence.home import literacy_figures

        home.register(literacy_figures)
