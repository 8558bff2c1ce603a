"""Reads of competence records (never write): gaps and AI literacy coverage.

A requirement applies to every holder of its responsibility; "everyone in the organisation"
is held by every active member whose role may own records (staff; auditors from outside are
not). A holder meets a requirement when one of their records of it is valid on the day (no
expiry, or expiring after it). Set-based: a handful of queries whatever the size.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from django.db.models import Count, Q

from isms.members import active_members
from monitoring.competence.models import (
    AI_RESPONSIBILITIES,
    CompetenceRequirement,
    Responsibility,
    ResponsibilityAssignment,
    TrainingRecord,
)


class Person(NamedTuple):
    """A member as the competence page names them, read as a row (not a model instance; a
    tuple, not a dataclass: hundreds are built per request)."""

    pk: int
    first_name: str
    last_name: str
    email: str

    def get_full_name(self) -> str:  # as User.get_full_name
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def name(self) -> str:
        return self.get_full_name() or self.email

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Gap:
    member: Person
    requirement: CompetenceRequirement
    expired_on: date | None  # None: never recorded; else the latest record's expiry

    @property
    def status(self) -> str:
        return "expired" if self.expired_on else "missing"


def holder_ids(active: set[int]) -> dict[str, list[int]]:
    """responsibility -> ids of the members holding it (of the `active` ids), staff for
    "everyone" (in the order of `active_members`)."""
    held: dict[str, list[int]] = defaultdict(list)
    held[Responsibility.ALL_STAFF] = list(active_members().values_list("pk", flat=True))
    for member_id, responsibility in ResponsibilityAssignment.objects.values_list(
        "member_id", "responsibility"
    ):
        if member_id in active and responsibility != "all_staff":
            held[responsibility].append(member_id)
    return held


def _latest_expiry(today: date) -> tuple[set[tuple[int, int]], dict[tuple[int, int], date]]:
    """(member, requirement) pairs met on `today`, and the latest expiry of those lapsed."""
    met: set[tuple[int, int]] = set()
    lapsed: dict[tuple[int, int], date] = {}
    rows = TrainingRecord.objects.filter(requirement__isnull=False).values_list(
        "member_id", "requirement_id", "expires_on"
    )
    for member_id, requirement_id, expires_on in rows.order_by():
        key = (member_id, requirement_id)
        if expires_on is None or expires_on > today:
            met.add(key)
        elif expires_on > lapsed.get(key, date.min):
            lapsed[key] = expires_on
    return met, lapsed


@dataclass(frozen=True)
class RequirementGaps:
    """One required competence: how many hold its responsibility and how many of them lack
    it (never recorded, or their latest record expired)."""

    requirement: CompetenceRequirement
    holders: int
    missing: int
    expired: int

    @property
    def gaps(self) -> int:
        return self.missing + self.expired

    @property
    def met(self) -> int:
        return self.holders - self.gaps


@dataclass(frozen=True)
class GapReport:
    """Every gap, most pressing first (`pressing`), and the figures per requirement."""

    gaps: list[Gap]
    requirements: list[RequirementGaps]

    @property
    def missing(self) -> int:
        return sum(r.missing for r in self.requirements)

    @property
    def expired(self) -> int:
        return sum(r.expired for r in self.requirements)

    @property
    def members(self) -> int:
        """How many members lack at least one competence (the people to train)."""
        return len({gap.member.pk for gap in self.gaps})

    def of(self, requirement_id: int) -> list[Gap]:
        return [gap for gap in self.gaps if gap.requirement.pk == requirement_id]


def pressing(gap: Gap, rank: int) -> tuple:
    """The order an officer works the gaps in: a named responsibility's competence (someone
    the organisation relies on for that role) before everyone's awareness, AI literacy first
    among them (EU AI Act Art. 4); then competence by competence (`rank`, the requirements'
    own order); never recorded before lapsed, the longest lapsed first; then by name."""
    requirement = gap.requirement
    return (
        requirement.responsibility == Responsibility.ALL_STAFF,
        not requirement.ai_literacy,
        rank,
        gap.expired_on is not None,
        gap.expired_on or date.min,
        gap.member.name.casefold(),
        gap.member.pk,
    )


def gaps(today: date) -> GapReport:
    """Every (holder, requirement) not met on `today`, most pressing first, with the holders
    and gaps of each requirement. Members are read as rows (names and e-mail), never as
    model instances: a few queries and a sort, whatever the size; the page shows a slice."""
    required = list(CompetenceRequirement.objects.all())
    requirements: dict[str, list[CompetenceRequirement]] = defaultdict(list)
    for requirement in required:
        requirements[requirement.responsibility].append(requirement)
    met, lapsed = _latest_expiry(today)
    people = {person.pk: person for person in _people(active_members(scope=None).order_by())}
    found: list[Gap] = []
    holders: dict[int, set[int]] = defaultdict(set)
    for responsibility, members in holder_ids(set(people)).items():
        for requirement in requirements.get(responsibility, []):
            requirement_id = requirement.pk
            holding = holders[requirement_id]
            for member_id in members:
                if member_id in holding:
                    continue
                holding.add(member_id)
                key = (member_id, requirement_id)
                if key not in met:
                    found.append(Gap(people[member_id], requirement, lapsed.get(key)))
    rank = {requirement.pk: index for index, requirement in enumerate(required)}
    found.sort(key=lambda gap: pressing(gap, rank[gap.requirement.pk]))
    missing: dict[int, int] = defaultdict(int)
    expired: dict[int, int] = defaultdict(int)
    for gap in found:
        (expired if gap.expired_on else missing)[gap.requirement.pk] += 1
    figures = [
        RequirementGaps(r, len(holders[r.pk]), missing[r.pk], expired[r.pk]) for r in required
    ]
    return GapReport(found, figures)


def _people(users) -> list[Person]:
    make = Person._make
    return [make(row) for row in users.values_list("pk", "first_name", "last_name", "email")]


@dataclass(frozen=True)
class LiteracyCoverage:
    covered: int
    total: int
    uncovered: list  # users

    @property
    def percent(self) -> int | None:
        return round(100 * self.covered / self.total) if self.total else None


def ai_staff() -> list:
    """Members who use or oversee AI systems: holders of an AI responsibility and the owners
    of AI assets still in use (the asset register knows them)."""
    return _people(_ai_staff_users())


def _ai_staff_users():
    from assets.models import AI_TYPES, Asset, Lifecycle

    holding = ResponsibilityAssignment.objects.filter(
        responsibility__in=AI_RESPONSIBILITIES
    ).values("member_id")
    owning = (
        Asset.objects.filter(asset_type__in=AI_TYPES, owner__isnull=False)
        .exclude(lifecycle=Lifecycle.RETIRED)
        .values("owner_id")
    )
    return active_members(scope=None).filter(Q(pk__in=holding) | Q(pk__in=owning))


def _literate(today: date):
    """Members with a valid record of an AI literacy competence."""
    return (
        TrainingRecord.objects.filter(requirement__ai_literacy=True)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gt=today))
        .values("member_id")
    )


def literacy_coverage(today: date) -> LiteracyCoverage:
    """How many of the AI staff hold a valid record of an AI literacy competence (Art. 4)."""
    staff = ai_staff()
    literate = set(_literate(today).values_list("member_id", flat=True))
    uncovered = [u for u in staff if u.pk not in literate]
    return LiteracyCoverage(len(staff) - len(uncovered), len(staff), uncovered)


def literacy_counts(today: date) -> LiteracyCoverage:
    """`literacy_coverage`'s figures counted in one query, without the names (`uncovered`
    is left empty): the home page shows only the share."""
    found = (
        _ai_staff_users()
        .order_by()
        .aggregate(total=Count("pk"), covered=Count("pk", filter=Q(pk__in=_literate(today))))
    )
    return LiteracyCoverage(found["covered"], found["total"], [])


def records_for_list():
    return TrainingRecord.objects.select_related("member", "requirement").order_by(
        "-completed_on", "-id"
    )
