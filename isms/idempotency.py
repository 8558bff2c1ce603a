"""`Idempotency-Key` on every POST under /api/: a retry gets the first answer, nothing twice.

The middleware runs inside the request's tenant transaction (it comes after TenantMiddleware),
so the record of an answer commits with what the request changed, or not at all:

1. A transaction-scoped advisory lock on (organisation, key) makes a second request with the
   same key wait until the first has committed or rolled back; two retries sent at the same
   moment therefore create one object.
2. A live record for the key answers at once: the same request (method, path, body) gets the
   stored status, body and headers with `Idempotent-Replayed: true`; another request sent with
   the key is refused with 422 `idempotency_key_reused`. An expired record is removed and the
   request runs as new.
3. Otherwise the request runs; a success (2xx, 3xx) whose transaction is to commit has its
   answer stored for IDEMPOTENCY_TTL seconds. A refusal or failure (4xx, 5xx) changed nothing
   and stores nothing, so its retry (corrected, or after a 429) runs again.

Records are per organisation (unique on organisation and key, under row-level security): the
same key sent to another organisation is another record. Within one, the caller is part of
the request's fingerprint: another API key or person reusing a key gets the 422, never the
first caller's answer (found by the schemathesis run: a read-only key was replayed a
read/write key's 201).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from isms.api.errors import api_error
from isms.errors import ErrorCode
from isms.middleware import API_PATH
from isms.models import IdempotencyRecord

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
# Response headers a replay gives back as they were first sent.
KEPT_HEADERS = ("Content-Type", "Location", "ETag")


def ttl() -> timedelta:
    return timedelta(seconds=getattr(settings, "IDEMPOTENCY_TTL", 24 * 3600))


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.headers.get(HEADER)
        if (
            key is None
            or request.method != "POST"
            or getattr(request, "actor", None) is None
            or not API_PATH.match(request.path_info)
        ):
            return self.get_response(request)
        if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable() or not key.isascii():
            return api_error(
                400,
                f"{HEADER} must be 1 to {MAX_KEY_LENGTH} printable ASCII characters.",
                ErrorCode.INVALID,
                {HEADER: [f"1 to {MAX_KEY_LENGTH} printable ASCII characters."]},
            )
        organization_id = request.actor.organization.pk
        _lock(organization_id, key)
        fingerprint = request_fingerprint(request, caller(request.actor))
        record = IdempotencyRecord.objects.filter(key=key).first()
        if record is not None and record.expires_at <= timezone.now():
            record.delete()
            record = None
        if record is not None:
            if (record.method, record.path, record.fingerprint) != (
                request.method,
                request.get_full_path(),
                fingerprint,
            ):
                return api_error(
                    422,
                    f"This {HEADER} was used for another request; use a new key for a new request.",
                    ErrorCode.IDEMPOTENCY_KEY_REUSED,
                )
            return replay(record)

        response = self.get_response(request)
        if response.status_code < 400 and not transaction.get_rollback() and not response.streaming:
            IdempotencyRecord.objects.create(
                key=key,
                method=request.method,
                path=request.get_full_path(),
                fingerprint=fingerprint,
                status_code=response.status_code,
                response_headers={h: response[h] for h in KEPT_HEADERS if h in response},
                response_body=response.content.decode("utf-8", errors="replace"),
                expires_at=timezone.now() + ttl(),
            )
        return response


def _lock(organization_id: int, key: str) -> None:
    """Wait for any other transaction holding this organisation's key (released at its end)."""
    digest = hashlib.sha256(key.encode()).digest()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, %s)",
            [organization_id % 2**31, int.from_bytes(digest[:4], "big", signed=True)],
        )


def caller(actor) -> str:
    """Who sent the request: a stored answer is replayed only to the caller it was given to
    (another API key or person of the organisation sending the same key gets the 422, never
    an answer it may not have been allowed to obtain)."""
    if actor.api_key is not None:
        return f"key:{actor.api_key.pk}"
    return f"user:{actor.user_id}"


def request_fingerprint(request, sender: str = "") -> str:
    """A hash of what makes two POSTs the same request: who sent it, a JSON body by its
    meaning (key order and spacing aside), another body by its bytes; an upload too large to
    hold in memory by its content type and length (a multipart upload too: its boundary
    changes each send)."""
    content_type = request.content_type or ""
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if content_type == "multipart/form-data" or length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        # Its boundary differs on each send, and an upload is not held in memory here.
        body = f"{content_type}:{length}".encode()
    else:
        body = request.body
        if content_type == "application/json":
            # Invalid JSON (the view answers 400 for it) is fingerprinted by its bytes.
            with contextlib.suppress(ValueError):
                body = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(sender.encode() + b"\n" + body).hexdigest()


def replay(record: IdempotencyRecord):
    from django.http import HttpResponse

    response = HttpResponse(record.response_body.encode(), status=record.status_code)
    for name, value in record.response_headers.items():
        response[name] = value
    response[REPLAYED_HEADER] = "true"
    return response
