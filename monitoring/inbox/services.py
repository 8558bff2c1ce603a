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
    row = _Columns()
    row.add([recipient_id], kind, "", subject, body, url, due_on, key, False)
    ids = _insert_columns(organization_id, row, emailed=False)
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
    rows = _Columns()
    for n in notices:
        rows.add([n.recipient_id], n.kind, "", n.subject, n.body, n.url, n.due_on, n.key, False)
    members = Membership.objects.active().filter(organization_id=organization_id)
    members_sql, members_params = members.values("user_id").query.sql_with_params()
    table = Notification._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} {_COLUMNS} "
            + _UNNEST.format(emailed="NULL::timestamptz")
            + f" WHERE r IN ({members_sql})"
            " ON CONFLICT (organization_id, recipient_id, key) DO NOTHING",
            [organization_id, timezone.now(), *rows.arrays(), *members_params],
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


class _Columns:
    """The sweep's candidate notifications, column by column (they travel as arrays)."""

    def __init__(self) -> None:
        self.recipient: list[int] = []
        self.kind: list[str] = []
        self.stage: list[str] = []
        self.subject: list[str] = []
        self.body: list[str] = []
        self.url: list[str] = []
        self.due_on: list[date] = []
        self.key: list[str] = []
        self.escalated: list[bool] = []

    def add(self, recipients, kind, stage, subject, body, url, due_on, key, escalated) -> None:
        n = len(recipients)
        if not n:
            return
        self.recipient += recipients
        self.kind += [kind[:60]] * n
        self.stage += [str(stage)] * n
        self.subject += [subject[:300]] * n
        self.body += [body] * n
        self.url += [url[:500]] * n
        self.due_on += [due_on] * n
        self.key += [key[:200]] * n
        self.escalated += [escalated] * n

    def __len__(self) -> int:
        return len(self.recipient)

    def arrays(self) -> list[str]:
        """Each column as one PostgreSQL array literal: the server parses one string per
        column, not an ARRAY[…] expression of one literal per row."""
        return [
            _array(map(str, self.recipient)),
            _array(map(_quoted, self.kind)),
            _array(map(_quoted, self.stage)),
            _array(map(_quoted, self.subject)),
            _array(map(_quoted, self.body)),
            _array(map(_quoted, self.url)),
            _array(d.isoformat() if d else "NULL" for d in self.due_on),
            _array(map(_quoted, self.key)),
            _array("t" if e else "f" for e in self.escalated),
        ]


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _array(elements) -> str:
    return "{" + ",".join(elements) + "}"


def _candidates(items, today: date, config: InboxSettings, organization_id: int) -> _Columns:
    """Every (recipient, stage) reminder the items call for, members only."""
    members = sources.active_member_ids(organization_id)
    officers_of: dict[str, list[int]] = {}
    rows = _Columns()
    for item in items:
        stage = stage_of(item.due_on, today, config.soon_days)
        if stage is None:
            continue
        recipients = [u for u in dict.fromkeys(item.recipient_ids) if u in members]
        rows.add(
            recipients,
            item.kind,
            stage,
            item.subject,
            f"{_STAGE_WORDS[stage]}: due on {item.due_on:%d %b %Y}.",
            item.url,
            item.due_on,
            f"{item.key}:{stage}",
            False,
        )
        if stage != Stage.OVERDUE:
            continue
        after = item.escalate_after_days or config.escalate_after_days
        overdue_days = (today - item.due_on).days
        if overdue_days < after:
            continue
        officers = officers_of.get(item.domain)
        if officers is None:
            officers = officers_of[item.domain] = sources.members_with_scope(
                organization_id, f"{item.domain}:manage"
            )
        told = set(recipients)
        rows.add(
            [u for u in officers if u not in told],
            item.kind,
            Stage.ESCALATED,
            item.subject,
            f"Overdue by {overdue_days} days (due on {item.due_on:%d %b %Y}); escalated to "
            f"the officers after {after} days.",
            item.url,
            item.due_on,
            f"{item.key}:{Stage.ESCALATED}",
            True,
        )
    return rows


@transaction.atomic(savepoint=False)  # inside the task's tenant transaction: no savepoint
def sweep_organization(*, today: date | None = None, send: bool = True) -> SweepResult:
    """Notify everyone of what is due soon, due and overdue in the organisation in context;
    escalate to officers what is overdue past the setting; queue one digest per person.

    Set-based: a constant number of statements whatever the organisation's size (each
    source is set-based; one statement inserts every new reminder, claims the ones waiting
    for an e-mail and reads them back with their recipients for the digests).
    """
    organization_id = current_organization_id()
    today = today or timezone.localdate()
    config = settings_ensure()
    items = sources.gather(organization_id, today)
    rows = _candidates(items, today, config, organization_id)
    result = SweepResult(items=len(items))
    result.escalated = sum(rows.escalated)  # candidates, for the log
    if not config.email_digest:
        result.created = len(_insert_columns(organization_id, rows, emailed=False))
        return result
    created, claimed = _insert_and_claim(organization_id, rows)
    result.created = created
    result.digests = _digests(claimed, sources.url_maker(organization_id))
    result.emails = len(result.digests)
    if send and result.digests:
        messages = result.digests
        transaction.on_commit(lambda: _send(messages))
    return result


_UNNEST = (
    "SELECT %s, r, k, st, su, b, u, d, ky, e, %s, {emailed} FROM unnest("
    "%s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[], "
    "%s::date[], %s::text[], %s::boolean[]) AS t(r, k, st, su, b, u, d, ky, e)"
)
_COLUMNS = (
    "(organization_id, recipient_id, kind, stage, subject, body, url, due_on, key, escalated, "
    "created, emailed_at)"
)


def _insert_columns(organization_id: int, rows: _Columns, *, emailed: bool) -> list[int]:
    """Insert the rows that are new (by organisation, recipient, key); return their ids."""
    table = Notification._meta.db_table
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} {_COLUMNS} "
            + _UNNEST.format(emailed="%s" if emailed else "NULL::timestamptz")
            + " ON CONFLICT (organization_id, recipient_id, key) DO NOTHING RETURNING id",
            [organization_id, now, *([now] if emailed else []), *rows.arrays()],
        )
        return [row[0] for row in cursor.fetchall()]


def _insert_and_claim(organization_id: int, rows: _Columns) -> tuple[int, list[tuple]]:
    """One statement: insert the new reminders already stamped as e-mailed by this sweep,
    claim the earlier ones not yet e-mailed (`notify()` between sweeps; FOR UPDATE SKIP
    LOCKED: rows another sweep holds are its to send), and return both with their
    recipients' addresses. The UPDATE does not see the INSERT's rows (one snapshot), so no
    reminder is claimed twice; a transaction that never commits claims nothing.

    Returns (how many were inserted, the claimed rows for the digests).
    """
    table = Notification._meta.db_table
    users = User._meta.db_table
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH fresh AS (INSERT INTO {table} {_COLUMNS} "
            + _UNNEST.format(emailed="%s")
            + " ON CONFLICT (organization_id, recipient_id, key) DO NOTHING "
            "RETURNING id, recipient_id, subject, body, url, due_on), "
            f"earlier AS (UPDATE {table} SET emailed_at = %s WHERE id IN (SELECT id FROM "
            f"{table} WHERE organization_id = %s AND emailed_at IS NULL FOR UPDATE SKIP LOCKED) "
            "RETURNING id, recipient_id, subject, body, url, due_on), "
            "claimed AS (SELECT *, true AS is_new FROM fresh "
            "UNION ALL SELECT *, false FROM earlier) "
            "SELECT c.recipient_id, u.email, u.first_name, u.last_name, c.subject, c.body, "
            f"c.url, c.due_on, c.id, c.is_new FROM claimed AS c JOIN {users} AS u "
            "ON u.id = c.recipient_id",
            [organization_id, now, now, *rows.arrays(), now, organization_id],
        )
        claimed = cursor.fetchall()
    return sum(1 for row in claimed if row[9]), claimed


def _digests(claimed: list[tuple], organization: sources.UrlMaker) -> list[mail.EmailMessage]:
    """One digest per recipient from the claimed rows (in due order), built in Python: the
    template renders once per person around the pre-built list of reminders.
    `organization`: anything with the organisation's `name` and `slug`."""
    base = getattr(settings, "SITE_URL", "").rstrip("/")
    claimed.sort(key=lambda r: (r[0], r[7] or date.max, r[8]))
    by_person: dict[int, list[str]] = defaultdict(list)
    people: dict[int, dict] = {}
    for user_id, email, first, last, subject, body, url, _due, _id, _new in claimed:
        if user_id not in people:
            people[user_id] = {"email": email, "name": f"{first} {last}".strip() or email}
        by_person[user_id].append(f"- {subject}\n  {body}\n  {base}{url}\n")
    messages = []
    for user_id, lines in by_person.items():
        person = people[user_id]
        if not person["email"]:
            continue
        count = len(lines)
        context = {
            "person": person,
            "organization": organization,
            "count": count,
            "reminders": "\n".join(lines),
            "base": base,
        }
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
