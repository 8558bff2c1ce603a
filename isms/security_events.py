"""Record security events (isms.models.SecurityEvent) for every organisation a person belongs
to, from Django's authentication signals, the log-in lock-out and the password forms.

An event about an address that names no account (a guessed e-mail address) belongs to no
organisation: it goes to the log only, so no organisation learns of another's people.
Recording never stops a log-in: a database error here is logged and the request goes on.
"""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import DatabaseError
from django.db.models.signals import post_save
from django.dispatch import receiver

from isms.client import client_ip
from isms.models import Membership, SecurityEvent, SecurityEventKind
from isms.tenancy import tenant_context

log = logging.getLogger("isms.security")


def record(
    kind: str, *, user=None, email: str = "", request=None, organization_id: int | None = None
) -> int:
    """Write one event per organisation `user` (or the account named `email`) belongs to, or
    only in `organization_id` for an act about that organisation (there even without an
    account: a refused single sign-on through that organisation's own IdP); returns how many
    were written."""
    if user is None and email:
        user = get_user_model().objects.filter(email__iexact=email.strip()).first()
    email = getattr(user, "email", "") or email
    address = client_ip(request) if request is not None else None
    log.info("security event %s for %s from %s", kind, email or "(no account)", address)
    if user is None and organization_id is None:
        return 0
    agent = request.META.get("HTTP_USER_AGENT", "")[:300] if request is not None else ""
    request_id = getattr(request, "request_id", "") if request is not None else ""
    organizations = (
        [organization_id]
        if organization_id is not None
        else Membership.objects.active().filter(user=user).values_list("organization_id", flat=True)
    )
    written = 0
    try:
        for organization_id in organizations:
            with tenant_context(
                organization_id,
                actor_id=getattr(user, "pk", None),
                actor=email,
                request_id=request_id,
            ):
                SecurityEvent.objects.create(
                    kind=kind, user=user, email=email, address=address, user_agent=agent
                )
            written += 1
    except DatabaseError:
        log.exception("security event %s for %s not recorded", kind, email)
    return written


@receiver(user_logged_in, dispatch_uid="isms.security_events.logged_in")
def _logged_in(sender, request, user, **kwargs):
    through = getattr(request, "sso_organization_id", None)  # set by isms.views.sso
    if through is not None:
        record(SecurityEventKind.SSO_LOGIN, user=user, request=request, organization_id=through)
    else:
        record(SecurityEventKind.LOGIN, user=user, request=request)


@receiver(user_logged_out, dispatch_uid="isms.security_events.logged_out")
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        record(SecurityEventKind.LOGOUT, user=user, request=request)


@receiver(user_login_failed, dispatch_uid="isms.security_events.login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    record(SecurityEventKind.LOGIN_FAILED, email=credentials.get("username", ""), request=request)


@receiver(post_save, sender=get_user_model(), dispatch_uid="isms.security_events.password")
def _password_changed(sender, instance, created, **kwargs):
    # AbstractBaseUser.save keeps the new raw password in _password until after post_save.
    if not created and getattr(instance, "_password", None) is not None:
        record(SecurityEventKind.PASSWORD_CHANGED, user=instance)
