"""Moments other apps react to, so that reads never have to create what should exist.

- `organization_created(organization)`: sent once, right after a new organisation's row is
  inserted, inside that organisation's tenant context (receivers write its starter rows:
  risk criteria, SoA rows, starter question sets, review defaults…). Receivers must be
  idempotent: `get_or_create` / `ON CONFLICT DO NOTHING`.
- `control_library_loaded(created)`: sent by the control library's loader after it ran; a
  receiver adds what each organisation needs for controls that are new (SoA rows).
"""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import Signal, receiver

from isms.models import Organization
from isms.tenancy import tenant_context

organization_created = Signal()
control_library_loaded = Signal()


@receiver(post_save, sender=Organization, dispatch_uid="isms.organization_created")
def _announce_new_organization(sender, instance: Organization, created: bool, raw=False, **kw):
    if not created or raw:
        return
    with tenant_context(instance.pk, actor="system"):
        organization_created.send(sender=Organization, organization=instance)
