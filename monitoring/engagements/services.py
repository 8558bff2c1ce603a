"""Engagement writes: open an engagement, invite its auditors, raise, answer, close and
reopen evidence requests, and record an auditor's access."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from isms import policy
from isms.access import Actor, engagement_role, is_time_boxed
from isms.errors import Conflict, ErrorCode
from isms.models import Control, Framework, Membership
from isms.services import organizations
from isms.uploads import CheckedUpload
from isms.workflow import Transition, Workflow, transition
from isms.writes import model_update
from monitoring.engagements.models import (
    AuditorAccess,
    Engagement,
    EngagementAuditor,
    EvidenceAnswer,
    EvidenceRequest,
    RequestStatus,
)

REQUESTS = Workflow(
    EvidenceRequest,
    label="Evidence request",
    transitions=[
        Transition(
            "answer",
            {RequestStatus.OPEN, RequestStatus.ANSWERED},
            RequestStatus.ANSWERED,
            "answered",
        ),
        Transition("close", {RequestStatus.ANSWERED}, RequestStatus.CLOSED, "closed"),
        Transition(
            "reopen",
            {RequestStatus.ANSWERED, RequestStatus.CLOSED},
            RequestStatus.OPEN,
            "reopened",
            action="close",
        ),
    ],
)


def _frameworks(codes) -> list[str]:
    codes = sorted({c.strip() for c in codes if c and c.strip()})
    if not codes:
        raise ValidationError({"framework_codes": "Choose at least one framework in scope."})
    known = set(Framework.objects.filter(code__in=codes).values_list("code", flat=True))
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ValidationError({"framework_codes": f"Unknown framework(s): {', '.join(unknown)}."})
    return codes


def engagement_open(
    *,
    actor: Actor,
    title: str,
    framework_codes,
    expires_at: datetime,
    audit_body: str = "",
    auditor_emails=(),
) -> Engagement:
    """Open an engagement and invite its auditors (all or nothing)."""
    policy.require(actor, "create", Engagement)
    if expires_at <= timezone.now():
        raise ValidationError({"expires_at": "The expiry must be in the future."})
    with transaction.atomic():
        engagement = Engagement(
            title=title.strip(),
            audit_body=audit_body.strip(),
            framework_codes=_frameworks(framework_codes),
            expires_at=expires_at,
            opened_by_id=actor.user_id,
        )
        engagement.full_clean(exclude=["organization"])
        engagement.save()
        for email in auditor_emails:
            auditor_invite(actor=actor, engagement=engagement, email=email)
    return engagement


def auditor_invite(*, actor: Actor, engagement: Engagement, email: str) -> EngagementAuditor:
    """Invite `email` to the engagement with the read-only, time-boxed role, its membership
    ending with the engagement. A person already an auditor of the organisation keeps their
    membership, extended to this engagement's end if it ends sooner; a member with any other
    role is refused (an auditor is independent of the ISMS they audit)."""
    policy.require(actor, "change", engagement)
    email = (email or "").strip().lower()
    if not email:
        raise ValidationError({"email": "Give the auditor's e-mail address."})
    if not engagement.is_live:
        raise ValidationError({"email": "This engagement has ended; open a new one."})
    if EngagementAuditor.objects.filter(engagement=engagement, email=email).exists():
        raise ValidationError({"email": f"{email} is already an auditor of this engagement."})
    membership = (
        Membership.objects.filter(organization=actor.organization, user__email__iexact=email)
        .select_related("user")
        .first()
    )
    invitation = None
    with transaction.atomic():
        if membership is None:
            invitation = organizations.invitation_create(
                organization=actor.organization,
                invited_by=actor.user,
                email=email,
                role=engagement_role(),
                membership_expires_at=engagement.expires_at,
            ).invitation
        elif not is_time_boxed(membership):
            raise ValidationError(
                {
                    "email": f"{email} is a member of {actor.organization.name} with the role "
                    f"{membership.get_role_display()}; an auditor needs an account of their own."
                }
            )
        elif membership.expires_at is not None and membership.expires_at < engagement.expires_at:
            organizations.membership_set(
                organization=actor.organization,
                user=membership.user,
                role=membership.role,
                expires_at=engagement.expires_at,
            )
        auditor = EngagementAuditor(engagement=engagement, email=email, invitation=invitation)
        auditor.full_clean(exclude=["organization", "engagement", "invitation"])
        auditor.save()
    return auditor


def _auditor_access_sync(*, organization, email: str) -> None:
    """Make an auditor's access match the live engagements they are an auditor of, now: a
    time-boxed membership (or a pending invitation) of `email` lasts until the latest of
    those engagements' ends, and ends at once when there is none (control 5.18: access
    rights removed when they are no longer needed). The actor of every page, API call and
    signed link is rebuilt from the membership on each request, so nothing they hold keeps
    working. A member with another role is never touched."""
    from isms.models import Invitation

    now = timezone.now()
    live_ends = Engagement.objects.filter(
        expires_at__gt=now,
        pk__in=EngagementAuditor.objects.filter(email=email).values("engagement"),
    ).values_list("expires_at", flat=True)
    until = max(live_ends, default=None)
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .filter(organization=organization, user__email__iexact=email)
        .first()
    )
    if membership is not None and is_time_boxed(membership):
        ends = until or now
        if membership.expires_at != ends:
            membership.expires_at = ends
            membership.save(update_fields=["expires_at"])
    pending = Invitation.objects.filter(
        organization=organization,
        email__iexact=email,
        role=engagement_role(),
        accepted_at__isnull=True,
        revoked_at__isnull=True,
    )
    if until is None:
        pending.update(revoked_at=now)
    else:
        for invitation in pending.select_for_update():
            invitation.membership_expires_at = until
            invitation.expires_at = min(invitation.expires_at, until)
            invitation.save(update_fields=["membership_expires_at", "expires_at"])


def _sync_engagement(actor: Actor, engagement: Engagement, emails=None) -> None:
    for email in (
        emails if emails is not None else engagement.auditors.values_list("email", flat=True)
    ):
        _auditor_access_sync(organization=actor.organization, email=email)


def engagement_update(
    *,
    actor: Actor,
    engagement: Engagement,
    title: str,
    framework_codes,
    expires_at: datetime,
    audit_body: str = "",
) -> Engagement:
    """Change an engagement's title, audit body, frameworks in scope or end (extend it or
    bring it forward; ending it now is `engagement_end`). Its auditors' access follows the
    new end in the same transaction."""
    policy.require(actor, "change", engagement)
    if expires_at <= timezone.now():
        raise ValidationError(
            {"expires_at": "The end must be in the future; to end the engagement now, end it."}
        )
    with transaction.atomic():
        locked = Engagement.objects.select_for_update().get(pk=engagement.pk)
        if not locked.is_live:
            raise ValidationError({"expires_at": "This engagement has ended; open a new one."})
        model_update(
            locked,
            data={
                "title": (title or "").strip(),
                "audit_body": (audit_body or "").strip(),
                "framework_codes": _frameworks(framework_codes),
                "expires_at": expires_at,
            },
            fields=["title", "audit_body", "framework_codes", "expires_at"],
        )
        _sync_engagement(actor, locked)
    engagement.refresh_from_db()
    return engagement


def engagement_end(*, actor: Actor, engagement: Engagement) -> Engagement:
    """Close the engagement now: its auditors lose access at once (UI, API, signed links),
    unless another live engagement still has them, which then sets their end. The requests,
    answers and access log stay for the officers."""
    policy.require(actor, "change", engagement)
    with transaction.atomic():
        locked = Engagement.objects.select_for_update().get(pk=engagement.pk)
        if not locked.is_live:
            raise Conflict("This engagement has already ended.", code=ErrorCode.INVALID_TRANSITION)
        locked.expires_at = timezone.now()
        locked.save(update_fields=["expires_at"])
        _sync_engagement(actor, locked)
    engagement.refresh_from_db()
    return engagement


def auditor_remove(*, actor: Actor, auditor: EngagementAuditor) -> None:
    """Take an auditor off an engagement: their access ends now unless another live
    engagement still has them."""
    engagement = auditor.engagement
    policy.require(actor, "change", engagement)
    with transaction.atomic():
        email = auditor.email
        auditor.delete()
        _sync_engagement(actor, engagement, emails=[email])


def request_raise(
    *,
    actor: Actor,
    engagement: Engagement,
    question: str,
    due_on: date,
    control: Control | None = None,
    sample: str = "",
) -> EvidenceRequest:
    request = EvidenceRequest(
        engagement=engagement,
        question=(question or "").strip(),
        due_on=due_on,
        control=control,
        sample=(sample or "").strip(),
        raised_by_id=actor.user_id,
    )
    policy.require(actor, "create", request)
    if control is not None and control.framework.code not in engagement.framework_codes:
        raise ValidationError({"control": "This control is not in the engagement's frameworks."})
    if due_on < timezone.localdate():
        raise ValidationError({"due_on": "The due date cannot be in the past."})
    request.full_clean(exclude=["organization", "engagement"])
    request.save()
    return request


def request_answer(
    *,
    actor: Actor,
    request: EvidenceRequest,
    note: str = "",
    url: str = "",
    upload: CheckedUpload | None = None,
) -> EvidenceAnswer:
    """Answer with a file, a link or a note (at least one); the request becomes answered."""
    note, url = (note or "").strip(), (url or "").strip()
    if upload is None and not url and not note:
        raise ValidationError({"file": "Attach a file, give a link or write an answer."})
    answer = EvidenceAnswer(note=note, url=url, answered_by_id=actor.user_id)
    if upload is not None:
        answer.file_name, answer.sha256 = upload.name, upload.sha256

    def add_answer(fresh: EvidenceRequest):
        answer.request = fresh
        answer.organization_id = fresh.organization_id  # the storage path names it
        answer.full_clean(exclude=["organization", "request", "file"])
        if upload is not None:
            answer.file.save(upload.as_file().name, upload.as_file(), save=False)
        answer.save()
        return ()

    transition(REQUESTS, request, "answer", actor=actor, apply=add_answer)
    return answer


def request_close(*, actor: Actor, request: EvidenceRequest) -> EvidenceRequest:
    return transition(REQUESTS, request, "close", actor=actor)


def request_reopen(*, actor: Actor, request: EvidenceRequest) -> EvidenceRequest:
    return transition(REQUESTS, request, "reopen", actor=actor)


def access_record(
    *,
    actor: Actor,
    kind: str,
    method: str,
    path: str,
    status: int,
    subject: str = "",
    engagement_id: int | None = None,
) -> AuditorAccess:
    """One line of the auditor access log (the middleware's only write)."""
    return AuditorAccess.objects.create(
        user_id=actor.user_id,
        email=(getattr(actor.user, "email", "") or "").lower()[:254],
        kind=kind,
        method=method[:8],
        path=path[:500],
        status=status,
        subject=subject[:300],
        engagement_id=engagement_id,
    )
