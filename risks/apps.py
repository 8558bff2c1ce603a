from django.apps import AppConfig


class RisksConfig(AppConfig):
    name = "risks"

    def ready(self) -> None:
        from celery.schedules import crontab
        from django.conf import settings

        from isms import home
        from risks.home import risk_figures

        home.register(risk_figures)
        settings.CELERY_BEAT_SCHEDULE.setdefault(
            "risks.sweep_expired_acceptances",
            {"task": "risks.sweep_expired_acceptances", "schedule": crontab(hour=2, minute=10)},
        )
