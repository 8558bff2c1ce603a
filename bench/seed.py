"""A deterministic, realistic multi-tenant dataset for the benchmarks.

`manage.py seed_bench --seed 42` makes `organizations` organisations: one large
(`bench-large`: 10,000 assets, 5,000 risks, 500 suppliers, 50 policies, 500 members by
default), one medium (`bench-medium`, a tenth of the large one: the growth target compares
the two) and the rest small. Every app adds its rows through a seeder in bench/seeders/,
with bulk inserts inside the organisation's tenant context. Same seed, same data.

It never touches an organisation it did not create: the organisations it makes carry
`Organization.seeded_by_bench`, `reset()` removes only those (and only bench users that
belong to no other organisation), and `seed()` refuses to run when a slug it would use
belongs to an organisation without the mark.
"""

from __future__ import annotations

import importlib
import random
import time
from dataclasses import asdict, dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connections, transaction

from isms.lifecycle.purge import purge_organizations
from isms.models import Membership, Organization, Role
from isms.tenancy import tenant_context

User = get_user_model()
PREFIX = "bench-"
PASSWORD = "bench-password"
# bench/seeders/<name>.py, in this order
SEEDERS = ["suppliers", "assets", "risks", "policies", "monitoring", "competence"]


@dataclass(frozen=True)
class OrgSize:
    members: int
    assets: int
    risks: int
    suppliers: int
    policies: int


@dataclass
class SeedPlan:
    seed: int = 42
    organizations: int = 100
    large: OrgSize = field(default_factory=lambda: OrgSize(500, 10_000, 5_000, 500, 50))
    small: OrgSize = field(default_factory=lambda: OrgSize(5, 30, 15, 5, 3))

    @property
    def medium(self) -> OrgSize:
        big = self.large
        return OrgSize(
            max(big.members // 10, 5),
            max(big.assets // 10, 10),
            max(big.risks // 10, 5),
            max(big.suppliers // 10, 2),
            max(big.policies // 10, 1),
        )

    @classmethod
    def scaled(cls, seed: int, organizations: int, scale: float) -> SeedPlan:
        plan = cls(seed=seed, organizations=organizations)
        big = plan.large
        plan.large = OrgSize(*(max(int(v * scale), 2) for v in asdict(big).values()))
        return plan


@dataclass
class SeededOrg:
    organization: Organization
    size: OrgSize
    members: list  # users, the first is an admin, the second an officer
    rng: random.Random


def _org_plan(plan: SeedPlan) -> list[tuple[str, str, OrgSize]]:
    orgs = [
        ("bench-large", "Bench Large Holdings", plan.large),
        ("bench-medium", "Bench Medium Group", plan.medium),
    ]
    orgs += [
        (f"{PREFIX}{i:03d}", f"Bench Company {i:03d}", plan.small)
        for i in range(max(plan.organizations - 2, 0))
    ]
    return orgs


class NotBenchData(RuntimeError):
    """A slug the seeder would use belongs to an organisation it did not create."""


def bench_organizations(using: str = "default"):
    return Organization.objects.using(using).filter(seeded_by_bench=True)


def reset() -> int:
    """Remove every organisation seed_bench created, and the bench users of no other
    organisation (the audit trail keeps its history).

    The organisations' rows go table by table in their tenant context, with the guard
    triggers off for that one transaction (isms.lifecycle.purge, which the deletion of an
    organisation uses too); then the organisations themselves and their memberships.
    """
    with transaction.atomic(using="owner"):
        orgs = list(bench_organizations("owner").values_list("pk", flat=True))
        purge_organizations(orgs, actor="seed_bench reset", using="owner")
        deleted, _ = bench_organizations("owner").delete()
        User.objects.using("owner").filter(
            username__startswith=PREFIX, username__endswith="@bench.example"
        ).exclude(memberships__organization__seeded_by_bench=False).delete()
    return deleted


def seed(plan: SeedPlan, log=print, *, vacuum: bool = True) -> list[SeededOrg]:
    started = time.monotonic()
    password = make_password(PASSWORD)
    seeded: list[SeededOrg] = []
    seeders = [
        importlib.import_module(f"bench.seeders.{name}")
        for name in SEEDERS
        if importlib.util.find_spec(f"bench.seeders.{name}")
    ]
    orgs = _org_plan(plan)
    foreign = list(
        Organization.objects.filter(
            slug__in=[slug for slug, _, _ in orgs], seeded_by_bench=False
        ).values_list("slug", flat=True)
    )
    if foreign:
        raise NotBenchData(
            f"Refusing to seed: {', '.join(sorted(foreign))} exist(s) and were not created by "
            "seed_bench. Choose another database; seed_bench never touches real organisations."
        )
    for index, (slug, name, size) in enumerate(orgs):
        rng = random.Random(f"{plan.seed}:{slug}")
        organization = Organization.objects.create(name=name, slug=slug, seeded_by_bench=True)
        users = User.objects.bulk_create(
            User(
                username=f"{slug}-u{n:04d}@bench.example",
                email=f"{slug}-u{n:04d}@bench.example",
                first_name="Bench",
                last_name=f"User {n}",
                password=password,
            )
            for n in range(size.members)
        )
        roles = [Role.ADMIN, Role.OFFICER] + [
            rng.choice([Role.CONTRIBUTOR, Role.CONTRIBUTOR, Role.OFFICER, Role.AUDITOR])
            for _ in range(size.members - 2)
        ]
        Membership.objects.bulk_create(
            Membership(organization=organization, user=u, role=r)
            for u, r in zip(users, roles, strict=True)
        )
        org = SeededOrg(organization, size, users, rng)
        with tenant_context(organization.pk, actor="seed_bench"):
            for seeder in seeders:
                seeder.seed(org)
        seeded.append(org)
        if index < 2 or index % 20 == 0:
            log(f"  {slug}: {size}  ({time.monotonic() - started:.0f}s)")
    # What autovacuum does to a live database, done now: bulk inserts outrun it. Without
    # statistics the planner joined all 10,000 assets before the LIMIT (asset list SQL 304 ms
    # → 0.7 ms); without the visibility map COUNT(*) reads the heap (12 ms → 1.2 ms).
    if vacuum:  # (tests leave it out: VACUUM cannot run inside their transaction)
        with connections["owner"].cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    log(f"seeded {len(seeded)} organisations in {time.monotonic() - started:.1f}s")
    return seeded
