"""Organisations, memberships and invitations."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from isms.models import Invitation, Membership, Organization, Role

User = get_user_model()


def new_slug(name: str) -> str:
    """An address for a new organisation: its name in lower case and a random suffix.

    Nobody chooses an address, so nobody can probe for another organisation's by trying it.
    """
    stem = re.sub(r"[-_]+", "-", slugify(name))[:40].strip("-") or "organisation"
    return f"{stem}-{secrets.token_hex(3)}"


def organization_create(*, name: str, slug: str | None = None, first_admin=None) -> Organization:
    """Create an organisation with `first_admin` as its founder; without a `slug` the address
    is generated (and generated again on the rare collision, never reported)."""
    from isms.access import FOUNDER_ROLE  # isms.access imports the models this module feeds

    for _attempt in range(5):
        organization = Organization(name=name, slug=slug or new_slug(name))
        organization.full_clean(validate_unique=False)
        try:
            with transaction.atomic():
                organization.save()
                if first_admin is not None:
                    Membership.objects.create(
                        organization=organization,
                        user=first_admin,
                        role=FOUNDER_ROLE,
                        top_management=True,
                    )
        except IntegrityError as error:
            if slug is None:
                continue
            raise ValidationError(
                {"slug": "An organisation with this slug already exists."}
            ) from error
        return organization
    raise ValidationError({"name": "No free address was found; try again."})


def membership_set(
    *, organization: Organization, user, role: str, expires_at: datetime | None = None
) -> Membership:
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role {role!r}."})
    membership, _ = Membership.objects.update_or_create(
        organization=organization, user=user, defaults={"role": role, "expires_at": expires_at}
    )
    return membership


def membership_designate_top_management(*, membership: Membership, value: bool) -> Membership:
    """Set or clear the top-management designation (an administrator's act; the view checks
    org:admin). Only a member who may hold a responsibility can be designated."""
    from isms.access import may_be_designated

    if value and not may_be_designated(membership):
        raise ValidationError(
            {"top_management": "This member's role cannot hold responsibilities in the ISMS."}
        )
    if membership.top_management != value:
        membership.top_management = value
        membership.save(update_fields=["top_management"])
    return membership


def membership_remove(*, membership: Membership) -> None:
    membership.delete()


# --- Invitations ------------------------------------------------------------------------------


class InvitationError(Exception):
    pass


@dataclass(frozen=True)
class SentInvitation:
    invitation: Invitation
    url: str


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_create(
    *,
    organization: Organization,
    invited_by,
    email: str,
    role: str,
    membership_expires_at: datetime | None = None,
) -> SentInvitation:
    """Invite `email` with `role`; `membership_expires_at` time-boxes the membership the
    invitation gives (the link itself stops working at that moment too, if sooner)."""
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role {role!r}."})
    email = email.strip().lower()
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise ValidationError({"email": f"{email} is already a member of {organization.name}."})
    token = secrets.token_urlsafe(32)
    link_expires_at = timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS)
    if membership_expires_at is not None:
        link_expires_at = min(link_expires_at, membership_expires_at)
    invitation = Invitation.objects.create(
        organization=organization,
        email=email,
        role=role,
        token_hash=_token_hash(token),
        invited_by=invited_by,
        expires_at=link_expires_at,
        membership_expires_at=membership_expires_at,
    )
    url = settings.BASE_URL.rstrip("/") + reverse("invitation_accept", args=[token])
    send_mail(
        subject=f"You are invited to {organization.name} on Guardrail",
        message=render_to_string(
            "registration/invitation_email.txt",
            {"invitation": invitation, "url": url, "inviter": invited_by},
        ),
        from_email=None,
        recipient_list=[email],
    )
    return SentInvitation(invitation=invitation, url=url)


def invitation_lookup(token: str) -> Invitation:
    """The pending invitation a link names, or InvitationError saying why it cannot be used."""
    invitation = (
        Invitation.objects.select_related("organization")
        .filter(token_hash=_token_hash(token))
        .first()
    )
    if invitation is None:
        raise InvitationError("This invitation link is not valid.")
    if invitation.accepted_at is not None:
        raise InvitationError("This invitation has already been used.")
    if invitation.revoked_at is not None:
        raise InvitationError("This invitation has been withdrawn.")
    if invitation.expires_at <= timezone.now():
        raise InvitationError(
            f"This invitation expired on {invitation.expires_at:%Y-%m-%d}. "
            "Ask an administrator of the organisation for a new one."
        )
    return invitation


def _locked_invitation(token: str) -> Invitation:
    """The invitation a link names, locked for this transaction, checked after the lock:
    of two requests redeeming one link at the same moment, the second sees it used."""
    invitation = invitation_lookup(token)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise InvitationError("This invitation has already been used.")
    return invitation


def invitation_accept(*, token: str, user) -> Membership:
    """Join the organisation with the invitation's role; once only.

    Accepting a link already accepted by the same user (a double click, two tabs) answers
    their membership; anyone else is refused."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update().filter(token_hash=_token_hash(token)).first()
        )
        if (
            invitation is not None
            and invitation.accepted_at is not None
            and invitation.accepted_by_id == user.pk
        ):
            membership = Membership.objects.filter(
                organization_id=invitation.organization_id, user=user
            ).first()
            if membership is not None:
                return membership
        invitation = _locked_invitation(token)
        if user.email.lower() != invitation.email:
            raise InvitationError(
                f"This invitation was sent to {invitation.email}; you are logged in as "
                f"{user.email}."
            )
        membership, _ = Membership.objects.update_or_create(
            organization_id=invitation.organization_id,
            user=user,
            defaults={"role": invitation.role, "expires_at": invitation.membership_expires_at},
        )
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership


ACCOUNT_EXISTS = "An account with this address exists: log in instead."


def invitation_register(*, token: str, email: str, password: str, full_name: str = ""):
    """Create an account for a new user from their invitation and accept it; once only.

    The invitation row is locked first, so two sign-ups with one link at the same moment
    queue: the first creates the user and the membership, the second is told the invitation
    has been used (never a duplicate user, never an IntegrityError)."""
    first, _, last = full_name.strip().partition(" ")
    with transaction.atomic():
        invitation = _locked_invitation(token)
        if email.strip().lower() != invitation.email:
            raise ValidationError({"email": "Use the address the invitation was sent to."})
        if User.objects.filter(username__iexact=invitation.email).exists():
            raise ValidationError({"email": ACCOUNT_EXISTS})
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    username=invitation.email,
                    email=invitation.email,
                    password=password,
                    first_name=first,
                    last_name=last,
                )
        except IntegrityError as error:  # an account for this address was made meanwhile
            raise ValidationError({"email": ACCOUNT_EXISTS}) from error
        invitation_accept(token=token, user=user)
    return user
