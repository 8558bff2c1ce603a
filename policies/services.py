"""The only writes of the policies app: policies, versions and their workflow, acknowledgements.

Every transition is one function: it locks the version, checks the transition table
(rules.TRANSITIONS, 409 when the state forbids it), then the actor's right (403), then
records who and when. Content can change only while a version is a draft; the database
trigger of migration 0002 backs that up for every other path.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from isms import permissions, uploads
from isms.access import Actor
from isms.errors import Conflict, NotPermitted, TransitionRefused
from isms.models import Membership, Role
from policies import rules
from policies.documents import text_sha256
from policies.models import (
    STAFF_ROLES,
    Acknowledgement,
    AISection,
    Policy,
    PolicyKind,
    PolicyVersion,
    PolicyVersionUserObjectPermission,
    VersionStatus,
)
from policies.starters import TEMPLATES

User = get_user_model()
POLICY_FIELDS = (
    "title",
    "kind",
    "owner",
    "audience",
    "audience_roles",
    "review_interval_months",
    "covers_ai",
    "ai_sections",
)


def _require(refusal: str | None) -> None:
    if refusal:
        raise NotPermitted(refusal)


def _active_membership(organization, user) -> Membership | None:
    if user is None:
        return None
    return Membership.objects.active().filter(organization=organization, user=user).first()


def _check_member(actor: Actor, user, field: str, *, staff_only: bool = False) -> None:
    membership = _active_membership(actor.organization, user)
    if membership is None:
        raise ValidationError({field: "Choose an active member of this organisation."})
    if staff_only and membership.role == Role.AUDITOR:
        raise ValidationError({field: "Auditors have read-only access and cannot take this role."})


def _clean_policy(actor: Actor, policy: Policy) -> None:
    errors: dict[str, str] = {}
    if not (policy.title or "").strip():
        errors["title"] = "Give the policy a title."
    elif Policy.objects.filter(title__iexact=policy.title.strip()).exclude(pk=policy.pk).exists():
        errors["title"] = "A policy with this title already exists in this organisation."
    if policy.kind not in PolicyKind.values:
        errors["kind"] = "Choose a kind of policy."
    if policy.audience not in Policy.Audience.values:
        errors["audience"] = "Choose who must acknowledge the policy."
    roles = set(policy.audience_roles or [])
    if roles - set(STAFF_ROLES):
        errors["audience_roles"] = (
            "Choose among admin, officer and contributor (auditors are read-only and are "
            "never asked to acknowledge)."
        )
    elif policy.audience == Policy.Audience.ROLES and not roles:
        errors["audience_roles"] = "Choose at least one role, or make the audience all members."
    if not 1 <= (policy.review_interval_months or 0) <= 60:
        errors["review_interval_months"] = "Review at least every 60 months (1–60)."
    if set(policy.ai_sections or []) - set(AISection.values):
        errors["ai_sections"] = "Unknown AI section."
    if errors:
        raise ValidationError(errors)
    policy.title = policy.title.strip()
    if policy.audience == Policy.Audience.ALL:
        policy.audience_roles = []
    if not policy.covers_ai:
        policy.ai_sections = []
    if policy.kind == PolicyKind.AI_ACCEPTABLE_USE:
        policy.covers_ai = True
    _check_member(actor, policy.owner, "owner", staff_only=True)


@transaction.atomic
def policy_create(
    *,
    actor: Actor,
    title: str,
    owner,
    kind: str = PolicyKind.OTHER,
    audience: str = Policy.Audience.ALL,
    audience_roles: Iterable[str] = (),
    review_interval_months: int = 12,
    covers_ai: bool = False,
    ai_sections: Iterable[str] = (),
) -> Policy:
    if not actor.has_scope("policies:write"):
        raise NotPermitted("Your access does not include creating policies.")
    policy = Policy(
        title=title,
        owner=owner,
        kind=kind,
        audience=audience,
        audience_roles=list(audience_roles),
        review_interval_months=review_interval_months,
        covers_ai=covers_ai,
        ai_sections=list(ai_sections),
    )
    _clean_policy(actor, policy)
    policy.save()
    return policy


@transaction.atomic
def policy_update(*, actor: Actor, policy: Policy, **changes) -> Policy:
    _require(rules.can_edit_policy(actor, policy))
    unknown = set(changes) - set(POLICY_FIELDS)
    if unknown:
        raise ValueError(f"policy_update cannot change {sorted(unknown)}")
    for name, value in changes.items():
        setattr(policy, name, list(value) if name.endswith(("_roles", "_sections")) else value)
    _clean_policy(actor, policy)
    policy.save()
    return policy


def _next_number(policy: Policy) -> int:
    last = PolicyVersion.objects.filter(policy=policy).order_by("-number").first()
    return 1 if last is None else last.number + 1


def _set_content(version: PolicyVersion, *, body_markdown: str | None, document) -> None:
    """Put text or a checked document in a draft, and hash what it now holds."""
    if document is not None:
        if body_markdown:
            raise ValidationError(
                {"document": "A version holds either text or a document, not both."}
            )
        checked = uploads.check_upload(
            document,
            allowed=uploads.DOCUMENTS,
            field="document",
            name_length=PolicyVersion._meta.get_field("document_name").max_length,
        )
        version.body_markdown = ""
        version.document_name = checked.name
        version.document_type = checked.file_type.key
        version.document_size = checked.size
        version.content_sha256 = checked.sha256
        stored = checked.as_file()
        version.document.save(stored.name, stored, save=False)
    elif body_markdown is not None:
        version.body_markdown = body_markdown.replace("\r\n", "\n")
        version.document = ""
        version.document_name = version.document_type = ""
        version.document_size = None
        version.content_sha256 = text_sha256(version.body_markdown)


@transaction.atomic
def version_create_draft(
    *,
    actor: Actor,
    policy: Policy,
    body_markdown: str | None = None,
    document=None,
    change_summary: str = "",
    append_template: str | None = None,
) -> PolicyVersion:
    """Start the next version as a draft: given content, or a copy of the latest text."""
    _require(rules.can_edit_policy(actor, policy))
    Policy.objects.select_for_update().filter(pk=policy.pk).first()  # serialise numbering
    open_version = PolicyVersion.objects.filter(
        policy=policy, status__in=[VersionStatus.DRAFT, VersionStatus.IN_REVIEW]
    ).first()
    if open_version is not None:
        raise Conflict(
            f"Version {open_version.number} is still {open_version.get_status_display().lower()};"
            " finish or delete it before starting another.",
        )
    if body_markdown is None and document is None:
        latest = (
            PolicyVersion.objects.filter(policy=policy)
            # the most recently published text if there is one, else the most recent
            .order_by(F("published_at").desc(nulls_last=True), "-number")
            .first()
        )
        body_markdown = latest.body_markdown if latest else ""
    if append_template:
        template = TEMPLATES.get(append_template)
        if template is None:
            raise ValidationError({"template": f"No starter template {append_template!r}."})
        body_markdown = ((body_markdown or "").rstrip() + "\n\n" + template.body).lstrip()
    version = PolicyVersion(
        organization_id=policy.organization_id,
        policy=policy,
        number=_next_number(policy),
        status=VersionStatus.DRAFT,
        change_summary=change_summary,
        author=actor.user,
    )
    _set_content(version, body_markdown=body_markdown, document=document)
    version.save()
    return version


@transaction.atomic
def policy_create_from_template(
    *, actor: Actor, template_key: str, owner=None, title: str | None = None
) -> PolicyVersion:
    """A new policy from a starter template, with its first version as a draft."""
    template = TEMPLATES.get(template_key)
    if template is None:
        raise ValidationError({"template": f"No starter template {template_key!r}."})
    policy = policy_create(
        actor=actor,
        title=title or template.title,
        owner=owner or actor.user,
        kind=template.kind,
        covers_ai=True,
        ai_sections=template.ai_sections,
    )
    return version_create_draft(
        actor=actor,
        policy=policy,
        body_markdown=template.body,
        change_summary=f"Started from the Guardrail template '{template.title}'.",
    )


def _lock(version: PolicyVersion) -> PolicyVersion:
    """Lock the row and re-read it, so the state checked is the state changed."""
    PolicyVersion.objects.select_for_update().filter(pk=version.pk).values("pk").first()
    version.refresh_from_db()
    return version


def _refuse_transition(version: PolicyVersion, action: str) -> None:
    refusal = rules.transition_refusal(version, action)
    if refusal:
        raise TransitionRefused(refusal)


@transaction.atomic
def version_update_draft(
    *,
    actor: Actor,
    version: PolicyVersion,
    body_markdown: str | None = None,
    document=None,
    change_summary: str | None = None,
) -> PolicyVersion:
    version = _lock(version)
    if version.status != VersionStatus.DRAFT:
        raise Conflict(
            f"Version {version.number} is {version.get_status_display().lower()}: its content "
            "can no longer change. Start a new draft instead.",
        )
    _require(rules.can_edit_draft(actor, version))
    _set_content(version, body_markdown=body_markdown, document=document)
    if change_summary is not None:
        version.change_summary = change_summary
    version.save()
    return version


@transaction.atomic
def version_delete_draft(*, actor: Actor, version: PolicyVersion) -> None:
    version = _lock(version)
    if version.status != VersionStatus.DRAFT:
        raise Conflict(
            f"Version {version.number} is {version.get_status_display().lower()}; only a draft "
            "can be deleted."
        )
    _require(rules.can_edit_draft(actor, version))
    version.delete()


def _set_grants(version: PolicyVersion, *, approver, reviewers: Iterable) -> None:
    PolicyVersionUserObjectPermission.objects.filter(content_object=version).delete()
    for reviewer in reviewers:
        if reviewer.pk != approver.pk:
            permissions.grant(reviewer, f"policies.{rules.REVIEW}", version)
    permissions.grant(approver, f"policies.{rules.APPROVE}", version)


@transaction.atomic
def version_submit(
    *, actor: Actor, version: PolicyVersion, approver, reviewers: Iterable = ()
) -> PolicyVersion:
    """Draft → in review, naming who reviews and who approves this version."""
    version = _lock(version)
    _refuse_transition(version, "submit")
    _require(rules.can_submit(actor, version))
    if not version.body_markdown.strip() and not version.document:
        raise ValidationError(
            {"body_markdown": "Write the text or upload a document before asking for review."}
        )
    if approver is None:
        raise ValidationError({"approver": "Choose who approves this version."})
    reviewers = list(reviewers)
    _check_member(actor, approver, "approver", staff_only=True)
    if version.author_id is not None and approver.pk == version.author_id:
        raise ValidationError(
            {"approver": "The author cannot approve their own version (segregation of duties)."}
        )
    for reviewer in reviewers:
        _check_member(actor, reviewer, "reviewers", staff_only=True)
        if version.author_id is not None and reviewer.pk == version.author_id:
            raise ValidationError({"reviewers": "The author cannot review their own version."})
    _set_grants(version, approver=approver, reviewers=reviewers)
    version.status = VersionStatus.IN_REVIEW
    version.submitted_by = actor.user
    version.submitted_at = timezone.now()
    version.save()
    return version


@transaction.atomic
def version_return_to_draft(*, actor: Actor, version: PolicyVersion, note: str) -> PolicyVersion:
    """In review → draft, with the changes the reviewer asks for."""
    version = _lock(version)
    _refuse_transition(version, "return_to_draft")
    _require(rules.can_return_to_draft(actor, version))
    if not (note or "").strip():
        raise ValidationError({"note": "Say what needs to change."})
    version.status = VersionStatus.DRAFT
    version.returned_by = actor.user
    version.returned_at = timezone.now()
    version.return_note = note.strip()
    version.save()
    return version


@transaction.atomic
def version_approve(*, actor: Actor, version: PolicyVersion) -> PolicyVersion:
    version = _lock(version)
    _refuse_transition(version, "approve")
    _require(rules.can_approve(actor, version))
    version.status = VersionStatus.APPROVED
    version.approved_by = actor.user
    version.approved_at = timezone.now()
    version.save()
    return version


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@transaction.atomic
def version_publish(*, actor: Actor, version: PolicyVersion) -> PolicyVersion:
    """Approved → published; the previously published version becomes superseded.

    Publishing asks the policy's audience to acknowledge this version: from now on it is in
    each of their "to read" lists (selectors.versions_to_acknowledge).
    """
    version = _lock(version)
    _refuse_transition(version, "publish")
    _require(rules.can_publish(actor, version))
    now = timezone.now()
    for previous in PolicyVersion.objects.select_for_update().filter(
        policy_id=version.policy_id, status=VersionStatus.PUBLISHED
    ):
        _refuse_transition(previous, "supersede")
        previous.status = VersionStatus.SUPERSEDED
        previous.superseded_by = actor.user
        previous.superseded_at = now
        previous.save()
    version.status = VersionStatus.PUBLISHED
    version.published_by = actor.user
    version.published_at = now
    version.save()
    policy = version.policy
    policy.next_review_date = _add_months(timezone.localdate(now), policy.review_interval_months)
    policy.save(update_fields=["next_review_date", "updated"])
    return version


@transaction.atomic
def version_retire(*, actor: Actor, version: PolicyVersion) -> PolicyVersion:
    version = _lock(version)
    _refuse_transition(version, "retire")
    _require(rules.can_retire(actor, version))
    version.status = VersionStatus.RETIRED
    version.retired_by = actor.user
    version.retired_at = timezone.now()
    version.save()
    if not PolicyVersion.objects.filter(
        policy_id=version.policy_id, status=VersionStatus.PUBLISHED
    ).exists():
        Policy.objects.filter(pk=version.policy_id).update(next_review_date=None)
    return version


TRANSITION_SERVICES = {
    "submit": version_submit,
    "return_to_draft": version_return_to_draft,
    "approve": version_approve,
    "publish": version_publish,
    "retire": version_retire,
}


@transaction.atomic
def acknowledge(
    *, actor: Actor, version: PolicyVersion, ip_address: str | None = None
) -> Acknowledgement:
    """The acting member confirms they have read this published version (idempotent)."""
    if actor.user is None:
        raise NotPermitted("Only a person can acknowledge a policy; an API key cannot.")
    if version.status != VersionStatus.PUBLISHED:
        raise Conflict(
            f"Version {version.number} is {version.get_status_display().lower()}; only the "
            "published version can be acknowledged."
        )
    if actor.role not in version.policy.audience_role_list:
        raise NotPermitted("This policy is not addressed to your role.")
    acknowledgement, _ = Acknowledgement.objects.get_or_create(
        version=version,
        user=actor.user,
        defaults={"ip_address": ip_address or None, "acknowledged_at": timezone.now()},
    )
    return acknowledgement
