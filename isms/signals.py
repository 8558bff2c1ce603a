"""Moments other apps react to, so that reads never have to create what should exist.

- `organization_created(organization)`: sent once, right after a new organisation's row is
  inserted, inside that organisation's tenant context (receivers write its starter rows:
  risk criteria, SoA rows, starter question sets, review defaults…). Receivers must be
  idempotent: `get_or_create` / `ON CONFLICT DO NOTHING`.
- `control_library_loaded(created)`: sent by the control library's loader after it ran; a
  receiver adds what each organisation needs for controls that are new (SoA rows).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal, receiver

from isms.models import APIKey, Organization
from isms.tenancy import tenant_context

organization_created = Signal()
control_library_loaded = Signal()


@receiver(post_save, sender=Organization, dispatch_uid="isms.organization_created")
def _announce_new_organization(sender, instance: Organization, created: bool, raw=False, **kw):
    if not created or raw:
        return
    with tenant_context(instance.pk, actor="system"):
        organization_created.send(sender=Organization, organization=instance)


@receiver(organization_created, dispatch_uid="isms.organization_profile")
def _organization_profile(sender, organization: Organization, **kwargs) -> None:
    """Every organisation has its profile row from the start (defaults until an admin edits)."""
    from isms.models import OrganizationProfile

    OrganizationProfile.objects.get_or_create(organization_id=organization.pk)


@receiver(post_save, sender=APIKey, dispatch_uid="isms.api_key_changed.save")
@receiver(post_delete, sender=APIKey, dispatch_uid="isms.api_key_changed.delete")
def _api_key_changed(sender, instance: APIKey, **kw):
    """A revoked, expired or removed key is refused from the next request on, whatever the
    cache of authenticated keys holds (isms.services.api_keys)."""
    _keys_changed([instance.prefix], kw.get("using"))


@receiver(post_save, sender=Organization, dispatch_uid="isms.organization_keys_changed")
def _organization_changed(sender, instance: Organization, created: bool, raw=False, **kw):
    if created or raw:
        return
    using = kw.get("using")
    prefixes = list(
        APIKey._base_manager.using(using)
        .filter(organization=instance)
        .values_list("prefix", flat=True)
    )
    if prefixes:
        _keys_changed(prefixes, using)


def _keys_changed(prefixes: list[str], using) -> None:
    """Now, so that no request after this point trusts an older record, and again at commit,
    so that none trusts a record written meanwhile from the row as it was before."""
    from isms.services.api_keys import api_keys_changed

    api_keys_changed(prefixes)
    transaction.on_commit(lambda: api_keys_changed(prefixes), using=using)
