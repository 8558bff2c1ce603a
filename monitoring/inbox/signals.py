"""A new organisation gets its reminder settings at once (reads never create them)."""

from django.dispatch import receiver

from isms.signals import organization_created


@receiver(organization_created, dispatch_uid="monitoring.inbox.settings")
def _create_settings(sender, organization, **kwargs) -> None:
    from monitoring.inbox.services import settings_ensure

    settings_ensure()
