"""Write paths (issue 19): create and update of an asset, a risk and a supplier through the
API against the same INSERT or UPDATE through a bare DRF view (`/bench/bare-write/…`), both
with row-level security and the audit trigger in place. Target: the API at ≥ 50 % of the
bare write's req/s.

`measure_load` is what `make bench` reports: each write under wrk's concurrent load through
gunicorn (a new name in every request; an update renames one row again and again), the API
and the bare view one after the other, each the median of `--runs` runs. `measure` is the
in-process profile of the same writes (interleaved, median CPU and wall ms per request; see
bench.inprocess for why on a loaded machine):

    DJANGO_SETTINGS_MODULE=bench.settings python -m bench.writes [--rounds 20] [--out f.json]

Every row either makes is named "Bench write …" and removed afterwards.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import asdict

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


TARGET = 0.5  # of the bare write's req/s

# A wrk script whose every request carries a new name: each wrk thread numbers its own
# requests, and setup() gives each thread its own number.
_LUA = """
wrk.method = %(method)s
wrk.headers["Content-Type"] = "application/json"
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
local n = 0
function request()
  n = n + 1
  return wrk.format(nil, nil, nil, string.format(%(template)s, tid, n))
end
"""


def _script(method: str, body: dict, named: str, stamp: str) -> str:
    template = json.dumps({**body, named: f"{PREFIX} {stamp} %d-%d"})
    return _LUA % {"method": json.dumps(method), "template": json.dumps(template)}


def _owner_id(organization) -> int:
    from isms.models import Membership, Role

    return (
        Membership.objects.filter(organization=organization, role=Role.OFFICER)
        .order_by("pk")
        .values_list("user_id", flat=True)
        .first()
    )


def measure_load(base_url: str, token: str, args) -> list[dict]:
    """Create and update of each register through the API and the bare view under wrk's
    load: req/s, p50 and p99, and the API's share of the bare write's req/s."""
    from django.test import Client

    from bench.run import median_of, wrk
    from isms.models import Organization

    organization = Organization.objects.get(slug=ORG)
    api_headers = {"Authorization": f"Bearer {token}"}
    api = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {token}")
    out = []
    remove(organization)  # what an interrupted run left would collide with this run's names
    try:
        for basename, (collection, body, named) in bodies(_owner_id(organization)).items():
            made = api.post(
                f"/api/v1/orgs/{ORG}/{collection}/",
                {**body, named: f"{PREFIX} {basename} renamed"},
                "application/json",
            )
            assert made.status_code == 201, made.content[:300]
            pk = made.json()["id"]
            for action, method, suffix in (("create", "POST", ""), ("update", "PATCH", f"{pk}/")):
                figures = {}
                for kind, url, headers in (
                    ("api", f"{base_url}/api/v1/orgs/{ORG}/{collection}/{suffix}", api_headers),
                    ("bare", f"{base_url}/bench/bare-write/{ORG}/{basename}/{suffix}", {}),
                ):
                    runs = []
                    for run in range(args.runs + 1):  # the first run warms up
                        lua = _script(method, body, named, f"{kind} {action} {run}")
                        measured = wrk(
                            url,
                            headers,
                            duration=1 if run == 0 else args.duration,
                            connections=args.connections,
                            lua=lua,
                        )
                        if run:
                            runs.append(measured)
                    figures[kind] = median_of(runs)
                api_rps, bare_rps = figures["api"].rps, figures["bare"].rps
                out.append(
                    {
                        "name": f"{action} {basename}",
                        "api": asdict(figures["api"]),
                        "bare": asdict(figures["bare"]),
                        "ratio": round(api_rps / bare_rps, 3) if bare_rps else None,
                    }
                )
                print(
                    f"  {action} {basename}: API {api_rps:.0f} req/s, bare {bare_rps:.0f} req/s",
                    flush=True,
                )
    finally:
        remove(organization)
    return out


def markdown(rows: list[dict]) -> list[str]:
    lines = [
        "",
        f"Writes through the API against a bare DRF write of the same row ({ORG}, row-level "
        "security and the audit trigger in both; wrk, a new name in every request)",
        "",
        "| write | API req/s | p50 ms | p99 ms | bare req/s | bare p50 ms | of bare |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        api, bare = row["api"], row["bare"]
        lines.append(
            f"| {row['name']} | {api['rps']:.0f} | {api['p50_ms']:.1f} | {api['p99_ms']:.1f} "
            f"| {bare['rps']:.0f} | {bare['p50_ms']:.1f} | {row['ratio']:.0%} |"
        )
    return lines


def targets(rows: list[dict]) -> list[dict]:
    from bench.measure import _target

    out = []
    for row in rows:
        errors = row["api"]["errors"] + row["bare"]["errors"]
        out.append(
            _target(
                f"{row['name']} (API): ≥ {TARGET:.0%} of the bare write's req/s, no errors",
                row["ratio"] is not None and row["ratio"] >= TARGET and not errors,
                f"{row['ratio']:.0%}" + (f", {errors} errors" if errors else ""),
            )
        )
    return out


def _timed(call):
    cpu, wall = time.process_time(), time.perf_counter()
    response = call()
    return response, (time.process_time() - cpu) * 1000, (time.perf_counter() - wall) * 1000


def measure(rounds: int) -> list[dict]:
    from django.test import Client

    from bench.measure import Callers
    from isms.models import Organization

    organization = Organization.objects.get(slug=ORG)
    owner_id = _owner_id(organization)
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
