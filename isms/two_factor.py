"""Two-factor authentication with a time-based one-time password (issue 18).

A person enrols an authenticator app (a django-otp TOTP device, confirmed by a first code).
From then on a log-in has two steps: the password, then a code (isms.views.two_factor); the
session remembers the verified device under SESSION_KEY. An organisation's admin may require
two-factor authentication: TenantMiddleware then sends anyone whose session is not verified
to enrol or verify before any page or session-authenticated API call of that organisation.
API keys are not people and are not asked.
"""

from __future__ import annotations

from base64 import b32encode
from urllib.parse import quote, urlencode

import segno
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from isms import lockout

SESSION_KEY = "isms_two_factor_device"
PENDING_KEY = "isms_two_factor_pending"
DEVICE_NAME = "Authenticator app"
ISSUER = "Guardrail"


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def enrolment_device(user) -> TOTPDevice:
    """The unconfirmed device a person is enrolling (one at a time, kept across reloads)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def code_matches(device: TOTPDevice, code: str, *, account: str, address: str | None) -> bool:
    """Check a code; failures count towards the log-in lock-out of the account and address,
    so codes cannot be guessed faster than passwords."""
    if lockout.login_locked(account, address):
        return False
    code = "".join(code.split())
    if code.isdigit() and device.verify_token(code):
        lockout.login_succeeded(account)
        return True
    lockout.login_failed(account, address)
    return False


def confirm(device: TOTPDevice) -> None:
    with transaction.atomic():
        TOTPDevice.objects.filter(user=device.user, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])


def remove(user) -> None:
    TOTPDevice.objects.filter(user=user).delete()


def mark_verified(request, device: TOTPDevice) -> None:
    request.session[SESSION_KEY] = device.persistent_id


def session_verified(request) -> bool:
    return bool(getattr(request, "session", None) and request.session.get(SESSION_KEY))


def provisioning_svg(device: TOTPDevice, account: str) -> str:
    """The otpauth:// address as an SVG QR code, for the authenticator app to scan."""
    uri = _provisioning_uri(device, account)
    return segno.make(uri, error="m").svg_inline(scale=4, dark="#212529", light="#ffffff")


def _base32(device: TOTPDevice) -> str:
    return b32encode(device.bin_key).decode().rstrip("=")


def _provisioning_uri(device: TOTPDevice, account: str) -> str:
    secret = _base32(device)
    query = urlencode(
        {"secret": secret, "issuer": ISSUER, "digits": device.digits, "period": device.step}
    )
    return f"otpauth://totp/{quote(ISSUER)}:{quote(account)}?{query}"


def manual_secret(device: TOTPDevice) -> str:
    """The secret in groups of four base32 letters, for typing into an app by hand."""
    secret = _base32(device)
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
