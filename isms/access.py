"""Who may do what: roles map to scopes in one table, and every view declares its scopes.

A view (UI or API) sets `scope_map = {"GET": ["assets:read"], "POST": ["assets:write"]}`;
isms.api.permissions.ScopePermission and isms.views.mixins.OrgViewMixin enforce it against
the scopes of the request's Actor. Finer rules (a contributor edits only what they own)
are django-guardian object permissions, through isms.permissions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from isms.models import APIKey, Membership, Organization, Role

DOMAINS = ("assets", "suppliers", "risks", "policies", "monitoring")
READ_SCOPES = frozenset(
    {"org:read", "controls:read", "audit:read"} | {f"{d}:read" for d in DOMAINS}
)
# `<domain>:write` lets a member change what they own or were assigned (object grants narrow
# it); `<domain>:manage` lets them change every object of that register.
WRITE_SCOPES = frozenset(f"{d}:write" for d in DOMAINS)
MANAGE_SCOPES = frozenset(f"{d}:manage" for d in DOMAINS)
APPROVE_SCOPES = frozenset(f"{d}:approve" for d in DOMAINS)
# Endorsing the acceptance of a residual risk above the organisation's appetite, and setting
# that appetite: top management's, given by a designation on the membership (below), never
# by a software role.
ACCEPT_ABOVE_APPETITE = "risks:accept_above_appetite"
# May be named the accountable owner, assignee, reviewer or tester of a record.
OWN_SCOPE = "records:own"
ADMIN_SCOPES = frozenset({"org:admin"})
# Designations: what a flag on a membership adds to its role's scopes. `top_management`
# (ISO/IEC 27001:2022 5.1) is set by an administrator on any member who may hold a
# responsibility (records:own); it carries no other right.
DESIGNATION_SCOPES: dict[str, frozenset[str]] = {
    "top_management": frozenset({ACCEPT_ABOVE_APPETITE}),
}
EXPORT_SCOPES = frozenset({"evidence:export"})
# Registering, reading and redelivering the organisation's webhooks (isms.webhooks): an
# endpoint receives events about every register, so admins hold it, and so do read-write API
# keys (an integration subscribing itself; a key an admin issued, reading every register).
WEBHOOKS_SCOPE = "webhooks:manage"
# An auditor's one write: asking the organisation for evidence within their engagement (the
# "provided by client" list). It changes no register.
EVIDENCE_REQUEST_SCOPE = "audit:request"
ALL_SCOPES = (
    READ_SCOPES
    | WRITE_SCOPES
    | MANAGE_SCOPES
    | APPROVE_SCOPES
    | ADMIN_SCOPES
    | EXPORT_SCOPES
    | {OWN_SCOPE, EVIDENCE_REQUEST_SCOPE, WEBHOOKS_SCOPE}
)

# The one table that maps roles to scopes. Nothing else in the code base reads a role name.
ROLE_SCOPES: dict[str, frozenset[str]] = {
    Role.ADMIN: ALL_SCOPES,
    Role.OFFICER: READ_SCOPES
    | WRITE_SCOPES
    | MANAGE_SCOPES
    | APPROVE_SCOPES
    | EXPORT_SCOPES
    | {OWN_SCOPE},
    # Contributors write what they own or were assigned; object grants narrow it per object.
    Role.CONTRIBUTOR: READ_SCOPES | WRITE_SCOPES | {OWN_SCOPE},
    # Read-only everywhere, with an expiry on the membership; never owns anything. Raises
    # evidence requests within their engagements.
    Role.AUDITOR: READ_SCOPES | EXPORT_SCOPES | {EVIDENCE_REQUEST_SCOPE},
}

# Asked by gateways before data leaves for an AI tool (monitoring.usage); no role carries it.
AI_USAGE_DECIDE = "ai-usage:decide"

# An integration writes the whole register (it has no ownership of its own) but never
# approves: approvals need a named person.
API_KEY_SCOPES: dict[str, frozenset[str]] = {
    APIKey.Access.READ: READ_SCOPES,
    APIKey.Access.READ_WRITE: READ_SCOPES | WRITE_SCOPES | MANAGE_SCOPES | {WEBHOOKS_SCOPE},
    APIKey.Access.AI_USAGE_DECIDE: frozenset({AI_USAGE_DECIDE}),
}


def membership_scopes(membership: Membership) -> frozenset[str]:
    """The role's scopes plus those of the membership's designations (only for a role that
    may hold a responsibility: an auditor is never top management here)."""
    scopes = ROLE_SCOPES[membership.role]
    if OWN_SCOPE not in scopes:
        return scopes
    for designation, extra in DESIGNATION_SCOPES.items():
        if getattr(membership, designation, False):
            scopes = scopes | extra
    return scopes


def may_be_designated(membership: Membership) -> bool:
    return OWN_SCOPE in ROLE_SCOPES[membership.role]


# Whoever creates an organisation administers it (and is its first top-management member).
FOUNDER_ROLE = Role.ADMIN
# Roles whose memberships should always carry an expiry date (time-boxed, read-only access).
TIME_BOXED_ROLES = frozenset({Role.AUDITOR})
# Roles whose every page view and download is recorded for the officers (the auditor access
# log of monitoring.engagements).
ACCESS_LOGGED_ROLES = TIME_BOXED_ROLES


def access_is_logged(actor: Actor | None) -> bool:
    """Whether this actor's reads go to the auditor access log."""
    return (
        actor is not None
        and actor.membership is not None
        and actor.membership.role in ACCESS_LOGGED_ROLES
    )


def is_time_boxed(membership: Membership) -> bool:
    """Whether the membership's role is one that always carries an expiry date."""
    return membership.role in TIME_BOXED_ROLES


def engagement_role() -> str:
    """The role an engagement's auditors are invited with (read-only, time-boxed)."""
    return next(iter(sorted(TIME_BOXED_ROLES)))


def roles_with_scope(scope: str) -> list[str]:
    """The roles that carry a scope, for queries such as "members who may own records"."""
    return [role for role, scopes in ROLE_SCOPES.items() if scope in scopes]


# --- Audiences: who must read something (a policy) ---------------------------------------------
# "All members" means every member who may hold a responsibility (records:own): auditors are
# external, read-only reviewers of the ISMS and are never asked to acknowledge. A chosen
# audience names roles; only roles that may be addressed can be chosen.
AUDIENCE_SCOPE = OWN_SCOPE


def addressable_roles() -> list[str]:
    """The roles an audience may name (and what "all members" means)."""
    return roles_with_scope(AUDIENCE_SCOPE)


def audience_roles(chosen=None) -> list[str]:
    """The roles an audience addresses: the chosen ones (None: every addressable role)."""
    addressable = addressable_roles()
    if chosen is None:
        return addressable
    return [role for role in chosen if role in addressable]


def audience_key(actor: Actor) -> str | None:
    """The value under which audiences address this actor (None: never addressed, e.g. an
    API key). For database filters on stored audiences; compare it with nothing else."""
    if actor.membership is None or actor.user is None:
        return None
    return actor.membership.role


def in_audience(actor: Actor, roles=None) -> bool:
    """Whether an audience (the roles `audience_roles()` resolved; None: everyone
    addressable) includes the actor."""
    key = audience_key(actor)
    return key is not None and key in (audience_roles() if roles is None else roles)


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Actor:
    """The organisation a request acts for, who acts, and what they may do."""

    organization: Organization
    scopes: frozenset[str]
    user: object | None = None
    membership: Membership | None = None
    api_key: APIKey | None = None
    extra: dict = field(default_factory=dict, compare=False)

    @classmethod
    def for_membership(cls, membership: Membership) -> Actor:
        return cls(
            organization=membership.organization,
            scopes=membership_scopes(membership),
            user=membership.user,
            membership=membership,
        )

    @classmethod
    def for_api_key(cls, api_key: APIKey) -> Actor:
        return cls(
            organization=api_key.organization,
            scopes=API_KEY_SCOPES[api_key.access],
            api_key=api_key,
        )

    @property
    def role(self) -> str | None:
        return self.membership.role if self.membership else None

    @property
    def user_id(self) -> int | None:
        return getattr(self.user, "pk", None)

    @property
    def label(self) -> str:
        if self.api_key is not None:
            return f"API key {self.api_key.display_prefix} ({self.api_key.name})"
        return getattr(self.user, "email", "") or getattr(self.user, "username", "")

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    def has_scopes(self, scopes) -> bool:
        return all(s in self.scopes for s in scopes)

    @property
    def described(self) -> str:
        """ "This API key" or "Your role (Contributor)", for refusal messages."""
        if self.api_key is not None:
            return "This API key"
        if self.membership is not None:
            return f"Your role ({self.membership.get_role_display()})"
        return "This caller"

    def missing_scopes_message(self, scopes) -> str:
        missing = [s for s in scopes if s not in self.scopes]
        return f"{self.described} lacks the scope(s): {', '.join(missing)}."


def required_scopes(scope_map: dict[str, list[str]], method: str) -> list[str] | None:
    """The scopes a method needs; None when the view does not allow the method at all."""
    if method in scope_map:
        return scope_map[method]
    if method in {"HEAD", "OPTIONS"} and "GET" in scope_map:
        return scope_map["GET"]
    if method == "PUT" and "PATCH" in scope_map:
        return scope_map["PATCH"]
    return None
