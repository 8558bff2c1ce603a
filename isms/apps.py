from django.apps import AppConfig
from django.db.models.signals import post_migrate


class IsmsConfig(AppConfig):
    name = "isms"
    verbose_name = "ISMS core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from isms import (
            checks,  # noqa: F401  (registers the database role check)
            pick_sources,  # noqa: F401  (the members and controls pickers)
            security_events,  # noqa: F401  (records log-ins, failures, password changes)
            signals,  # noqa: F401  (announces new organisations)
        )
        from isms.api import schema  # noqa: F401  (registers the OpenAPI auth extension)
        from isms.services import profile  # noqa: F401  (registers the profile policy)
        from isms.webhooks import services  # noqa: F401  (registers the webhook policies)

        post_migrate.connect(_apply_database_security, sender=self)


def _apply_database_security(sender, using, **kwargs) -> None:
    from isms import db_security

    db_security.apply(using=using)
