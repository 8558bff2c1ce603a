"""The inbox's writes: notify one person, the reminder sweep, marking read, settings.

Idempotency lives in the database (notification_unique_key on organisation, recipient, key):
every insert is `INSERT … ON CONFLICT DO NOTHING`, so a repeated call, a sweep run twice,
two workers racing or a retried task never create a reminder twice. The e-mail digest
claims the not-yet-e-mailed notifications (FOR UPDATE SKIP LOCKED, then stamps
`emailed_at`) in the sweep's transaction and sends after it commits: a worker killed before
the commit leaves nothing claimed (the retry sends), one killed after it never sends twice.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from isms.access import Actor
from isms.errors import NotPermitted
from isms.members import active_members
from isms.tenancy import current_organization_id
from isms.writes import model_update
from monitoring.inbox import sources
from monitoring.inbox.models import InboxSettings, Notification, Stage

logger = logging.getLogger(__name__)
User = get_user_model()


@dataclass(frozen=True)
class _Row:
    recipient_id: int
    kind: str
    stage: str
    subject: str
    body: str
    url: str
    due_on: date | None
    key: str
    escalated: bool = False


def _insert(organization_id: int, rows: list[_Row]) -> list[int]:
    """Insert the rows that are new (by organisation, recipient, key); return their ids.

    One statement whatever the number of rows (the columns travel as arrays).
    """
    table = Notification._meta.db_table
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (organization_id, recipient_id, kind, stage, subject, body, "
            "url, due_on, key, escalated, created) "
            "SELECT %s, r, k, st, su, b, u, d, ky, e, %s FROM unnest("
            "%s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[], "
            "%s::date[], %s::text[], %s::boolean[]) AS t(r, k, st, su, b, u, d, ky, e) "
            "ON CONFLICT (organization_id, recipient_id, key) DO NOTHING RETURNING id",
            [
                organization_id,
                now,
                [r.recipient_id for r in rows],
                [r.kind[:60] for r in rows],
                [str(r.stage) for r in rows],
                [r.subject[:300] for r in rows],
                [r.body for r in rows],
                [r.url[:500] for r in rows],
                [r.due_on for r in rows],
                [r.key[:200] for r in rows],
                [r.escalated for r in rows],
            ],
        )
        return [row[0] for row in cursor.fetchall()]


@transaction.atomic
def notify(
    *,
    recipient_id: int,
    kind: str,
    subject: str,
    url: str,
    key: str,
    due_on: date | None = None,
    body: str = "",
) -> Notification | None:
    """Put one notification in a member's inbox (and their next digest e-mail).

    Idempotent by (organisation, recipient, key): a second call with the same key does
    nothing and returns None. Runs in the tenant context; a recipient who is not an active
    member of the organisation is ignored (None), so nothing crosses organisations.
    """
    organization_id = current_organization_id()
    if not active_members(scope=None).filter(pk=recipient_id).exists():
        return None
    ids = _insert(
        organization_id,
        [_Row(recipient_id, kind, "", subject, body, url, due_on, key)],
    )
    return Notification.objects.get(pk=ids[0]) if ids else None


def settings_get() -> InboxSettings:
    """The organisation's settings (unsaved defaults when it has none yet: reads never write)."""
    return InboxSettings.objects.filter().first() or InboxSettings()


def settings_ensure() -> InboxSettings:
    found = InboxSettings.objects.filter().first()
    if found is not None:
        return found
    InboxSettings.objects.bulk_create(
        [InboxSettings(organization_id=current_organization_id())], ignore_conflicts=True
    )
    return InboxSettings.objects.get()


@transaction.atomic
def settings_update(*, actor: Actor, soon_days: int, escalate_after_days: int, email_digest: bool):
    if not actor.has_scopes(["monitoring:write", "monitoring:manage"]):
        raise NotPermitted(actor.missing_scopes_message(["monitoring:write", "monitoring:manage"]))
    row = settings_ensure()
    model_update(
        row,
        data={
            "soon_days": soon_days,
            "escalate_after_days": escalate_after_days,
            "email_digest": email_digest,
        },
        fields=["soon_days", "escalate_after_days", "email_digest"],
    )
    return row


@transaction.atomic
def notification_mark_read(*, actor: Actor, notification: Notification) -> Notification:
    from isms import policy

    policy.require(actor, "mark_read", notification)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic
def notifications_mark_all_read(*, actor: Actor) -> int:
    if actor.user_id is None or not actor.has_scope("monitoring:write"):
        raise NotPermitted(actor.missing_scopes_message(["monitoring:write"]))
    return Notification.objects.filter(recipient_id=actor.user_id, read_at__isnull=True).update(
        read_at=timezone.now()
    )


# --- the sweep ------------------------------------------------------------------------------


def stage_of(due_on: date, today: date, soon_days: int) -> str | None:
    days = (due_on - today).days
    if days < 0:
        return Stage.OVERDUE
    if days == 0:
        return Stage.DUE
    if days <= soon_days:
        return Stage.SOON
    return None


_STAGE_WORDS = {
    Stage.SOON: "Due soon",
    Stage.DUE: "Due today",
    Stage.OVERDUE: "Overdue",
    Stage.ESCALATED: "Escalated (overdue)",
}


@dataclass
class SweepResult:
    items: int = 0
    created: int = 0
    escalated: int = 0
    emails: int = 0
    digests: list = field(default_factory=list, repr=False)


@transaction.atomic
def sweep_organization(*, today: date | None = None, send: bool = True) -> SweepResult:
    """Notify everyone of what is due soon, due and overdue in the organisation in context;
    escalate to officers what is overdue past the setting; queue one digest per person.

    A constant number of queries whatever the organisation's size (each source is
    set-based; the inserts are multi-row).
    """
    organization_id = current_organization_id()
    today = today or timezone.localdate()
    config = settings_ensure()
    items = sources.gather(organization_id, today)
    members = sources.active_member_ids(organization_id)
    result = SweepResult(items=len(items))
    rows: list[_Row] = []
    for item in items:
        stage = stage_of(item.due_on, today, config.soon_days)
        if stage is None:
            continue
        recipients = [u for u in dict.fromkeys(item.recipient_ids) if u in members]
        body = f"{_STAGE_WORDS[stage]}: due on {item.due_on:%d %b %Y}."
        for user_id in recipients:
            rows.append(
                _Row(
                    user_id,
                    item.kind,
                    stage,
                    item.subject,
                    body,
                    item.url,
                    item.due_on,
                    f"{item.key}:{stage}",
                )
            )
        if stage != Stage.OVERDUE:
            continue
        after = item.escalate_after_days or config.escalate_after_days
        overdue_days = (today - item.due_on).days
        if overdue_days < after:
            continue
        officers = sources.members_with_scope(organization_id, f"{item.domain}:manage")
        body = (
            f"Overdue by {overdue_days} days (due on {item.due_on:%d %b %Y}); escalated to "
            f"the officers after {after} days."
        )
        for user_id in officers:
            if user_id in recipients:
                continue
            rows.append(
                _Row(
                    user_id,
                    item.kind,
                    Stage.ESCALATED,
                    item.subject,
                    body,
                    item.url,
                    item.due_on,
                    f"{item.key}:{Stage.ESCALATED}",
                    escalated=True,
                )
            )
    created = _insert(organization_id, rows)
    result.created = len(created)
    result.escalated = sum(1 for r in rows if r.escalated)  # candidates, for the log
    if config.email_digest:
        result.digests = _claim_digests()
        result.emails = len(result.digests)
        if send and result.digests:
            messages = result.digests
            transaction.on_commit(lambda: _send(messages))
    return result


def _claim_digests() -> list[mail.EmailMessage]:
    """Claim every notification not yet e-mailed (skipping rows another sweep holds) and
    build one digest per recipient. One statement claims and reads them."""
    from isms.models import Organization

    organization = Organization.objects.get(pk=current_organization_id())
    table = Notification._meta.db_table
    users = User._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS n SET emailed_at = %s FROM {users} AS u "
            f"WHERE u.id = n.recipient_id AND n.id IN (SELECT id FROM {table} "
            "WHERE organization_id = %s AND emailed_at IS NULL FOR UPDATE SKIP LOCKED) "
            "RETURNING n.recipient_id, u.email, u.first_name, u.last_name, n.subject, n.body, "
            "n.url, n.due_on, n.id",
            [timezone.now(), organization.pk],
        )
        claimed = sorted(cursor.fetchall(), key=lambda r: (r[0], r[7] or date.max, r[8]))
    by_person: dict[int, list[dict]] = defaultdict(list)
    people: dict[int, dict] = {}
    for user_id, email, first, last, subject, body, url, due_on, _id in claimed:
        people[user_id] = {"email": email, "name": f"{first} {last}".strip() or email}
        by_person[user_id].append({"subject": subject, "body": body, "url": url, "due_on": due_on})
    base = getattr(settings, "SITE_URL", "").rstrip("/")
    messages = []
    for user_id, notifications in by_person.items():
        person = people[user_id]
        if not person["email"]:
            continue
        context = {
            "person": person,
            "organization": organization,
            "notifications": notifications,
            "base": base,
        }
        count = len(notifications)
        messages.append(
            mail.EmailMessage(
                subject=f"[{organization.name}] {count} reminder{'s' if count != 1 else ''} "
                "from Guardrail",
                body=render_to_string("monitoring/inbox/digest_email.txt", context),
                to=[person["email"]],
            )
        )
    return messages


def _send(messages: list[mail.EmailMessage]) -> None:
    try:
        with mail.get_connection() as conn:
            conn.send_messages(messages)
    except Exception:  # the in-app notifications stand; the digest is not retried twice
        logger.exception("sending %d reminder digests failed", len(messages))
