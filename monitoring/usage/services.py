"""Deciding an AI usage request, and recording the evidence of use.

`usage_decide()` is what the API (and the MCP server, without recording) calls. The
decision itself reads the snapshot (monitoring.usage.snapshot) and applies the rules
(monitoring.usage.rules). Evidence: every call is counted in Redis (`HINCRBY`, one field
per day/outcome/asset/tool, a set of people per day and tool, sent without waiting for the
answer) and moved to PostgreSQL by `tallies_flush()` (a beat task, every minute); with Redis
down they go to PostgreSQL at once. Denials are stored one by one; an unknown tool files (once) a
shadow-AI report and counts the attempt.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import dataclass

import redis
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from assets.services import shadow_ai_report_observed
from isms.tenancy import current_organization_id
from monitoring.usage import snapshot
from monitoring.usage.models import (
    DENIAL_RETENTION,
    ShadowToolSighting,
    UsageDenial,
    UsagePersonDay,
    UsageSettings,
    UsageTally,
)
from monitoring.usage.rules import Decision, decide

log = logging.getLogger(__name__)

TALLY_TTL = 3 * 24 * 3600  # seconds: a flush missed for days still finds its counts


@dataclass(frozen=True)
class UsageRequest:
    tool_key: str
    tool_label: str
    person_key: str
    person_label: str
    data_categories: tuple[str, ...] = ()
    purpose: str = ""


def usage_decide(request: UsageRequest, *, record: bool = True) -> tuple[Decision, str]:
    """(decision, source) for the organisation in context; source is "snapshot" or
    "database". With `record` the evidence of use is kept (a preview keeps none)."""
    organization_id = current_organization_id()
    now = timezone.now()
    found = snapshot.lookup(organization_id, request.tool_key, request.person_key)
    decision = decide(
        tool_key=request.tool_key,
        tool=found.tool,
        person_key=request.person_key,
        person=found.person,
        categories=list(request.data_categories),
        settings=found.settings,
        now=now,
    )
    if record:
        _record(organization_id, request, decision, now, known=found.tool is not None)
    return decision, found.source


def _record(organization_id: int, request: UsageRequest, decision: Decision, now, known: bool):
    asset_id = decision.asset["id"] if decision.asset else None
    if not known:
        shadow_sighting_record(request, now)
    if decision.denied:
        UsageDenial.objects.create(
            decided_at=now,
            tool_key=request.tool_key,
            asset_id=asset_id,
            person=request.person_label[:254],
            data_categories=list(request.data_categories),
            purpose=request.purpose[:500],
            reasons=[r.as_dict() for r in decision.reasons],
        )
    tally_add(
        organization_id,
        now.date(),
        request.tool_key,
        asset_id,
        decision.outcome,
        request.person_label,
    )


# --- shadow AI ------------------------------------------------------------------------------


def shadow_sighting_record(request: UsageRequest, now) -> ShadowToolSighting:
    """One report per tool however many attempts: the sighting row is the lock."""
    with transaction.atomic():
        sighting, created = ShadowToolSighting.objects.select_for_update().get_or_create(
            tool_key=request.tool_key, defaults={"first_seen": now, "last_seen": now}
        )
        if created or sighting.report_id is None:
            reporter = (
                get_user_model()
                .objects.filter(
                    email__iexact=request.person_label,
                    memberships__organization_id=current_organization_id(),
                )
                .first()
            )
            sighting.report = shadow_ai_report_observed(
                name=request.tool_label,
                seen_as=request.tool_key,
                used_by=request.person_label,
                data_categories=list(request.data_categories),
                reported_by=reporter,
            )
        ShadowToolSighting.objects.filter(pk=sighting.pk).update(
            attempts=F("attempts") + 1, last_seen=now, report=sighting.report
        )
    sighting.refresh_from_db()
    return sighting


# --- tallies --------------------------------------------------------------------------------


def tally_key(organization_id: int) -> str:
    return f"guardrail:usage:{organization_id}:tally"


def people_key(organization_id: int) -> str:
    return f"guardrail:usage:{organization_id}:people"


class _TallySender:
    """Sends each decision's counts to Redis without waiting for the answer: the wait was one
    of a decision's three Redis round trips (issue 22). The answers are read before the next
    send, by when they have long arrived, on a connection of its own (so no other command's
    answer is ever mistaken for one of these).

    When the send itself fails (Redis unreachable), the caller stores the counts in
    PostgreSQL at once, as before. Counts already sent whose answer cannot be read (Redis
    lost in between) are logged as unconfirmed, not sent again: Redis had them or lost
    them with everything else it held since the last flush."""

    def __init__(self):
        self.lock = threading.Lock()
        self.client = None
        self.connection = None
        self.pid = None
        self.unanswered = 0  # commands sent whose answers are not read yet

    def send(self, commands: list[tuple]) -> None:
        with self.lock:
            connection = self._live_connection()
            try:
                connection.send_packed_command(connection.pack_commands(commands))
            except redis.RedisError:
                self._disconnect()
                raise
            self.unanswered += len(commands)

    def settle(self) -> None:
        """Wait until Redis has applied what this process sent (before a flush reads it)."""
        with self.lock:
            self._live_connection()

    def _live_connection(self):
        """The connection with its earlier answers read, or a new one if Redis closed it
        meanwhile: a send on a socket the server has closed can still succeed once, and that
        count would vanish (a Redis restart between two calls)."""
        if self.pid != os.getpid():  # a forked child: the socket and its answers are the parent's
            self.connection, self.unanswered = None, 0
        try:
            while self.unanswered:
                try:
                    self.connection.read_response()
                except redis.ResponseError as error:  # a count Redis refused: no retry helps
                    log.warning("usage count refused by Redis: %s", error)
                self.unanswered -= 1
            connection = self.connection
            # Nothing is due, so anything to read means the server closed it (or garbled it).
            if connection is not None and connection.is_connected and connection.can_read(0):
                raise redis.ConnectionError("unexpected data from Redis")
        except redis.RedisError as error:
            if self.unanswered:
                log.warning("%d usage counts sent unconfirmed: %s", self.unanswered, error)
            self._disconnect()
        return self._connection()

    def _connection(self):
        client = snapshot._redis.get()
        if self.connection is None or client is not self.client or self.pid != os.getpid():
            self._disconnect()
            pool = client.connection_pool
            self.client, self.pid = client, os.getpid()
            self.connection = pool.connection_class(**pool.connection_kwargs)
        return self.connection

    def _disconnect(self) -> None:
        if self.connection is not None and self.pid == os.getpid():
            self.connection.disconnect()
        self.connection, self.unanswered = None, 0


_sender = _TallySender()


def tallies_settle() -> None:
    """Wait until Redis has applied the counts this process sent."""
    _sender.settle()


def tally_add(organization_id: int, day, tool_key: str, asset_id, outcome: str, person: str):
    field = json.dumps([day.isoformat(), outcome, asset_id, tool_key])
    member = json.dumps([day.isoformat(), tool_key, person.lower()])
    tally, people = tally_key(organization_id), people_key(organization_id)
    try:
        _sender.send(
            [
                ("HINCRBY", tally, field, 1),
                ("EXPIRE", tally, TALLY_TTL),
                ("SADD", people, member),
                ("EXPIRE", people, TALLY_TTL),
            ]
        )
    except redis.RedisError:
        snapshot._redis.lost = True
        _store_tallies({field: 1}, {member})


def tallies_flush(organization_id: int) -> int:
    """Move the organisation's counts from Redis to PostgreSQL (in its tenant context).
    The keys are renamed first, so counts added meanwhile wait for the next flush."""
    tallies_settle()
    client = snapshot._redis.get()
    token = timezone.now().strftime("%Y%m%d%H%M%S%f")
    moved = {}
    for key in (tally_key(organization_id), people_key(organization_id)):
        target = f"{key}:flushing:{token}"
        try:
            client.rename(key, target)
            moved[key] = target
        except redis.ResponseError:  # no such key: nothing counted
            pass
    counts = {}
    people = set()
    if tally_key(organization_id) in moved:
        counts = {
            k.decode(): int(v) for k, v in client.hgetall(moved[tally_key(organization_id)]).items()
        }
    if people_key(organization_id) in moved:
        people = {m.decode() for m in client.smembers(moved[people_key(organization_id)])}
    _store_tallies(counts, people)
    transaction.on_commit(lambda: client.delete(*moved.values()) if moved else None)
    return sum(counts.values())


def _store_tallies(counts: dict[str, int], people: set[str]) -> None:
    rows = []
    for field, count in counts.items():
        day, outcome, asset_id, tool_key = json.loads(field)
        rows.append(
            UsageTally(day=day, outcome=outcome, asset_id=asset_id, tool_key=tool_key, count=count)
        )
    organization_id = current_organization_id()
    for row in rows:
        row.organization_id = organization_id
    UsageTally.objects.bulk_create(rows)
    person_rows = [
        UsagePersonDay(organization_id=organization_id, day=d, tool_key=t, person=p[:254])
        for d, t, p in (json.loads(m) for m in people)
    ]
    UsagePersonDay.objects.bulk_create(person_rows, ignore_conflicts=True)


def denials_purge(now=None) -> int:
    cutoff = (now or timezone.now()) - DENIAL_RETENTION
    deleted, _ = UsageDenial.objects.filter(decided_at__lt=cutoff).delete()
    return deleted


# --- settings -------------------------------------------------------------------------------

SETTINGS_FIELDS = (
    "unknown_tool",
    "policy_acknowledgement",
    "supplier_check",
    "restricted_categories",
)


@transaction.atomic
def usage_settings_update(*, actor, **values) -> UsageSettings:
    """Officers set how strict decisions are; the snapshot is rebuilt on commit."""
    from isms import policy
    from isms.writes import model_update

    policy.require(actor, "change", UsageSettings)
    UsageSettings.objects.bulk_create(
        [UsageSettings(organization_id=current_organization_id())], ignore_conflicts=True
    )
    found = UsageSettings.objects.get()
    model_update(found, data=values, fields=SETTINGS_FIELDS)
    return found
