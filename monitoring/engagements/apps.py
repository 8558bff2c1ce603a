from django.apps import AppConfig


class EngagementsConfig(AppConfig):
    name = "monitoring.engagements"
    label = "monitoring_engagements"
    verbose_name = "Audit engagements"

    def ready(self) -> None:
        from monitoring.engagements import (  # noqa: F401
            access,  # registers the policies
            due,  # open evidence requests are due items of the inbox
            home,  # the home page counts an auditor's engagements
        )
