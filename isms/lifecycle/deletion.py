"""Deleting an organisation: an admin's request, a grace period, then the worker.

1. An admin requests it, typing the organisation's address (slug) to confirm. The request is
   a tenant row (`OrganizationDeletion`, so it enters the audit chain) and the organisation
   row shows the end of the grace period (`deletion_due_at`, settings.
   ORGANIZATION_DELETION_GRACE_DAYS, 30 by default) to every member on every page.
2. Until then any admin may cancel it; a cancelled request deletes nothing.
3. The hourly beat task queues one `isms.delete_organization` per organisation whose grace
   period is over; it removes every tenant row table by table in the organisation's tenant
   context (isms.lifecycle.purge, as the application role under forced row-level security),
   the memberships, invitations and API keys, and, once committed, the stored files.

What is kept: the organisation row as a tombstone (`deleted_at`; its address stays taken),
its deletion records, and the audit trail, whose events (request, cancellations, completion
with the rows deleted per table) have no foreign key to what they describe and are
append-only. The trail therefore still holds the history of the deleted data.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.utils import timezone

from isms.access import Actor
from isms.errors import Conflict, NotPermitted
from isms.lifecycle.purge import PurgeResult, purge_organizations
from isms.models import (
    APIKey,
    Invitation,
    Membership,
    Organization,
    OrganizationDeletion,
)
from isms.tenancy import tenant_context, tenant_models

log = logging.getLogger(__name__)
ADMIN_SCOPE = "org:admin"


def grace_period() -> timedelta:
    return timedelta(days=int(getattr(settings, "ORGANIZATION_DELETION_GRACE_DAYS", 30)))


def open_deletion(organization: Organization) -> OrganizationDeletion | None:
    """The pending request of the organisation in context, if any (a read)."""
    return OrganizationDeletion.objects.filter(
        cancelled_at__isnull=True, completed_at__isnull=True
    ).first()


def _require_admin(actor: Actor, organization: Organization) -> None:
    if actor.organization.pk != organization.pk or not actor.has_scope(ADMIN_SCOPE):
        raise NotPermitted("Only an admin of the organisation may request or cancel its deletion.")


def deletion_request(
    *, organization: Organization, actor: Actor, confirm_slug: str, reason: str = ""
) -> OrganizationDeletion:
    """Schedule the deletion at the end of the grace period; `confirm_slug` must be the
    organisation's address, typed by the admin."""
    _require_admin(actor, organization)
    if (confirm_slug or "").strip() != organization.slug:
        raise ValidationError(
            {
                "confirm_slug": f"Type the organisation's address, {organization.slug}, "
                "to confirm the deletion."
            }
        )
    now = timezone.now()
    with (
        tenant_context(organization.pk, actor_id=actor.user_id, actor=actor.label),
        transaction.atomic(),
    ):
        locked = Organization.objects.select_for_update().get(pk=organization.pk)
        if locked.deleted_at is not None or open_deletion(locked) is not None:
            raise Conflict("A deletion of this organisation is already pending.")
        user = actor.user
        request = OrganizationDeletion.objects.create(
            requested_by=user,
            requested_by_email=getattr(user, "email", "") or actor.label,
            requested_at=now,
            due_at=now + grace_period(),
            reason=reason,
        )
        locked.deletion_due_at = request.due_at
        locked.save(update_fields=["deletion_due_at"])
    organization.deletion_due_at = request.due_at
    return request


def deletion_cancel(*, organization: Organization, actor: Actor) -> OrganizationDeletion:
    _require_admin(actor, organization)
    with (
        tenant_context(organization.pk, actor_id=actor.user_id, actor=actor.label),
        transaction.atomic(),
    ):
        locked = Organization.objects.select_for_update().get(pk=organization.pk)
        request = open_deletion(locked)
        if request is None:
            raise Conflict("No deletion of this organisation is pending.")
        request.cancelled_at = timezone.now()
        request.cancelled_by = actor.user
        request.save(update_fields=["cancelled_at", "cancelled_by"])
        locked.deletion_due_at = None
        locked.save(update_fields=["deletion_due_at"])
    organization.deletion_due_at = None
    return request


def organizations_due(now: datetime | None = None) -> list[int]:
    """Organisations whose grace period is over (the beat task's read)."""
    return list(
        Organization.objects.filter(
            deletion_due_at__lte=now or timezone.now(), deleted_at__isnull=True
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _stored_files(organization_id: int, using: str) -> list[str]:
    names: list[str] = []
    with tenant_context(organization_id, actor="deletion worker", using=using):
        for model in tenant_models():
            for f in model._meta.concrete_fields:
                if isinstance(f, models.FileField):
                    names += [
                        n
                        for n in model._base_manager.using(using)
                        .filter(organization_id=organization_id)
                        .exclude(**{f.attname: ""})
                        .values_list(f.attname, flat=True)
                        if n
                    ]
    return names


def _delete_files(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:  # a file already gone is not a reason to stop
            log.warning("stored file %s of a deleted organisation was not removed", name)


def deletion_complete(
    *, organization_id: int, now: datetime | None = None, using: str = "owner"
) -> PurgeResult | None:
    """The worker's step: remove the organisation's data if its request is still open and
    due; None (nothing deleted) when it was cancelled or is not due yet."""
    now = now or timezone.now()
    actor = "deletion worker"
    with transaction.atomic(using=using):
        organization = Organization.objects.using(using).select_for_update().get(pk=organization_id)
        if organization.deleted_at is not None:
            return None
        with tenant_context(organization_id, actor=actor, using=using):
            request = (
                OrganizationDeletion.unscoped.using(using)
                .filter(
                    organization_id=organization_id,
                    cancelled_at__isnull=True,
                    completed_at__isnull=True,
                    due_at__lte=now,
                )
                .first()
            )
        if request is None:
            return None
        files = _stored_files(organization_id, using)
        result = purge_organizations(
            [organization_id], keep=[OrganizationDeletion], actor=actor, using=using
        )
        for model in (Membership, Invitation, APIKey):
            model._base_manager.using(using).filter(organization_id=organization_id).delete()
        with tenant_context(organization_id, actor=actor, using=using):
            request.completed_at = now
            request.rows_deleted = {k: v for k, v in result.rows.items() if v}
            request.files_deleted = len(files)
            request.save(
                using=using, update_fields=["completed_at", "rows_deleted", "files_deleted"]
            )
        organization.deleted_at = now
        organization.deletion_due_at = None
        organization.save(using=using, update_fields=["deleted_at", "deletion_due_at"])
        transaction.on_commit(lambda: _delete_files(files), using=using)
    log.info(
        "organisation %s deleted: %s rows in %.2fs as %s",
        organization_id,
        result.total,
        result.seconds,
        result.role,
    )
    return result
