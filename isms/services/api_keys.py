"""API keys: `gr_<prefix>.<secret>`, shown once, stored as a SHA-256 of the secret.

Authentication reads the key (with its organisation) from the cache (Redis) when it can: a
gateway asking for AI usage decisions before each of its users' requests would otherwise
spend a PostgreSQL round trip per call on the key alone. The cached record is only trusted
while it carries the key's current *version*: every committed change of the key or its
organisation (a revocation, an expiry set, a renamed organisation) replaces the version, so
a record written by a request that read the row before the change is never used after it.
The record is kept CACHE_SECONDS; the check of the secret, revocation and expiry runs on
every call exactly as on a row read from PostgreSQL. Without Redis the key is read from
PostgreSQL. The one window: a change committed while Redis is unreachable cannot replace the
version, so a revoked key's record stays usable until it expires (CACHE_SECONDS).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import redis
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from isms.models import APIKey, Organization

LAST_USED_RESOLUTION = timedelta(minutes=1)  # write last_used_at at most this often
CACHE_SECONDS = 30

log = logging.getLogger(__name__)


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
    key, version = _cached(prefix)
    from_cache = key is not None
    if key is None:
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
        from_cache = False
    if not from_cache and version is not None:
        _remember(key, version)
    return key


# --- the cached record ----------------------------------------------------------------------

REDIS_TIMEOUT = 0.25  # seconds: a dead Redis costs a request this much, then PostgreSQL answers
_client: tuple[str, redis.Redis] | None = None


def _redis() -> redis.Redis:
    """One client per process (Django's cache builds a client per call: ~0.5 ms)."""
    global _client
    if _client is None or _client[0] != settings.REDIS_URL:
        _client = (
            settings.REDIS_URL,
            redis.Redis.from_url(
                settings.REDIS_URL,
                socket_timeout=REDIS_TIMEOUT,
                socket_connect_timeout=REDIS_TIMEOUT,
                retry_on_timeout=False,
            ),
        )
    return _client[1]


def _record_key(prefix: str) -> str:
    return f"guardrail:apikey:{prefix}:record"


def _version_key(prefix: str) -> str:
    return f"guardrail:apikey:{prefix}:version"


def _fields(model) -> list:
    return list(model._meta.concrete_fields)


def _cached(prefix: str) -> tuple[APIKey | None, str | None]:
    """(the key from its cached record if that record is current, the current version);
    (None, None) without Redis."""
    try:
        client = _redis()
        record, version = client.mget([_record_key(prefix), _version_key(prefix)])
        if version is None:
            version = uuid.uuid4().hex.encode()
            if not client.set(_version_key(prefix), version, nx=True):
                version = client.get(_version_key(prefix))
            return None, version and version.decode()
    except redis.RedisError:
        return None, None
    version = version.decode()
    if record is None:
        return None, version
    try:
        record = json.loads(record)
        if record["version"] != version:
            return None, version
        key = _instance(APIKey, record["key"])
        key.organization = _instance(Organization, record["organization"])
    except (KeyError, TypeError, ValueError, ValidationError):  # another schema's record
        return None, version
    return key, version


def _instance(model, values: list):
    fields = _fields(model)
    if len(values) != len(fields):
        raise ValueError(f"a record of {len(values)} fields for {len(fields)}")
    return model.from_db(
        "default",
        [f.attname for f in fields],
        [f.to_python(v) if v is not None else None for f, v in zip(fields, values, strict=True)],
    )


def _remember(key: APIKey, version: str) -> None:
    record = {
        "version": version,
        "key": [getattr(key, f.attname) for f in _fields(APIKey)],
        "organization": [getattr(key.organization, f.attname) for f in _fields(Organization)],
    }
    with contextlib.suppress(redis.RedisError):
        _redis().set(_record_key(key.prefix), json.dumps(record, default=_encode), ex=CACHE_SECONDS)


def _encode(value) -> str:
    """Dates and times in full (DjangoJSONEncoder drops the microseconds)."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not in an API key record")


def api_keys_changed(prefixes) -> None:
    """After a committed change of these keys (or their organisation): no cached record
    read before it is used again."""
    try:
        _redis().mset({_version_key(p): uuid.uuid4().hex for p in prefixes})
    except redis.RedisError:
        log.warning("API key records not invalidated (Redis unreachable): %s", list(prefixes))
