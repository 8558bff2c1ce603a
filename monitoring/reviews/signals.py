"""A new organisation gets its review intervals at once (reads never create them)."""

from django.dispatch import receiver

from isms.signals import organization_created


@receiver(organization_created, dispatch_uid="monitoring.reviews.settings")
def _create_settings(sender, organization, **kwargs) -> None:
    from monitoring.reviews.services import settings_ensure

    settings_ensure()
