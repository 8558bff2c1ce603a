"""The inbox's writes: notify one person, the reminder sweep, marking read, settings.

Idempotency lives in the database (notification_unique_key on organisation, recipient, key):
every insert is `INSERT … ON CONFLICT DO NOTHING`, so a repeated call, a sweep run twice,
two workers racing or a retried task never create a reminder twice. The sweep inserts its
new reminders already stamped `emailed_at` and, in the same statement, claims the earlier
ones not yet e-mailed (FOR UPDATE SKIP LOCKED); it sends the digests after its transaction
commits: a worker killed before the commit leaves nothing inserted or claimed (the retry
sends), one killed after it never sends twice.
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
from monitoring.inbox import bulk, sources
from monitoring.inbox.models import InboxSettings, Notification, Stage

logger = logging.getLogger(__name__)
User = get_user_model()


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
    batch = bulk.Batch()
    batch.tell(
        batch.item(
            kind=kind, subject=subject, url=url, due_on=due_on, stage="", body=body, key=key
        ),
        [recipient_id],
    )
    ids = _insert(organization_id, batch)
    return Notification.objects.get(pk=ids[0]) if ids else None


@dataclass(frozen=True)
class Notice:
    """One notification for `notify_many` (the arguments of `notify`)."""

    recipient_id: int
    kind: str
    subject: str
    url: str
    key: str
    due_on: date | None = None
    body: str = ""


@transaction.atomic(savepoint=False)
def notify_many(notices: list[Notice]) -> int:
    """`notify` for many notifications at once: one statement whatever their number (also
    none), for callers that must stay set-based. Idempotent by (organisation, recipient,
    key); recipients who are not active members of the organisation in context are left
    out inside the statement. Returns how many were new."""
    from isms.models import Membership

    organization_id = current_organization_id()
    batch = bulk.Batch()
    for n in notices:
        item = batch.item(
            kind=n.kind,
            subject=n.subject,
            url=n.url,
            due_on=n.due_on,
            stage="",
            body=n.body,
            key=n.key,
        )
        batch.tell(item, [n.recipient_id])
    members = Membership.objects.active().filter(organization_id=organization_id)
    members_sql, members_params = members.values("user_id").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {bulk.TABLE} {bulk.COLUMNS} "
            + bulk.SELECT.format(emailed="NULL::timestamptz")
            + f" WHERE r.p IN ({members_sql})"
            + bulk.ON_CONFLICT,
            [organization_id, timezone.now(), *batch.params(), *members_params],
        )
        return cursor.rowcount


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


def _candidates(items, today: date, config: InboxSettings, organization_id: int) -> bulk.Batch:
    """Every (recipient, stage) reminder the items call for, members only."""
    members = sources.active_member_ids(organization_id)
    officers_of: dict[str, list[int]] = {}
    batch = bulk.Batch()
    for item in items:
        stage = stage_of(item.due_on, today, config.soon_days)
        if stage is None:
            continue
        recipients = [u for u in dict.fromkeys(item.recipient_ids) if u in members]
        escalate_to: list[int] = []
        escalation_body = escalation_key = ""
        if stage == Stage.OVERDUE:
            after = item.escalates_after(config.escalate_after_days)
            overdue_days = (today - item.due_on).days
            if overdue_days >= after:
                officers = officers_of.get(item.domain)
                if officers is None:
                    officers = officers_of[item.domain] = sources.members_with_scope(
                        organization_id, f"{item.domain}:manage"
                    )
                told = set(recipients)
                escalate_to = [u for u in officers if u not in told]
                escalation_body = (
                    f"Overdue by {overdue_days} days (due on {item.due_on:%d %b %Y}); "
                    f"escalated to the officers after {after} days."
                )
                escalation_key = f"{item.key}:{Stage.ESCALATED}"
        if not recipients and not escalate_to:
            continue
        number = batch.item(
            kind=item.kind,
            subject=item.subject,
            url=item.url,
            due_on=item.due_on,
            stage=stage,
            body=f"{_STAGE_WORDS[stage]}: due on {item.due_on:%d %b %Y}.",
            key=f"{item.key}:{stage}",
            escalation_body=escalation_body,
            escalation_key=escalation_key,
        )
        batch.tell(number, recipients)
        if escalate_to:
            batch.tell(number, escalate_to, escalated=True)
    return batch


@transaction.atomic(savepoint=False)  # inside the task's tenant transaction: no savepoint
def sweep_organization(*, today: date | None = None, send: bool = True) -> SweepResult:
    """Notify everyone of what is due soon, due and overdue in the organisation in context;
    escalate to officers what is overdue past the setting; queue one digest per person.

    Set-based: a constant number of statements whatever the organisation's size (each
    source is set-based; one statement inserts every new reminder, claims the ones waiting
    for an e-mail and returns both for the digests).
    """
    organization_id = current_organization_id()
    today = today or timezone.localdate()
    config = settings_ensure()
    items = sources.gather(organization_id, today, soon_days=config.soon_days)
    batch = _candidates(items, today, config, organization_id)
    result = SweepResult(items=len(items), escalated=sum(batch.row_escalated))
    if not config.email_digest:
        result.created = len(_insert(organization_id, batch))
        return result
    fresh, earlier = _insert_and_claim(organization_id, batch)
    result.created = len(fresh)
    result.digests = _digests(organization_id, batch, fresh, earlier)
    result.emails = len(result.digests)
    if send and result.digests:
        messages = result.digests
        transaction.on_commit(lambda: _send(messages))
    return result


def _insert(organization_id: int, batch: bulk.Batch) -> list[int]:
    """Insert the rows that are new (left for the next digest); return their ids."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {bulk.TABLE} {bulk.COLUMNS} "
            + bulk.SELECT.format(emailed="NULL::timestamptz")
            + bulk.ON_CONFLICT
            + " RETURNING id",
            [organization_id, timezone.now(), *batch.params()],
        )
        return [row[0] for row in cursor.fetchall()]


def _insert_and_claim(organization_id: int, batch: bulk.Batch) -> tuple[list, list]:
    """One statement: insert the new reminders already stamped as e-mailed by this sweep,
    and claim the earlier ones not yet e-mailed (`notify()` between sweeps; FOR UPDATE SKIP
    LOCKED: rows another sweep holds are its to send). The UPDATE does not see the INSERT's
    rows (one snapshot), so nothing is claimed twice; a transaction that never commits
    claims nothing, and a racing sweep's INSERT waits for this one and skips its rows.

    Returns (recipient, key) of the new rows, and the earlier rows in full.
    """
    table = bulk.TABLE
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH fresh AS (INSERT INTO {table} {bulk.COLUMNS} "
            + bulk.SELECT.format(emailed="%s")
            + bulk.ON_CONFLICT
            + " RETURNING recipient_id, key), "
            f"earlier AS (UPDATE {table} SET emailed_at = %s WHERE id IN (SELECT id FROM "
            f"{table} WHERE organization_id = %s AND emailed_at IS NULL FOR UPDATE SKIP LOCKED) "
            "RETURNING recipient_id, key, subject, body, url, due_on, id) "
            "SELECT recipient_id, key, NULL, NULL, NULL, NULL::date, NULL::bigint FROM fresh "
            "UNION ALL SELECT * FROM earlier",
            [organization_id, now, now, *batch.params(), now, organization_id],
        )
        rows = cursor.fetchall()
    fresh = [(r[0], r[1]) for r in rows if r[6] is None]
    earlier = [r for r in rows if r[6] is not None]
    return fresh, earlier


def _digests(
    organization_id: int, batch: bulk.Batch, fresh: list, earlier: list
) -> list[mail.EmailMessage]:
    """One digest per recipient, in due order, built in Python from the rows: each item's
    lines are formatted once however many people it goes to; the template renders once
    per person around them."""
    organization = sources.url_maker(organization_id)  # its name and slug
    people = sources.people(organization_id)
    base = settings.BASE_URL.rstrip("/")
    by_key = batch.by_key()
    lines: dict[tuple[int, bool], str] = {}
    pending: dict[int, list[tuple]] = defaultdict(list)
    for user_id, key in fresh:
        found = by_key.get(key)
        if found is None:
            continue
        line = lines.get(found)
        if line is None:
            i, escalated = found
            body = batch.escalation_body[i] if escalated else batch.body[i]
            line = lines[found] = f"- {batch.subject[i]}\n  {body}\n  {base}{batch.url[i]}\n"
        pending[user_id].append((batch.due_on[found[0]] or date.max, found[0], line))
    for user_id, _key, subject, body, url, due_on, pk in earlier:
        line = f"- {subject}\n  {body}\n  {base}{url}\n"
        pending[user_id].append((due_on or date.max, -1, line, pk))
    messages = []
    for user_id, entries in pending.items():
        person = people.get(user_id)
        if person is None or not person[0]:
            continue  # no longer a member, or no address
        email, name = person
        entries.sort(key=lambda e: e[:2])
        count = len(entries)
        context = {
            "person": {"email": email, "name": name},
            # Its name and slug, not the UrlMaker: a template calls what is callable.
            "organization": {"name": organization.name, "slug": organization.slug},
            "count": count,
            "reminders": "\n".join(e[2] for e in entries),
            "base": base,
        }
        messages.append(
            mail.EmailMessage(
                subject=f"[{organization.name}] {count} reminder{'s' if count != 1 else ''} "
                "from Guardrail",
                body=render_to_string("monitoring/inbox/digest_email.txt", context),
                to=[email],
            )
        )
    return messages


def _send(messages: list[mail.EmailMessage]) -> None:
    try:
        with mail.get_connection() as conn:
            conn.send_messages(messages)
    except Exception:  # the in-app notifications stand; the digest is not retried twice
        logger.exception("sending %d reminder digests failed", len(messages))
