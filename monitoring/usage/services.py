"""Deciding an AI usage request, and recording the evidence of use.

`usage_decide()` is what the API (and the MCP server, without recording) calls. The
decision itself reads the snapshot (monitoring.usage.snapshot) and applies the rules
(monitoring.usage.rules). Evidence: allowed and warned calls are counted in Redis
(`HINCRBY`, one field per day/outcome/asset/tool, a set of people per day and tool) and
moved to PostgreSQL by `tallies_flush()` (a beat task, every minute); with Redis down they
go to PostgreSQL at once. Denials are stored one by one; an unknown tool files (once) a
shadow-AI report and counts the attempt.
"""

from __future__ import annotations

import json
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


def tally_add(organization_id: int, day, tool_key: str, asset_id, outcome: str, person: str):
    field = json.dumps([day.isoformat(), outcome, asset_id, tool_key])
    member = json.dumps([day.isoformat(), tool_key, person.lower()])
    try:
        client = snapshot._redis.get()
        pipe = client.pipeline(transaction=False)
        pipe.hincrby(tally_key(organization_id), field, 1)
        pipe.expire(tally_key(organization_id), TALLY_TTL)
        pipe.sadd(people_key(organization_id), member)
        pipe.expire(people_key(organization_id), TALLY_TTL)
        pipe.execute()
    except redis.RedisError:
        snapshot._redis.lost = True
        _store_tallies({field: 1}, {member})


def tallies_flush(organization_id: int) -> int:
    """Move the organisation's counts from Redis to PostgreSQL (in its tenant context).
    The keys are renamed first, so counts added meanwhile wait for the next flush."""
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
