"""The supplier's account-free link to one assessment.

A link's token is `secrets.token_urlsafe(32)`; only its SHA-256 is stored, on the tenant
row (SupplierPortalLink) and in PortalTokenIndex, the one small table read before any
organisation is known. `portal_session(token)` hashes the token, finds the organisation
through the index, then does everything else inside `tenant_context(org)`, where
row-level security applies as for any request. Every refusal — unknown, expired, revoked,
or the assessment no longer open — is the same PortalRefused with no detail.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from isms import policy
from isms.access import Actor
from isms.errors import Conflict
from isms.tenancy import tenant_context
from isms.writes import model_update
from suppliers.models import PortalTokenIndex, SupplierAssessment, SupplierPortalLink

DEFAULT_VALID_DAYS = 30
MAX_VALID_DAYS = 90
# States in which the link opens at all; answers can change only while "sent".
OPEN_STATES = frozenset(
    {
        SupplierAssessment.Status.SENT,
        SupplierAssessment.Status.SUBMITTED,
        SupplierAssessment.Status.UNDER_REVIEW,
    }
)


class PortalRefused(Exception):
    """The link does not open. Deliberately says nothing about why."""


@dataclass(frozen=True)
class IssuedLink:
    link: SupplierPortalLink
    token: str  # shown once to the officer, never stored


@dataclass(frozen=True)
class PortalSession:
    link: SupplierPortalLink
    assessment: SupplierAssessment
    label: str  # for the audit trail and the answers' "answered by"

    @property
    def editable(self) -> bool:
        return self.assessment.status == SupplierAssessment.Status.SENT


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def portal_link_create(
    *,
    actor: Actor,
    assessment: SupplierAssessment,
    valid_days: int = DEFAULT_VALID_DAYS,
    recipient_email: str = "",
) -> IssuedLink:
    policy.require(actor, "change", assessment)
    if assessment.status != SupplierAssessment.Status.SENT:
        raise Conflict("Send the assessment first; a link opens only a sent assessment.")
    if not 1 <= valid_days <= MAX_VALID_DAYS:
        raise ValidationError({"valid_days": f"Choose between 1 and {MAX_VALID_DAYS} days."})
    token = secrets.token_urlsafe(32)
    digest = token_hash(token)
    link = SupplierPortalLink.objects.create(
        assessment=assessment,
        token_hash=digest,
        token_prefix=token[:6],
        recipient_email=recipient_email,
        expires_at=timezone.now() + timedelta(days=valid_days),
        created_by=actor.user,
    )
    PortalTokenIndex.objects.create(
        token_hash=digest, organization_id=link.organization_id, link_id=link.pk
    )
    return IssuedLink(link=link, token=token)


@transaction.atomic
def portal_link_revoke(*, actor: Actor, link: SupplierPortalLink) -> SupplierPortalLink:
    policy.require(actor, "change", link)
    if link.revoked_at is None:
        model_update(link, data={"revoked_at": timezone.now()}, fields=("revoked_at",))
    PortalTokenIndex.objects.filter(link_id=link.pk, token_hash=link.token_hash).delete()
    return link


@contextmanager
def portal_session(token: str) -> Iterator[PortalSession]:
    """Open the link's assessment inside its organisation's tenant context, or PortalRefused."""
    if not token or len(token) > 100:
        raise PortalRefused
    digest = token_hash(token)
    entry = PortalTokenIndex.objects.filter(token_hash=digest).first()
    if entry is None:
        raise PortalRefused
    label = f"supplier via link {token[:6]}…"
    with tenant_context(entry.organization_id, actor=label):
        link = (
            SupplierPortalLink.objects.select_related("assessment__supplier", "assessment")
            .filter(pk=entry.link_id)
            .first()
        )
        if (
            link is None
            or not hmac.compare_digest(link.token_hash, digest)
            or not link.is_usable
            or link.assessment.status not in OPEN_STATES
        ):
            raise PortalRefused
        now = timezone.now()
        if link.last_used_at is None or now - link.last_used_at > timedelta(minutes=1):
            SupplierPortalLink.objects.filter(pk=link.pk).update(last_used_at=now)
        yield PortalSession(link=link, assessment=link.assessment, label=label)
