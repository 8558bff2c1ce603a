"""Measurement and the pass/fail targets; imported after django.setup() by bench.run."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.mixed import MixedLoad, run_mixed
from bench.run import Measurement, median_of, wrk
from bench.scenarios import WEB_SCENARIOS, WebScenario, scenario_path
from isms.models import APIKey, Membership, Organization, Role
from isms.services.api_keys import api_key_create


class Callers:
    """An API key and a logged-in officer per organisation, made once per run."""

    def __init__(self):
        self._keys: dict[str, str] = {}
        self._sessions: dict[str, tuple] = {}

    def key(self, slug: str) -> str:
        if slug not in self._keys:
            organization = Organization.objects.get(slug=slug)
            self._keys[slug] = api_key_create(
                organization=organization,
                actor=None,
                name="bench",
                access=APIKey.Access.READ_WRITE,
            ).token
        return self._keys[slug]

    def session(self, slug: str):
        if slug not in self._sessions:
            membership = (
                Membership.objects.select_related("user")
                .filter(organization__slug=slug, role=Role.OFFICER)
                .order_by("pk")
                .first()
            )
            user = membership.user
            store = SessionStore()
            store[SESSION_KEY] = str(user.pk)
            store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
            store[HASH_SESSION_KEY] = user.get_session_auth_hash()
            store.create()
            self._sessions[slug] = (user, store.session_key)
        return self._sessions[slug]

    def headers(self, scenario: WebScenario) -> dict[str, str]:
        if scenario.auth == "key":
            return {"Authorization": f"Bearer {self.key(scenario.org)}"}
        return {"Cookie": f"sessionid={self.session(scenario.org)[1]}"}

    def client(self, scenario: WebScenario) -> Client:
        client = Client(HTTP_HOST="localhost")
        if scenario.auth == "key":
            client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {self.key(scenario.org)}"
        else:
            client.force_login(self.session(scenario.org)[0])
        return client


def count_queries(callers: Callers, scenario: WebScenario, path: str) -> tuple[int, int]:
    """(status, SQL queries) of one request, made in-process on the app's connection."""
    client = callers.client(scenario)
    client.get(path)  # warm caches the way a long-running worker has them
    with CaptureQueriesContext(connections["default"]) as captured:
        response = client.get(path)
    return response.status_code, len(captured.captured_queries)


def measure(url: str, headers: dict, args) -> Measurement:
    wrk(url, headers, duration=1, connections=args.connections)  # warm-up
    return median_of(
        [
            wrk(url, headers, duration=args.duration, connections=args.connections)
            for _ in range(args.runs)
        ]
    )


def run_all(base_url: str, args) -> dict:
    callers = Callers()
    ceilings: dict[str, Measurement] = {}
    rows = []
    for scenario in WEB_SCENARIOS:
        if args.only and args.only not in scenario.name:
            continue
        path = scenario_path(scenario)
        status, queries = count_queries(callers, scenario, path)
        if status != 200:
            raise RuntimeError(f"{scenario.name}: {path} answered {status}")
        result = measure(base_url + path, callers.headers(scenario), args)
        ceiling_path = "/bench/constant/"
        if scenario.ceiling.startswith("bare:"):
            page_size = path.split("page_size=")[1].split("&")[0] if "page_size=" in path else "50"
            ceiling_path = (
                f"/bench/bare/{scenario.org}/{scenario.ceiling[5:]}/?page_size={page_size}"
            )
        ceiling_key = ceiling_path  # one per organisation and page size, measured once
        if ceiling_key not in ceilings:
            ceilings[ceiling_key] = measure(base_url + ceiling_path, {}, args)
        ceiling = ceilings[ceiling_key]
        rows.append(
            {
                "scenario": asdict(scenario),
                "path": path,
                "queries": queries,
                "result": asdict(result),
                "ceiling": asdict(ceiling),
                "ratio": round(result.rps / ceiling.rps, 3) if ceiling.rps else None,
            }
        )
        print(
            f"  {scenario.name}: {result.rps:.0f} req/s, p50 {result.p50_ms:.1f} ms, "
            f"{queries} queries; ceiling {ceiling.rps:.0f} req/s",
            flush=True,
        )
    report = {"rows": rows, "args": vars(args)}
    if args.mixed_seconds > 0 and (not args.only or "mixed" in args.only):
        print(f"  mixed load: {args.mixed_clients} clients for {args.mixed_seconds}s", flush=True)
        report["mixed"] = mixed_load(base_url, callers, args.mixed_seconds, args.mixed_clients)
        print(f"  mixed load: {report['mixed']}", flush=True)
    report["targets"] = targets(rows, report.get("mixed"))
    return report


MIXED_ORG = "bench-large"
MIXED_TAG = "bench-mixed"


def asset_mixed_load(callers: Callers, slug: str = MIXED_ORG) -> tuple[MixedLoad, dict]:
    """Reads of the asset and supplier registers; writes: POST an asset through the API."""
    from assets.models import Asset
    from bench.scenarios import PATH_VALUES
    from isms.tenancy import tenant_context

    organization = Organization.objects.get(slug=slug)
    owner_id = (
        Membership.objects.filter(organization=organization, role=Role.OFFICER)
        .order_by("pk")
        .values_list("user_id", flat=True)
        .first()
    )
    with tenant_context(organization.pk):
        asset_id = PATH_VALUES["asset"]()
    api = f"/api/v1/orgs/{slug}"

    def count_rows() -> int:
        with tenant_context(organization.pk):
            return Asset.objects.count()

    def count_existing(ids: list[int]) -> int:
        with tenant_context(organization.pk):
            return Asset.objects.filter(pk__in=ids, tags__contains=[MIXED_TAG]).count()

    load = MixedLoad(
        read_paths=[
            f"{api}/assets/?page_size=50",
            f"{api}/assets/?page_size=50&lifecycle=production",
            f"{api}/assets/?page_size=50&q=model",
            f"{api}/assets/{asset_id}/",
            f"{api}/suppliers/?page_size=50",
        ],
        write_path=f"{api}/assets/",
        write_payload=lambda n: {
            "name": f"Mixed-load service {n:06d}",
            "asset_type": "service",
            "owner": owner_id,
            "classification": "internal",
            "tags": [MIXED_TAG],
        },
        count_rows=count_rows,
        count_existing=count_existing,
    )
    return load, {"Authorization": f"Bearer {callers.key(slug)}"}


def remove_mixed_rows(slug: str = MIXED_ORG) -> int:
    """Take the mixed load's assets out again, so a rerun measures the same data."""
    from assets.models import Asset
    from isms.tenancy import tenant_context

    organization = Organization.objects.get(slug=slug)
    with tenant_context(organization.pk):
        deleted, _ = Asset.objects.filter(tags__contains=[MIXED_TAG]).delete()
    return deleted


def mixed_load(base_url: str, callers: Callers, seconds: float, clients: int) -> dict:
    from urllib.parse import urlsplit

    url = urlsplit(base_url)
    load, headers = asset_mixed_load(callers)
    result = run_mixed(url.hostname, url.port, headers, load, clients=clients, seconds=seconds)
    summary = result.summary()
    remove_mixed_rows()
    return summary


def targets(rows: list[dict], mixed: dict | None = None) -> list[dict]:
    out = []
    by_name = {r["scenario"]["name"]: r for r in rows}
    for row in rows:
        scenario, result = row["scenario"], row["result"]
        if scenario["target"] == "list50":
            out.append(
                _target(
                    f"{scenario['name']}: ≥ 60% of bare DRF req/s",
                    row["ratio"] is not None and row["ratio"] >= 0.6,
                    f"{row['ratio']:.0%}",
                )
            )
            ratio = result["p99_ms"] / result["p50_ms"] if result["p50_ms"] else 0
            out.append(_target(f"{scenario['name']}: p99 ≤ 3 × p50", ratio <= 3, f"{ratio:.1f}×"))
        if scenario["target"].startswith("growth:"):
            prefix = scenario["target"].split(":", 1)[1]
            large = by_name.get(f"{prefix} list p50")
            if large:
                growth = large["result"]["p50_ms"] / result["p50_ms"] - 1
                out.append(
                    _target(
                        f"{prefix}: p50 at 10× the rows ≤ +50%", growth <= 0.5, f"{growth:+.0%}"
                    )
                )
        if any(r["result"]["errors"] for r in [row]):
            out.append(_target(f"{scenario['name']}: no errors", False, str(result["errors"])))
    groups = defaultdict(set)
    for row in rows:
        if row["scenario"]["queries_group"]:
            groups[row["scenario"]["queries_group"]].add(row["queries"])
    for group, counts in sorted(groups.items()):
        out.append(
            _target(
                f"{group}: same SQL count at every page and data size",
                len(counts) == 1,
                "/".join(str(c) for c in sorted(counts)),
            )
        )
    if mixed is not None:
        out.append(
            _target(
                f"mixed load ({mixed['clients']} clients, {mixed['seconds']:.0f}s): "
                "zero errors, zero lost writes",
                mixed["passed"],
                f"{mixed['requests']} requests, {mixed['errors']} errors, "
                f"{sum(v for k, v in mixed['statuses'].items() if int(k) >= 400)} 4xx/5xx, "
                f"{mixed['created']} created / {mixed['rows_added']} rows, "
                f"{mixed['lost_writes']} lost",
            )
        )
    return out


def _target(name: str, passed: bool, figure: str) -> dict:
    return {"target": name, "pass": passed, "figure": figure}


def markdown(report: dict) -> str:
    lines = [
        "| scenario | req/s | p50 ms | p99 ms | SQL/req | ceiling req/s | ratio |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in report["rows"]:
        r, c = row["result"], row["ceiling"]
        lines.append(
            f"| {row['scenario']['name']} | {r['rps']:.0f} | {r['p50_ms']:.1f} | "
            f"{r['p99_ms']:.1f} | {row['queries']} | {c['rps']:.0f} ({row['scenario']['ceiling']}) "
            f"| {row['ratio']:.2f} |"
        )
    mixed = report.get("mixed")
    if mixed:
        lines += [
            "",
            f"Mixed read/write load: {mixed['clients']} clients for {mixed['seconds']:.0f} s "
            "(80 % GETs of the asset and supplier registers, 20 % POST /assets/ with an API key)",
            "",
            "| requests | req/s | p50 ms | p99 ms | statuses | 201s | rows added | "
            "201s found | lost writes | connection errors |",
            "|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|",
            f"| {mixed['requests']} | {mixed['rps']:.0f} | {mixed['p50_ms']:.0f} | "
            f"{mixed['p99_ms']:.0f} | "
            + ", ".join(f"{k}: {v}" for k, v in mixed["statuses"].items())
            + f" | {mixed['created']} | {mixed['rows_added']} | {mixed['found']} | "
            f"{mixed['lost_writes']} | {mixed['errors']} |",
        ]
    if report.get("metric_intake"):
        from bench.intake import markdown as intake_markdown

        lines += intake_markdown(report["metric_intake"])
    if report.get("checks"):
        from bench.checks import markdown as checks_markdown

        lines += checks_markdown(report["checks"])
    if report.get("reminder_sweep"):
        from bench.sweeps import markdown as sweeps_markdown

        lines += sweeps_markdown(report["reminder_sweep"])
    lines += ["", "| target | result | figure |", "|---|---|---|"]
    for t in report["targets"]:
        lines.append(f"| {t['target']} | {'PASS' if t['pass'] else 'FAIL'} | {t['figure']} |")
    return "\n".join(lines) + "\n"


def extra_targets(report: dict) -> list[dict]:
    """Issue 12's targets outside the web table."""
    out = []
    intake = report.get("metric_intake")
    if intake:
        i = intake["intake"]
        out.append(
            _target(
                f"metric intake: ≥ {intake['target']:,} points/s in batches of {i['batch']}, "
                "no errors, no lost writes",
                intake["passed"],
                f"{i['points_per_second']:,} points/s ({intake['ratio']:.0%} of the bare insert)",
            )
        )
        out.append(
            _target(
                "metric intake: same SQL count at every batch size",
                intake["constant_queries"],
                "/".join(str(v) for v in intake["queries"].values()),
            )
        )
    checks = report.get("checks")
    if checks:
        large = checks["rows"][0]
        out.append(
            _target(
                f"checks of {large['organization']}: ≤ {checks['target_seconds']:.0f} s",
                checks["passed"],
                f"{large['seconds']:.2f} s",
            )
        )
        out.append(
            _target(
                "checks: same SQL count in the large and a small organisation",
                checks["constant_queries"],
                "/".join(str(r["queries"]) for r in checks["rows"]),
            )
        )
    for name, sweep in (report.get("reminder_sweep") or {}).items():
        s = sweep if isinstance(sweep, dict) else asdict(sweep)
        counts = sorted(set(s["queries_per_org"]))
        out.append(
            _target(
                f"reminder sweep ({name}): ≤ 30 s for {s['organizations']} organisations, "
                "constant SQL per organisation",
                s["seconds"] <= 30 and len(counts) == 1,
                f"{s['seconds']:.1f} s, {'/'.join(map(str, counts))} SQL",
            )
        )
    return out
