"""The signature of a webhook delivery (docs/webhooks.md shows a receiver checking it).

    Guardrail-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>

`<timestamp>` is the `Guardrail-Timestamp` header (Unix seconds, the moment of this attempt)
and `<body>` the exact bytes of the request body. Signing the timestamp with the body lets a
receiver refuse an old request replayed later (a tolerance of five minutes is suggested).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from isms import secrets_at_rest

SECRET_PREFIX = "whsec_"
VERSION = "v1"
HEADER_ID = "Guardrail-Event-Id"
HEADER_TYPE = "Guardrail-Event-Type"
HEADER_TIMESTAMP = "Guardrail-Timestamp"
HEADER_SIGNATURE = "Guardrail-Signature"
HEADER_DELIVERY = "Guardrail-Delivery-Id"


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def issue_secret(endpoint) -> str:
    """Give the endpoint a new secret, stored encrypted; the plain secret is returned to be
    shown once."""
    secret = new_secret()
    endpoint.signing_secret = secrets_at_rest.encrypt(
        secret, secrets_at_rest.Purpose.WEBHOOK_SIGNING_SECRET
    )
    return secret


def secret_of(endpoint) -> str:
    """The endpoint's plain secret (raises secrets_at_rest.SecretUnreadable when SECRET_KEY
    changed without a fallback)."""
    return secrets_at_rest.decrypt(
        endpoint.signing_secret, secrets_at_rest.Purpose.WEBHOOK_SIGNING_SECRET
    )


def signature(secret: str, timestamp: int, body: bytes) -> str:
    message = str(int(timestamp)).encode() + b"." + body
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return f"{VERSION}={digest}"


def verify(secret: str, timestamp: str, body: bytes, header: str) -> bool:
    """What a receiver does (used by the tests): any `v1=` value of the header matches."""
    expected = signature(secret, int(timestamp), body)
    return any(hmac.compare_digest(expected, part.strip()) for part in header.split(","))
