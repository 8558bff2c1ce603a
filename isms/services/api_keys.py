"""API keys: `gr_<prefix>.<secret>`, shown once, stored as a SHA-256 of the secret."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from isms.models import APIKey, Organization

LAST_USED_RESOLUTION = timedelta(minutes=1)  # write last_used_at at most this often


class APIKeyError(Exception):
    pass


@dataclass(frozen=True)
class IssuedKey:
    api_key: APIKey
    token: str  # the only time the full secret exists outside the caller's hands


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def api_key_create(
    *,
    organization: Organization,
    actor,
    name: str,
    access: str = APIKey.Access.READ,
    expires_at: datetime | None = None,
) -> IssuedKey:
    if expires_at is not None and expires_at <= timezone.now():
        raise APIKeyError("The expiry date must be in the future.")
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        key = APIKey.objects.create(
            organization=organization,
            name=name,
            prefix=prefix,
            secret_hash=_hash(secret),
            access=access,
            created_by=actor,
            expires_at=expires_at,
        )
    return IssuedKey(api_key=key, token=f"gr_{prefix}.{secret}")


def api_key_revoke(*, api_key: APIKey) -> APIKey:
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
    return api_key


def api_key_authenticate(token: str) -> APIKey:
    """The usable key a token names, or APIKeyError saying why not."""
    body = token.removeprefix("gr_")
    prefix, _, secret = body.partition(".")
    if not token.startswith("gr_") or not prefix or not secret:
        raise APIKeyError("Malformed API key: expected 'gr_<prefix>.<secret>'.")
    key = APIKey.objects.select_related("organization").filter(prefix=prefix).first()
    if key is None or not hmac.compare_digest(key.secret_hash, _hash(secret)):
        raise APIKeyError("Invalid API key.")
    now = timezone.now()
    if key.revoked_at is not None:
        raise APIKeyError("This API key has been revoked.")
    if key.expires_at is not None and key.expires_at <= now:
        raise APIKeyError("This API key has expired.")
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        APIKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key
