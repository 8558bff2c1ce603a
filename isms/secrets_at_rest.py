"""Secrets the product must use again, kept at rest as Fernet tokens (AES-128-CBC +
HMAC-SHA256) with a key derived from SECRET_KEY by HKDF, so a database dump or an
organisation export alone does not reveal them.

Each kind of secret has its own purpose (the HKDF info), so a token of one kind never
decrypts as another. Used for an SSO connection's client secret (isms.sso) and a webhook
endpoint's signing secret (isms.webhooks): both must be presented again by us, so a hash
cannot serve.

Decided against "secrets only from the environment": each organisation's admin sets their
own, which a deployment's environment cannot hold. Keys in SECRET_KEY_FALLBACKS still
decrypt, so SECRET_KEY can be rotated (save or rotate the secret again to re-encrypt).
"""

from __future__ import annotations

import base64
import enum

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


class Purpose(enum.Enum):
    """What a secret is for: its HKDF info, and how a refusal names it."""

    SSO_CLIENT_SECRET = (b"guardrail sso client secret", "client secret")
    WEBHOOK_SIGNING_SECRET = (b"guardrail webhook signing secret", "webhook signing secret")

    def __init__(self, info: bytes, label: str):
        self.info = info
        self.label = label


class SecretUnreadable(Exception):
    pass


def _fernet(secret_key: str, purpose: Purpose) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.info).derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def _box(purpose: Purpose) -> MultiFernet:
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet(k, purpose) for k in keys])


def encrypt(value: str, purpose: Purpose) -> str:
    return _box(purpose).encrypt(value.encode()).decode()


def decrypt(token: str, purpose: Purpose) -> str:
    try:
        return _box(purpose).decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise SecretUnreadable(
            f"The stored {purpose.label} cannot be decrypted (SECRET_KEY changed?): an admin "
            "sets it again."
        ) from error
