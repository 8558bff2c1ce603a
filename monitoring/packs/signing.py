"""Ed25519 signatures of pack manifests (`cryptography`), one key per organisation.

A manifest is signed as its canonical JSON bytes (sorted keys, no spaces, UTF-8): the same
bytes are stored in the PDF and the ZIP as `manifest.json`, so anyone holding the public key
can check them with any Ed25519 implementation.
"""

from __future__ import annotations

import json

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from monitoring.packs.models import PackSigningKey

RAW = serialization.Encoding.Raw


def canonical_json(data) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def signing_key() -> PackSigningKey:
    """The organisation in context's key, created on first use."""
    key = PackSigningKey.objects.first()
    if key is not None:
        return key
    private = Ed25519PrivateKey.generate()
    raw_private = private.private_bytes(
        RAW, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    raw_public = private.public_key().public_bytes(RAW, serialization.PublicFormat.Raw)
    key, _ = PackSigningKey.objects.get_or_create(
        defaults={"private_key": raw_private, "public_key": raw_public.hex()}
    )
    return key


def public_key_hex() -> str | None:
    key = PackSigningKey.objects.only("public_key").first()
    return key.public_key if key else None


def public_key_pem(public_hex: str) -> str:
    public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_hex))
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def sign(data: bytes, key: PackSigningKey) -> str:
    return Ed25519PrivateKey.from_private_bytes(bytes(key.private_key)).sign(data).hex()


def verify(data: bytes, signature_hex: str, public_hex: str) -> bool:
    try:
        public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_hex))
        public.verify(bytes.fromhex(signature_hex), data)
    except (InvalidSignature, ValueError):
        return False
    return True
