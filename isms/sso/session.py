"""Which organisation a session opened through single sign-on may enter.

A session opened through organisation B's IdP carries B's id under SESSION_KEY. B's IdP
vouches for the person only towards B, so that session enters B alone: another
organisation the same account belongs to asks for a fresh log-in (its own SSO or a
password). An organisation with `sso_required` is entered only with a session opened
through its own IdP. TenantMiddleware asks `entry_refusal` for every organisation request.
"""

from __future__ import annotations

SESSION_KEY = "isms_sso_organization"

OTHER_ORGANIZATION = "other_organization"
SSO_REQUIRED = "sso_required"


def session_organization_id(request) -> int | None:
    session = getattr(request, "session", None)
    return session.get(SESSION_KEY) if session is not None else None


def entry_refusal(request, organization) -> str | None:
    opened_by = session_organization_id(request)
    if opened_by is not None and opened_by != organization.pk:
        return OTHER_ORGANIZATION
    if organization.sso_required and opened_by != organization.pk:
        return SSO_REQUIRED
    return None


def message(reason: str, organization) -> str:
    if reason == OTHER_ORGANIZATION:
        return (
            "You signed in through another organisation's single sign-on, which does not "
            f"open {organization.name}: log out, then log in to {organization.name}."
        )
    return f"{organization.name} requires single sign-on: sign in through it to continue."
