"""The evidence of AI use for the page (and the MCP server): tools used, by how many people,
what was denied and why, and the shadow AI seen at the gateway."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils import timezone

from assets.models import Asset
from monitoring.usage.models import (
    Outcome,
    ShadowToolSighting,
    UsageDenial,
    UsagePersonDay,
    UsageTally,
)

WINDOW_DAYS = 30


@dataclass
class ToolUse:
    tool_key: str
    asset: Asset | None
    allowed: int
    with_obligations: int
    denied: int
    people: int

    @property
    def total(self) -> int:
        return self.allowed + self.with_obligations + self.denied


def tool_use(days: int = WINDOW_DAYS, today=None) -> list[ToolUse]:
    """Per tool over the last `days` days up to `today` (included): decisions by outcome and
    distinct people (3 queries, however many tools)."""
    today = today or timezone.localdate()
    since = today - timedelta(days=days - 1)
    counts = (
        UsageTally.objects.filter(day__gte=since, day__lte=today)
        .values("tool_key")
        .annotate(
            allowed=Sum("count", filter=Q(outcome=Outcome.ALLOW), default=0),
            with_obligations=Sum(
                "count", filter=Q(outcome=Outcome.ALLOW_WITH_OBLIGATIONS), default=0
            ),
            denied=Sum("count", filter=Q(outcome=Outcome.DENY), default=0),
            asset_id=Max("asset_id"),
        )
        .order_by("tool_key")
    )
    rows = list(counts)
    people = dict(
        UsagePersonDay.objects.filter(day__gte=since, day__lte=today)
        .values("tool_key")
        .annotate(n=Count("person", distinct=True))
        .values_list("tool_key", "n")
    )
    asset_ids = {r["asset_id"] for r in rows if r["asset_id"]}
    assets = Asset.objects.in_bulk(asset_ids) if asset_ids else {}
    uses = [
        ToolUse(
            tool_key=r["tool_key"],
            asset=assets.get(r["asset_id"]),
            allowed=r["allowed"],
            with_obligations=r["with_obligations"],
            denied=r["denied"],
            people=people.get(r["tool_key"], 0),
        )
        for r in rows
    ]
    return sorted(uses, key=lambda u: (-u.total, u.tool_key))


def recent_denials(limit: int = 50) -> QuerySet[UsageDenial]:
    return UsageDenial.objects.select_related("asset").order_by("-decided_at", "-pk")[:limit]


def shadow_sightings() -> QuerySet[ShadowToolSighting]:
    return ShadowToolSighting.objects.select_related("report").order_by("-last_seen", "-pk")


@dataclass
class UsagePeriod:
    """The evidence of AI use over a period, for the evidence pack (Clause 9.1)."""

    since: date
    until: date
    tools: list[ToolUse]
    people: int  # distinct people over every tool
    denial_reasons: list[tuple[str, str, int]]  # (rule, code, denials), most frequent first
    sightings: list[ShadowToolSighting]

    def total(self, outcome: str = "") -> int:
        field = {
            "": "total",
            Outcome.ALLOW: "allowed",
            Outcome.ALLOW_WITH_OBLIGATIONS: "with_obligations",
            Outcome.DENY: "denied",
        }[outcome]
        return sum(getattr(t, field) for t in self.tools)


def usage_for_period(*, until: datetime, days: int) -> UsagePeriod:
    """What the gateways asked in the `days` days up to `until` (a moment: daily counts up to
    its day, denials and shadow sightings up to the moment itself)."""
    today = timezone.localtime(until).date()
    since = today - timedelta(days=days - 1)
    reasons: Counter[tuple[str, str]] = Counter()
    denials = UsageDenial.objects.filter(
        decided_at__date__gte=since, decided_at__lte=until
    ).values_list("reasons", flat=True)
    for listed in denials.iterator(chunk_size=500):
        for reason in listed:
            if reason.get("effect") == "deny":
                reasons[(reason.get("rule", ""), reason.get("code", ""))] += 1
    people = (
        UsagePersonDay.objects.filter(day__gte=since, day__lte=today)
        .values("person")
        .distinct()
        .count()
    )
    return UsagePeriod(
        since=since,
        until=today,
        tools=tool_use(days=days, today=today),
        people=people,
        denial_reasons=[
            (rule, code, n)
            for (rule, code), n in sorted(reasons.items(), key=lambda i: (-i[1], i[0]))
        ],
        sightings=list(shadow_sightings().filter(first_seen__lte=until)[:100]),
    )
