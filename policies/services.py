"""The only writes of the policies app: policies, versions and their workflow, acknowledgements.

Every version transition goes through `isms.workflow.transition()` with the table WORKFLOW:
it locks the version (and what the transition also moves, in one global order), asks the
authorization policy (policies/access.py; 403), re-checks the state under the lock (409
`invalid_transition`), then records who, when and why. Content can change only while a
version is a draft; the database trigger of migration 0002 backs that up for every path.

Publishing supersedes the version in force: the policy row and every version involved are
locked in one `lock()` call (policy table first), and every publication or retirement of a
policy's versions locks the policy, so two publications of one policy queue instead of
deadlocking, and exactly one version is published afterwards.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone

from isms import policy as authz
from isms import uploads
from isms.access import Actor, addressable_roles
from isms.errors import Conflict, Duplicate, ErrorCode
from isms.members import active_members, validate_member
from isms.models import Control, WebhookEventType
from isms.webhooks.events import emit, object_data
from isms.workflow import lock, transition
from isms.writes import model_update, unique_or_conflict
from policies.access import grant_reviewers
from policies.documents import text_sha256
from policies.models import (
    Acknowledgement,
    AISection,
    Policy,
    PolicyControl,
    PolicyKind,
    PolicyVersion,
    VersionStatus,
)
from policies.starters import TEMPLATES
from policies.workflows import WORKFLOW

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
TITLE_TAKEN = "A policy with this title already exists in this organisation."
UNIQUE_TITLE = {"policy_unique_title_ci": ("title", TITLE_TAKEN)}
CONTENT_FIELDS = [
    "body_markdown",
    "document",
    "document_name",
    "document_type",
    "document_size",
    "content_sha256",
    "change_summary",
]


def _clean_policy(policy: Policy) -> None:
    """Validate and normalise a policy's fields (owner included); ValidationError names them."""
    errors: dict[str, str] = {}
    title = (policy.title or "").strip()
    if not title:
        errors["title"] = "Give the policy a title."
    if policy.kind not in PolicyKind.values:
        errors["kind"] = "Choose a kind of policy."
    if policy.audience not in Policy.Audience.values:
        errors["audience"] = "Choose who must acknowledge the policy."
    roles = set(policy.audience_roles or [])
    if roles - set(addressable_roles()):
        errors["audience_roles"] = (
            "Choose among the roles that can be asked to acknowledge (auditors are read-only "
            "and are never asked)."
        )
    elif policy.audience == Policy.Audience.ROLES and not roles:
        errors["audience_roles"] = "Choose at least one role, or make the audience all members."
    if not 1 <= (policy.review_interval_months or 0) <= 60:
        errors["review_interval_months"] = "Review at least every 60 months (1–60)."
    if set(policy.ai_sections or []) - set(AISection.values):
        errors["ai_sections"] = "Unknown AI section."
    try:
        policy.owner = validate_member(policy.owner_id, "owner")
    except ValidationError as error:
        errors.update({k: v[0] for k, v in error.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    policy.title = title
    if policy.audience == Policy.Audience.ALL:
        policy.audience_roles = []
    if not policy.covers_ai:
        policy.ai_sections = []
    if policy.kind == PolicyKind.AI_ACCEPTABLE_USE:
        policy.covers_ai = True
    taken = Policy.objects.annotate(lower_title=Lower("title")).filter(lower_title=title.lower())
    if taken.exclude(pk=policy.pk).exists():
        raise Duplicate(TITLE_TAKEN, field="title")


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
    authz.require(actor, "create", Policy())
    policy = Policy(
        title=title,
        owner_id=getattr(owner, "pk", owner),
        kind=kind,
        audience=audience,
        audience_roles=list(audience_roles),
        review_interval_months=review_interval_months,
        covers_ai=covers_ai,
        ai_sections=list(ai_sections),
    )
    _clean_policy(policy)
    with unique_or_conflict(UNIQUE_TITLE):
        policy.save()
    authz.policy_for(Policy).grant_owner(policy, policy.owner)
    return policy


@transaction.atomic
def policy_update(*, actor: Actor, policy: Policy, **changes) -> Policy:
    """Change a policy's fields; only the fields whose value changes are written."""
    authz.require(actor, "change", policy)
    unknown = set(changes) - set(POLICY_FIELDS)
    if unknown:
        raise ValueError(f"policy_update cannot change {sorted(unknown)}")
    previous_owner_id = policy.owner_id
    candidate = Policy(
        pk=policy.pk,
        organization_id=policy.organization_id,
        **{f: getattr(policy, f) for f in POLICY_FIELDS if f != "owner"},
        owner_id=policy.owner_id,
    )
    for name, value in changes.items():
        if name == "owner":
            candidate.owner_id = getattr(value, "pk", value)
        else:
            setattr(
                candidate, name, list(value) if name in {"audience_roles", "ai_sections"} else value
            )
    _clean_policy(candidate)
    data = {f: getattr(candidate, f) for f in POLICY_FIELDS}
    with unique_or_conflict(UNIQUE_TITLE):
        model_update(policy, data=data, fields=POLICY_FIELDS, clean=False)
    if policy.owner_id != previous_owner_id:
        authz.policy_for(Policy).grant_owner(
            policy, policy.owner, previous=User(pk=previous_owner_id)
        )
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
        # One spelling of a text, whatever sent it: a browser's CRLF line ends, a form that
        # strips the final newline. Saving a version unchanged keeps its hash.
        text = body_markdown.replace("\r\n", "\n").rstrip("\n")
        version.body_markdown = text + "\n" if text.strip() else ""
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
    authz.require(actor, "change", policy)
    (policy,) = lock(policy)  # serialise numbering and "one open version"
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
    owner = owner or actor.user
    if owner is None:
        raise ValidationError(
            {"owner": "Name the policy's owner (a member's user id): an API key owns nothing."}
        )
    policy = policy_create(
        actor=actor,
        title=title or template.title,
        owner=owner,
        kind=template.kind,
        covers_ai=bool(template.ai_sections),
        ai_sections=template.ai_sections,
    )
    _link_controls(policy, template_controls(template))
    return version_create_draft(
        actor=actor,
        policy=policy,
        body_markdown=template.body,
        change_summary=f"Started from the Guardrail template '{template.title}'.",
    )


def template_controls(template) -> list[Control]:
    """The library controls a starter template implements (those the library holds)."""
    wanted = set(template.controls)
    if not wanted:
        return []
    refs = {ref for _, ref in wanted}
    return [
        c
        for c in Control.objects.select_related("framework").filter(ref__in=refs)
        if (c.framework.code, c.ref) in wanted
    ]


def _link_controls(policy: Policy, controls: Iterable[Control]) -> None:
    wanted = {c.pk for c in controls}
    current = set(PolicyControl.objects.filter(policy=policy).values_list("control_id", flat=True))
    PolicyControl.objects.filter(policy=policy, control_id__in=current - wanted).delete()
    PolicyControl.objects.bulk_create(
        [
            PolicyControl(organization_id=policy.organization_id, policy=policy, control_id=pk)
            for pk in sorted(wanted - current)
        ]
    )


@transaction.atomic
def policy_controls_set(*, actor: Actor, policy: Policy, controls: Iterable) -> list[Control]:
    """Link the policy to exactly these library controls (ids or Control objects): the SoA
    row of each lists the policy."""
    authz.require(actor, "change", policy)
    ids = set()
    for control in controls:
        value = getattr(control, "pk", control)
        try:
            ids.add(int(value))
        except (TypeError, ValueError):
            raise ValidationError({"controls": f"{value!r} is not a control id."}) from None
    found = list(Control.objects.filter(pk__in=ids))
    missing = ids - {c.pk for c in found}
    if missing:
        raise ValidationError(
            {"controls": f"No control with id {sorted(missing)[0]} in the control library."}
        )
    _link_controls(policy, found)
    return found


def _into(version: PolicyVersion, fresh: PolicyVersion) -> PolicyVersion:
    """Copy the stored state into the caller's instance (it stays usable after the call)."""
    if fresh is not version:
        for field in PolicyVersion._meta.concrete_fields:
            setattr(version, field.attname, getattr(fresh, field.attname))
    return version


def _refuse_unless_draft(version: PolicyVersion, doing: str) -> None:
    if version.status != VersionStatus.DRAFT:
        raise Conflict(
            f"Version {version.number} is {version.get_status_display().lower()}: {doing}",
            code=ErrorCode.IMMUTABLE,
        )


@transaction.atomic
def version_update_draft(
    *,
    actor: Actor,
    version: PolicyVersion,
    body_markdown: str | None = None,
    document=None,
    change_summary: str | None = None,
) -> PolicyVersion:
    (fresh,) = lock(version)
    _refuse_unless_draft(fresh, "its content can no longer change. Start a new draft instead.")
    authz.require(actor, "change", fresh)
    _set_content(fresh, body_markdown=body_markdown, document=document)
    if change_summary is not None:
        fresh.change_summary = change_summary
    fresh.save(update_fields=CONTENT_FIELDS)
    return _into(version, fresh)


@transaction.atomic
def version_delete_draft(*, actor: Actor, version: PolicyVersion) -> None:
    (version,) = lock(version)
    _refuse_unless_draft(version, "only a draft can be deleted.")
    authz.require(actor, "delete", version)
    version.delete()


def _named_approver(approver, author_id: int | None):
    """The approver named for a version: an active member holding `policies:approve` now,
    never its author. ValidationError names the field."""
    if approver in (None, ""):
        raise ValidationError({"approver": "Choose who approves this version."})
    user = validate_member(approver, "approver", scope=None)
    if not active_members(scope="policies:approve").filter(pk=user.pk).exists():
        raise ValidationError(
            {
                "approver": f"{user.email} cannot approve policies: their role does not include "
                "policies:approve. Choose a member whose role does."
            }
        )
    if author_id is not None and user.pk == author_id:
        raise ValidationError(
            {"approver": "The author cannot approve their own version (segregation of duties)."}
        )
    return user


def _named_reviewers(reviewers: Iterable, *, approver, author_id: int | None) -> list:
    named = []
    for reviewer in reviewers:
        user = validate_member(reviewer, "reviewers")
        if author_id is not None and user.pk == author_id:
            raise ValidationError({"reviewers": "The author cannot review their own version."})
        if user.pk == approver.pk:
            raise ValidationError(
                {
                    "reviewers": "The approver cannot also review this version: whoever reviews "
                    "never approves (segregation of duties)."
                }
            )
        if user.pk not in {u.pk for u in named}:
            named.append(user)
    return named


def version_submit(
    *, actor: Actor, version: PolicyVersion, approver, reviewers: Iterable = ()
) -> PolicyVersion:
    """Draft → in review, naming who reviews and who approves this version."""

    def apply(fresh: PolicyVersion):
        if not fresh.body_markdown.strip() and not fresh.document:
            raise ValidationError(
                {"body_markdown": "Write the text or upload a document before asking for review."}
            )
        named = _named_approver(approver, fresh.author_id)
        grant_reviewers(
            fresh,
            approver=named,
            reviewers=_named_reviewers(reviewers, approver=named, author_id=fresh.author_id),
        )
        return []

    return _into(version, transition(WORKFLOW, version, "submit", actor=actor, apply=apply))


def version_return_to_draft(*, actor: Actor, version: PolicyVersion, note: str) -> PolicyVersion:
    """In review → draft, with the changes the reviewer asks for."""
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "Say what needs to change."})

    def apply(fresh: PolicyVersion):
        fresh.return_note = note
        return ["return_note"]

    moved = transition(WORKFLOW, version, "return_to_draft", actor=actor, reason=note, apply=apply)
    return _into(version, moved)


def version_approve(*, actor: Actor, version: PolicyVersion) -> PolicyVersion:
    """In review → approved, by the named approver if they hold policies:approve now."""
    return _into(version, transition(WORKFLOW, version, "approve", actor=actor))


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _published_others(version: PolicyVersion) -> list[PolicyVersion]:
    return list(
        PolicyVersion.objects.filter(
            policy_id=version.policy_id, status=VersionStatus.PUBLISHED
        ).exclude(pk=version.pk)
    )


@transaction.atomic
def version_publish(*, actor: Actor, version: PolicyVersion) -> PolicyVersion:
    """Approved → published; the previously published version becomes superseded.

    Publishing asks the policy's audience to acknowledge this version: from now on it is in
    each of their "to read" lists (selectors.versions_to_acknowledge).
    """
    previous = _published_others(version)

    def apply(fresh: PolicyVersion, policy: Policy, *locked: PolicyVersion):
        # Under the policy's lock nobody else publishes; if the version in force changed
        # between our read and our lock, someone published at the same moment: refuse.
        in_force = {v.pk for v in _published_others(fresh)}
        if in_force != {v.pk for v in locked if v.status == VersionStatus.PUBLISHED}:
            raise Conflict(
                "Another version of this policy was published at the same moment; reload the "
                "page and check before publishing.",
                code=ErrorCode.CONCURRENT_UPDATE,
            )
        for old in locked:
            if old.status == VersionStatus.PUBLISHED:
                transition(WORKFLOW, old, "supersede", actor=actor, check_policy=False)
        policy.next_review_date = _add_months(timezone.localdate(), policy.review_interval_months)
        policy.save(update_fields=["next_review_date", "updated"])
        return []

    moved = transition(
        WORKFLOW,
        version,
        "publish",
        actor=actor,
        lock_also=[Policy(pk=version.policy_id), *previous],
        apply=apply,
    )
    emit(
        WebhookEventType.POLICY_PUBLISHED,
        data=object_data(
            moved,
            "policy_version",
            policy_id=moved.policy_id,
            version=moved.number,
        ),
    )
    return _into(version, moved)


@transaction.atomic
def version_retire(*, actor: Actor, version: PolicyVersion) -> PolicyVersion:
    def apply(fresh: PolicyVersion, policy: Policy):
        if not _published_others(fresh):
            policy.next_review_date = None
            policy.save(update_fields=["next_review_date", "updated"])
        return []

    moved = transition(
        WORKFLOW,
        version,
        "retire",
        actor=actor,
        lock_also=[Policy(pk=version.policy_id)],
        apply=apply,
    )
    return _into(version, moved)


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
    authz.require(actor, "acknowledge", version)
    if version.status != VersionStatus.PUBLISHED:
        raise Conflict(
            f"Version {version.number} is {version.get_status_display().lower()}; only the "
            "published version can be acknowledged.",
            code=ErrorCode.INVALID_TRANSITION,
        )
    acknowledgement, _ = Acknowledgement.objects.get_or_create(
        version=version,
        user=actor.user,
        defaults={"ip_address": ip_address or None, "acknowledged_at": timezone.now()},
    )
    return acknowledgement
