"""Write paths (issue 19): create and update of an asset, a risk and a supplier through the
API against the same INSERT or UPDATE through a bare DRF view (`/bench/bare-write/…`), both
with row-level security and the audit trigger in place. In-process, interleaved, median CPU
and wall ms per request (see bench.inprocess for why on a loaded machine).

    DJANGO_SETTINGS_MODULE=bench.settings python -m bench.writes [--rounds 20] [--out f.json]

Every row it creates is named "Bench write …" and removed afterwards.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

PREFIX = "Bench write"
ORG = "bench-large"


def bodies(owner_id: int) -> dict[str, tuple[str, dict, str]]:
    """basename: (API collection, POST body, the field a PATCH changes)."""
    return {
        "asset": (
            "assets",
            {"asset_type": "service", "owner": owner_id, "classification": "internal"},
            "name",
        ),
        "risk": (
            "risks",
            {
                "category": "privacy",
                "owner": owner_id,
                "inherent_likelihood": 3,
                "inherent_impact": 3,
            },
            "title",
        ),
        "supplier": ("suppliers", {"criticality": "low", "owner": owner_id}, "name"),
    }


def _timed(call):
    cpu, wall = time.process_time(), time.perf_counter()
    response = call()
    return response, (time.process_time() - cpu) * 1000, (time.perf_counter() - wall) * 1000


def measure(rounds: int) -> list[dict]:
    from django.test import Client

    from bench.measure import Callers
    from isms.models import Membership, Organization, Role

    organization = Organization.objects.get(slug=ORG)
    owner_id = (
        Membership.objects.filter(organization=organization, role=Role.OFFICER)
        .order_by("pk")
        .values_list("user_id", flat=True)
        .first()
    )
    api = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {Callers().key(ORG)}")
    bare = Client(HTTP_HOST="localhost")
    samples: dict[str, dict[str, list]] = {}
    n = 0
    try:
        for _ in range(rounds + 1):  # the first round warms up
            for basename, (collection, body, named) in bodies(owner_id).items():
                for kind, client, base in (
                    ("api", api, f"/api/v1/orgs/{ORG}/{collection}/"),
                    ("bare", bare, f"/bench/bare-write/{ORG}/{basename}/"),
                ):
                    n += 1
                    created, cpu, wall = _timed(
                        lambda c=client, u=base, b={**body, named: f"{PREFIX} {n:06d}"}: c.post(
                            u, b, "application/json"
                        )
                    )
                    assert created.status_code == 201, (kind, basename, created.content[:300])
                    pk = created.json()["id"]
                    samples.setdefault(f"create {basename} ({kind})", {"cpu": [], "wall": []})
                    if n > 6:
                        samples[f"create {basename} ({kind})"]["cpu"].append(cpu)
                        samples[f"create {basename} ({kind})"]["wall"].append(wall)
                    changed, cpu, wall = _timed(
                        lambda c=client, u=f"{base}{pk}/", b={named: f"{PREFIX} {n:06d} b"}: (
                            c.patch(u, b, "application/json")
                        )
                    )
                    assert changed.status_code == 200, (kind, basename, changed.content[:300])
                    samples.setdefault(f"update {basename} ({kind})", {"cpu": [], "wall": []})
                    if n > 6:
                        samples[f"update {basename} ({kind})"]["cpu"].append(cpu)
                        samples[f"update {basename} ({kind})"]["wall"].append(wall)
    finally:
        remove(organization)
    out = []
    for name, values in samples.items():
        out.append(
            {
                "name": name,
                "cpu_ms": round(statistics.median(values["cpu"]), 2),
                "wall_ms": round(statistics.median(values["wall"]), 2),
            }
        )
    for row in out:
        if row["name"].endswith("(api)"):
            ceiling = next(r for r in out if r["name"] == row["name"].replace("(api)", "(bare)"))
            row["of_bare_cpu"] = round(ceiling["cpu_ms"] / row["cpu_ms"], 3)
            row["of_bare_wall"] = round(ceiling["wall_ms"] / row["wall_ms"], 3)
    return out


def remove(organization) -> None:
    """The rows this run made (bench organisation only), with their links."""
    from assets.models import Asset
    from isms.tenancy import tenant_context
    from risks.models import Risk
    from suppliers.models import Supplier

    assert organization.seeded_by_bench
    with tenant_context(organization.pk):
        Risk.objects.filter(title__startswith=PREFIX).delete()
        Asset.objects.filter(name__startswith=PREFIX).delete()
        Supplier.objects.filter(name__startswith=PREFIX).delete()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    import django

    django.setup()
    results = measure(args.rounds)
    for r in results:
        ratio = f"  {r['of_bare_cpu']:.0%} of bare (CPU)" if "of_bare_cpu" in r else ""
        print(f"{r['name']:28} {r['cpu_ms']:8.2f} cpu ms {r['wall_ms']:8.2f} wall ms{ratio}")
    if args.out:
        with open(args.out, "w") as handle:
            json.dump(results, handle, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
