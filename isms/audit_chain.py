"""The audit trail's hash chain: where it ends at a moment, and whether it is still whole.

Each organisation's audit events form one chain (migration isms 0008): the database gives
every new event a position (1, 2, 3, …), the previous event's hash, and its own hash,
SHA-256(previous hash ‖ content), where content is the JSON text of
[id, organisation, table, object, action, changes, actor id, actor, request id, occurred_at
in microseconds since 1970]. The head row (`AuditChainHead`) holds the last link.

Verification rebuilds every event's content here, in Python, from the stored columns (only
the `changes` JSON is read back in PostgreSQL's canonical text form), so it does not rely on
the database's own hashing function, which whoever controls the database could replace.
It names the first broken link: an event changed (its hash or the next event's link no
longer matches), events deleted (a gap in the positions, or the head is further on than the
last event), an event inserted (outside the chain, or past the head). Whoever rewrites the
whole chain from some event onwards, head included, is found only against a copy of a head
kept elsewhere: evidence packs record the head at their as-of time (`chain_head_at`), and
`verify_chain(…, anchors=…)` checks such copies.

Cost and limits. An organisation's advisory lock is held from a transaction's first
locking statement until it ends, so one organisation's writing transactions add their events
one after the other (reads never wait, other organisations never wait); the bench measures
what that costs a write (bench/README.md, "Audit chain"). Inside a tenant context the lock
is taken before the transaction's first row lock (isms.chain_lock), so a writer never holds
a row while waiting for the chain: two writers of one organisation queue, they do not
deadlock. Writes outside a tenant context (the access tables, audited before a tenant is
known) still take it in the trigger, after their row lock; they are rare and short.

Every read runs in the organisation's tenant context (row-level security), so one
organisation can neither verify nor read another's chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db import connection
from django.db.models import F, TextField
from django.db.models.functions import Cast

from isms.models import AuditChainHead, AuditEvent
from isms.tenancy import current_tenant, tenant_context

GENESIS = "0" * 64
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


class Break:
    """Kinds of broken link, stable codes for the API and tests."""

    CHANGED = "changed"
    DELETED = "deleted"
    INSERTED = "inserted"


@dataclass(frozen=True)
class ChainHead:
    event_id: int
    hash: str
    position: int | None = None


@dataclass(frozen=True)
class BrokenLink:
    kind: str  # a Break code
    event_id: int | None  # the event at fault, or the event after a gap
    position: int | None  # where in the chain
    detail: str  # one sentence for people


@dataclass
class ChainVerification:
    organization_id: int
    events_checked: int = 0
    head: ChainHead | None = None
    broken: BrokenLink | None = None
    anchors_checked: int = 0
    verified_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def intact(self) -> bool:
        return self.broken is None

    def as_dict(self) -> dict:
        return {
            "intact": self.intact,
            "events_checked": self.events_checked,
            "anchors_checked": self.anchors_checked,
            "head": None
            if self.head is None
            else {
                "event_id": self.head.event_id,
                "position": self.head.position,
                "hash": self.head.hash,
            },
            "first_broken_link": None
            if self.broken is None
            else {
                "kind": self.broken.kind,
                "event_id": self.broken.event_id,
                "position": self.broken.position,
                "detail": self.broken.detail,
            },
            "verified_at": self.verified_at.isoformat(),
        }


@contextmanager
def _organization(organization_id: int) -> Iterator[None]:
    """Run in the organisation's tenant context; refuse to look across organisations."""
    state = current_tenant()
    if state is None:
        with tenant_context(organization_id):
            yield
    elif state.organization_id == int(organization_id):
        with nullcontext():
            yield
    else:
        raise PermissionError("An organisation's audit chain is read only in its own context.")


def _json_string(value: str) -> str:
    # Python escapes exactly what PostgreSQL's jsonb output escapes (" \\ and < U+0020).
    return json.dumps(value, ensure_ascii=False)


def event_content(
    *,
    id: int,
    organization_id: int,
    table_name: str,
    object_id: str,
    action: str,
    changes_text: str,
    actor_id: int | None,
    actor: str,
    request_id: str,
    occurred_at: datetime,
) -> bytes:
    """The bytes an event's hash covers (the same as guardrail_audit_content in SQL)."""
    micros = (occurred_at - _EPOCH) // _MICROSECOND
    parts = [
        str(id),
        str(organization_id),
        _json_string(table_name),
        _json_string(object_id),
        _json_string(action),
        changes_text,
        "null" if actor_id is None else str(actor_id),
        _json_string(actor),
        _json_string(request_id),
        str(micros),
    ]
    return ("[" + ", ".join(parts) + "]").encode()


def link_hash(previous_hash: str, content: bytes) -> str:
    return hashlib.sha256(bytes.fromhex(previous_hash) + content).hexdigest()


_COLUMNS = (
    "id",
    "chain_position",
    "previous_hash",
    "hash",
    "organization_id",
    "table_name",
    "object_id",
    "action",
    "changes_text",
    "actor_id",
    "actor",
    "request_id",
    "occurred_at",
)


def _recomputed_hash(row: dict) -> str | None:
    content = event_content(
        id=row["id"],
        organization_id=row["organization_id"],
        table_name=row["table_name"],
        object_id=row["object_id"],
        action=row["action"],
        changes_text=row["changes_text"],
        actor_id=row["actor_id"],
        actor=row["actor"],
        request_id=row["request_id"],
        occurred_at=row["occurred_at"],
    )
    try:
        return link_hash(row["previous_hash"], content)
    except (TypeError, ValueError):  # a previous hash that is not 64 hex digits
        return None


def chain_head_at(organization_id: int, as_of: datetime) -> tuple[int, str] | None:
    """(event id, hash) of the last link of the chain among events that occurred at or
    before `as_of`; None when the organisation had no event yet. Evidence packs record it."""
    with _organization(organization_id):
        return (
            AuditEvent.objects.filter(occurred_at__lte=as_of, chain_position__isnull=False)
            .order_by("-chain_position")
            .values_list("id", "hash")
            .first()
        )


def verify_chain(
    organization_id: int, *, anchors: Iterable[tuple[int, str]] = ()
) -> ChainVerification:
    """Recompute the organisation's chain from its first event and name the first broken
    link. `anchors` are (event id, hash) pairs kept elsewhere (an evidence pack's recorded
    head): each must still be in the chain with that hash."""
    with _organization(organization_id):
        result = ChainVerification(organization_id=int(organization_id))
        head = result.head = _head(int(organization_id))
        broken, last = _walk(result, head_position=0 if head is None else head.position)
        if broken is None:
            broken = _against_head(head, last)
        outside = _first_unchained()
        if outside is not None and (broken is None or outside[1] < broken[1]):
            broken = outside
        if broken is None:
            broken = _against_anchors(result, list(anchors))
        result.broken = broken[0] if broken else None
        return result


def _head(organization_id: int) -> ChainHead | None:
    """The head row (written at commit), or, inside a transaction that has written events of
    the organisation, the link the trigger keeps for it (`guardrail.audit_chain_<org>`)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting(%s, true)", [f"guardrail.audit_chain_{organization_id}"]
        )
        link = cursor.fetchone()[0]
    if link:
        position, _, hash_ = link.partition(":")
        event_id = (
            AuditEvent.objects.filter(chain_position=int(position))
            .values_list("id", flat=True)
            .first()
        )
        return ChainHead(event_id, hash_, int(position))
    row = AuditChainHead.objects.filter(organization_id=organization_id).first()
    return None if row is None else ChainHead(row.event_id, row.hash, row.position)


def _walk(
    result: ChainVerification, *, head_position: int
) -> tuple[tuple[BrokenLink, datetime] | None, dict | None]:
    """Walk the chained events in order; (first break with its time, last event seen)."""
    rows = (
        AuditEvent.objects.filter(chain_position__isnull=False)
        .annotate(changes_text=Cast(F("changes"), TextField()))
        .order_by("chain_position")
        .values(*_COLUMNS)
        .iterator(chunk_size=2000)
    )
    expected_position, expected_previous, previous = 1, GENESIS, None
    for row in rows:
        result.events_checked += 1
        position = row["chain_position"]
        when = row["occurred_at"]
        if position > head_position:
            return (
                BrokenLink(
                    Break.INSERTED,
                    row["id"],
                    position,
                    f"Event {row['id']} lies past the chain's head (position {head_position}):"
                    " it was inserted outside the trail.",
                ),
                when,
            ), row
        if position > expected_position:
            missing = (
                f"event {expected_position} is"
                if position == expected_position + 1
                else f"events {expected_position}–{position - 1} are"
            )
            return (
                BrokenLink(
                    Break.DELETED,
                    row["id"],
                    expected_position,
                    f"Chain position {missing} missing, before event {row['id']}.",
                ),
                when,
            ), row
        if position < expected_position:
            return (
                BrokenLink(
                    Break.INSERTED,
                    row["id"],
                    position,
                    f"Event {row['id']} claims position {position}, already taken.",
                ),
                when,
            ), row
        consistent = _recomputed_hash(row) == row["hash"]
        if row["previous_hash"] != expected_previous and previous is not None and consistent:
            return (
                BrokenLink(
                    Break.CHANGED,
                    previous["id"],
                    previous["chain_position"],
                    f"Event {previous['id']} no longer has the hash the next event "
                    f"({row['id']}) recorded for it: it was changed or replaced.",
                ),
                previous["occurred_at"],
            ), row
        if row["previous_hash"] != expected_previous or not consistent:
            return (
                BrokenLink(
                    Break.CHANGED,
                    row["id"],
                    position,
                    f"Event {row['id']} does not match its hash: its content was changed.",
                ),
                when,
            ), row
        expected_position, expected_previous, previous = position + 1, row["hash"], row
    return None, previous


def _against_head(head: ChainHead | None, last: dict | None) -> tuple[BrokenLink, datetime] | None:
    """The newest events against the head row: removed from the end, or added past it."""
    if head is None and last is None:
        return None
    if head is None:
        return (
            BrokenLink(
                Break.INSERTED,
                last["id"],
                last["chain_position"],
                "The chain has events but no head: they were inserted outside the trail.",
            ),
            last["occurred_at"],
        )
    last_position = 0 if last is None else last["chain_position"]
    if last_position < head.position:
        return (
            BrokenLink(
                Break.DELETED,
                head.event_id,
                last_position + 1,
                f"The newest events (positions {last_position + 1}–{head.position}) are missing.",
            ),
            datetime.max.replace(tzinfo=UTC),
        )
    if last_position > head.position:
        return (
            BrokenLink(
                Break.INSERTED,
                last["id"],
                last_position,
                f"Events past the chain's head (position {head.position}) were inserted.",
            ),
            last["occurred_at"],
        )
    if last["hash"] != head.hash or last["id"] != head.event_id:
        return (
            BrokenLink(
                Break.CHANGED,
                last["id"],
                last_position,
                f"The newest event ({last['id']}) is not the one the chain's head recorded.",
            ),
            last["occurred_at"],
        )
    return None


def _first_unchained() -> tuple[BrokenLink, datetime] | None:
    row = (
        AuditEvent.objects.filter(chain_position__isnull=True)
        .order_by("occurred_at", "id")
        .values("id", "occurred_at")
        .first()
    )
    if row is None:
        return None
    return (
        BrokenLink(
            Break.INSERTED,
            row["id"],
            None,
            f"Event {row['id']} is not in the chain: it was inserted outside the trail.",
        ),
        row["occurred_at"],
    )


def _against_anchors(
    result: ChainVerification, anchors: list[tuple[int, str]]
) -> tuple[BrokenLink, datetime] | None:
    if not anchors:
        return None
    found = dict(
        AuditEvent.objects.filter(pk__in=[event_id for event_id, _ in anchors]).values_list(
            "id", "hash"
        )
    )
    for event_id, expected in anchors:
        result.anchors_checked += 1
        if found.get(event_id) != expected:
            return (
                BrokenLink(
                    Break.CHANGED,
                    event_id,
                    None,
                    f"Event {event_id} no longer has the hash recorded for it elsewhere: "
                    "the chain was rewritten from there on.",
                ),
                datetime.max.replace(tzinfo=UTC),
            )
    return None
