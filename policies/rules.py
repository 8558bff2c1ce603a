"""Who may do what to a policy or a version: one place, used by services (to refuse) and by
the UI and API (to show only the buttons that will work).

Each rule returns None when allowed, or the reason it is not.
"""

from __future__ import annotations

from isms import permissions
from isms.access import Actor
from isms.models import Role
from policies.models import Policy, PolicyVersion, VersionStatus

REVIEW = "review_policyversion"
APPROVE = "approve_policyversion"

# The workflow: action → (statuses it may start from, status it leads to). Nothing else moves.
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "submit": (frozenset({VersionStatus.DRAFT}), VersionStatus.IN_REVIEW),
    "return_to_draft": (frozenset({VersionStatus.IN_REVIEW}), VersionStatus.DRAFT),
    "approve": (frozenset({VersionStatus.IN_REVIEW}), VersionStatus.APPROVED),
    "publish": (frozenset({VersionStatus.APPROVED}), VersionStatus.PUBLISHED),
    "supersede": (frozenset({VersionStatus.PUBLISHED}), VersionStatus.SUPERSEDED),
    "retire": (
        frozenset({VersionStatus.APPROVED, VersionStatus.PUBLISHED}),
        VersionStatus.RETIRED,
    ),
}
VERBS = {
    "submit": "submitted for review",
    "return_to_draft": "returned to draft",
    "approve": "approved",
    "publish": "published",
    "supersede": "superseded",
    "retire": "retired",
}


def transition_refusal(version: PolicyVersion, action: str) -> str | None:
    sources, _ = TRANSITIONS[action]
    if version.status in sources:
        return None
    allowed = ", ".join(VersionStatus(s).label.lower() for s in sorted(sources))
    return (
        f"Version {version.number} is {version.get_status_display().lower()}; only a version "
        f"that is {allowed} can be {VERBS[action]}."
    )


def _has_grant(actor: Actor, version: PolicyVersion, codename: str) -> bool:
    """The actor's per-version grant; uses grants prefetched by selectors.attach_my_grants."""
    if actor.user is None:
        return False
    prefetched = getattr(version, "_my_grants", None)
    if prefetched is not None:
        return codename in prefetched
    return permissions.has_object_permission(actor.user, f"policies.{codename}", version)


def _is_manager(actor: Actor) -> bool:
    """Officers and admins: they run the policy programme."""
    return actor.has_scope("policies:approve")


def can_edit_policy(actor: Actor, policy: Policy) -> str | None:
    if not actor.has_scope("policies:write"):
        return "Your access does not include changing policies."
    if _is_manager(actor) or (actor.user_id is not None and actor.user_id == policy.owner_id):
        return None
    return "Only the policy's owner or a compliance officer may change it."


def can_edit_draft(actor: Actor, version: PolicyVersion) -> str | None:
    refusal = can_edit_policy(actor, version.policy)
    if refusal and not (actor.user_id is not None and actor.user_id == version.author_id):
        return refusal
    if not actor.has_scope("policies:write"):
        return "Your access does not include changing policies."
    return None


def can_submit(actor: Actor, version: PolicyVersion) -> str | None:
    return can_edit_draft(actor, version)


def can_return_to_draft(actor: Actor, version: PolicyVersion) -> str | None:
    if _is_manager(actor):
        return None
    if _has_grant(actor, version, REVIEW) or _has_grant(actor, version, APPROVE):
        return None
    return "Only this version's reviewers, its approver or a compliance officer may return it."


def can_approve(actor: Actor, version: PolicyVersion) -> str | None:
    if actor.user is None:
        return "Approval needs a named person; an API key cannot approve."
    if actor.role == Role.AUDITOR:
        return "Auditors cannot approve."
    if version.author_id is not None and actor.user_id == version.author_id:
        return "The author of a version cannot approve it (segregation of duties)."
    if not _has_grant(actor, version, APPROVE):
        return "You are not the approver of this version."
    return None


def can_publish(actor: Actor, version: PolicyVersion) -> str | None:
    if not _is_manager(actor):
        return "Only a compliance officer or an admin may publish a policy."
    return None


def can_retire(actor: Actor, version: PolicyVersion) -> str | None:
    if not _is_manager(actor):
        return "Only a compliance officer or an admin may retire a policy version."
    return None


RULES = {
    "submit": can_submit,
    "return_to_draft": can_return_to_draft,
    "approve": can_approve,
    "publish": can_publish,
    "retire": can_retire,
}


def allowed_actions(actor: Actor, version: PolicyVersion) -> list[str]:
    """The transitions this actor can make on this version now (for buttons)."""
    return [
        action
        for action, rule in RULES.items()
        if transition_refusal(version, action) is None and rule(actor, version) is None
    ]


def can_see_acknowledgements(actor: Actor) -> bool:
    """Who has read what is audit evidence: officers, admins and auditors see it, and the
    organisation's API keys (integrations such as HR or reminder systems); contributors see
    only their own acknowledgements."""
    if not actor.has_scope("policies:read"):
        return False
    return actor.api_key is not None or actor.has_scope("evidence:export")
