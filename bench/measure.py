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
from bench.scenarios import WEB_SCENARIOS, WebScenario, scenario_body, scenario_path
from isms.models import APIKey, Membership, Organization, Role
from isms.services.api_keys import api_key_create


class Callers:
    """An API key and a logged-in officer per organisation, made once per run."""

    def __init__(self):
        self._keys: dict[str, str] = {}
        self._sessions: dict[str, tuple] = {}

    def key(self, slug: str, access: str = APIKey.Access.READ_WRITE) -> str:
        if (slug, access) not in self._keys:
            organization = Organization.objects.get(slug=slug)
            self._keys[slug, access] = api_key_create(
                organization=organization, actor=None, name="bench", access=access
            ).token
        return self._keys[slug, access]

    def scenario_key(self, scenario: WebScenario) -> str:
        if scenario.auth == "decide":  # a gateway's key (monitoring.usage)
            return self.key(scenario.org, APIKey.Access.AI_USAGE_DECIDE)
        return self.key(scenario.org)

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
        if scenario.auth in ("key", "decide"):
            return {"Authorization": f"Bearer {self.scenario_key(scenario)}"}
        return {"Cookie": f"sessionid={self.session(scenario.org)[1]}"}

    def client(self, scenario: WebScenario) -> Client:
        client = Client(HTTP_HOST="localhost")
        if scenario.auth in ("key", "decide"):
            client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {self.scenario_key(scenario)}"
        else:
            client.force_login(self.session(scenario.org)[0])
        return client


def count_queries(
    callers: Callers, scenario: WebScenario, path: str, body: str = ""
) -> tuple[int, int]:
    """(status, SQL queries) of one request, made in-process on the app's connection."""
    client = callers.client(scenario)

    def request():
        if body:
            return client.post(path, body, content_type="application/json")
        return client.get(path)

    request()  # warm caches the way a long-running worker has them
    with CaptureQueriesContext(connections["default"]) as captured:
        response = request()
    return response.status_code, len(captured.captured_queries)


def measure(url: str, headers: dict, args, body: str = "") -> Measurement:
    wrk(url, headers, duration=1, connections=args.connections, body=body)  # warm-up
    return median_of(
        [
            wrk(url, headers, duration=args.duration, connections=args.connections, body=body)
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
        body = scenario_body(scenario) if scenario.body else ""
        status, queries = count_queries(callers, scenario, path, body)
        if status != 200:
            raise RuntimeError(f"{scenario.name}: {path} answered {status}")
        result = measure(base_url + path, callers.headers(scenario), args, body)
        ceiling_paths = ceiling_paths_for(scenario, path)
        for ceiling_path in ceiling_paths:  # one per organisation and page size, measured once
            if ceiling_path not in ceilings:
                ceilings[ceiling_path] = measure(base_url + ceiling_path, {}, args)
        ceiling = ceilings[ceiling_paths[0]]
        raw = ceilings[ceiling_paths[1]] if len(ceiling_paths) > 1 else None
        rows.append(
            {
                "scenario": asdict(scenario),
                "path": path,
                "queries": queries,
                "result": asdict(result),
                "ceiling": asdict(ceiling),
                "ratio": round(result.rps / ceiling.rps, 3) if ceiling.rps else None,
                "raw_ceiling": asdict(raw) if raw else None,
                "raw_ratio": round(result.rps / raw.rps, 3) if raw and raw.rps else None,
            }
        )
        print(
            f"  {scenario.name}: {result.rps:.0f} req/s, p50 {result.p50_ms:.1f} ms, "
            f"{queries} queries; ceiling {ceiling.rps:.0f} req/s"
            + (f", raw {raw.rps:.0f} req/s" if raw else ""),
            flush=True,
        )
    report = {"rows": rows, "args": vars(args)}
    if args.mixed_seconds > 0 and (not args.only or "mixed" in args.only):
        print(f"  mixed load: {args.mixed_clients} clients for {args.mixed_seconds}s", flush=True)
        report["mixed"] = mixed_load(base_url, callers, args.mixed_seconds, args.mixed_clients)
        print(f"  mixed load: {report['mixed']}", flush=True)
    report["targets"] = targets(rows, report.get("mixed"))
    return report


def ceiling_paths_for(scenario: WebScenario, path: str) -> list[str]:
    """The scenario's ceiling(s): a list endpoint has its bare DRF list and its raw list."""
    if not scenario.ceiling.startswith("bare:"):
        return ["/bench/constant/"]
    page_size = path.split("page_size=")[1].split("&")[0] if "page_size=" in path else "50"
    basename = scenario.ceiling[5:]
    return [
        f"/bench/{kind}/{scenario.org}/{basename}/?page_size={page_size}"
        for kind in ("bare", "raw")
    ]


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
                    f"{scenario['name']}: ≥ 1.5 × bare DRF req/s",
                    row["ratio"] is not None and row["ratio"] >= 1.5,
                    f"{row['ratio']:.2f}×",
                )
            )
            raw = row.get("raw_ratio")
            out.append(
                _target(
                    f"{scenario['name']}: ≥ 25% of the raw ceiling's req/s",
                    raw is not None and raw >= 0.25,
                    f"{raw:.0%}" if raw is not None else "not measured",
                )
            )
            ratio = result["p99_ms"] / result["p50_ms"] if result["p50_ms"] else 0
            out.append(_target(f"{scenario['name']}: p99 ≤ 3 × p50", ratio <= 3, f"{ratio:.1f}×"))
        if scenario["target"] == "decide":
            out.append(
                _target(
                    f"{scenario['name']}: ≥ 25% of the constant view's req/s",
                    row["ratio"] is not None and row["ratio"] >= 0.25,
                    f"{row['ratio']:.0%}",
                )
            )
            out.append(
                _target(
                    f"{scenario['name']}: p99 ≤ 20 ms",
                    result["p99_ms"] <= 20,
                    f"{result['p99_ms']:.1f} ms",
                )
            )
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
    out += page_targets(by_name)
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


PAGE_P50_MS = 50.0  # every UI page of the large organisation (issue 19)
PAGE_GROWTH = 1.5  # the large organisation's p50 against a small one's
SEARCH_GROWTH = 1.5  # a searched list or page against the same list unfiltered


def page_targets(by_name: dict[str, dict]) -> list[dict]:
    """Issue 19's page and search targets, from the rows already measured: each UI page of
    the large organisation at p50 ≤ 50 ms and ≤ 1.5 × the same page of a small one, and a
    search (UI page or API list) at ≤ 1.5 × the same list unfiltered."""
    out = []
    for name, row in by_name.items():
        p50 = row["result"]["p50_ms"]
        if name.endswith(" (UI)"):
            page = name.removesuffix(" (UI)")
            out.append(
                _target(f"{page}: p50 ≤ {PAGE_P50_MS:.0f} ms", p50 <= PAGE_P50_MS, f"{p50:.1f} ms")
            )
            small = by_name.get(f"{page} (UI, small org)")
            out += _p50_against(
                f"{page}: p50 ≤ {PAGE_GROWTH} × a small organisation's", p50, small, PAGE_GROWTH
            )
        if name.endswith("org)"):  # a small or medium organisation: the yardstick only
            continue
        unfiltered = by_name.get(_unsearched(name)) if _unsearched(name) != name else None
        out += _p50_against(
            f"{name}: p50 ≤ {SEARCH_GROWTH} × unfiltered", p50, unfiltered, SEARCH_GROWTH
        )
    return out


def _p50_against(target: str, p50: float, yardstick: dict | None, limit: float) -> list[dict]:
    """The target "this p50 is at most `limit` × the yardstick row's", when there is one."""
    if not yardstick or not yardstick["result"]["p50_ms"]:
        return []
    base = yardstick["result"]["p50_ms"]
    growth = p50 / base
    return [_target(target, growth <= limit, f"{growth:.2f}× ({p50:.1f} / {base:.1f} ms)")]


def _unsearched(name: str) -> str:
    """The scenario a search scenario is compared with (the same list without its search)."""
    if name.endswith(" search page (UI)"):
        return name.replace(" search page", " page", 1)
    if name.endswith(" search") and " list p" in name:
        return name.removesuffix(" search")
    return name


def _target(name: str, passed: bool, figure: str) -> dict:
    return {"target": name, "pass": passed, "figure": figure}


def markdown(report: dict) -> str:
    lines = [
        "| scenario | req/s | p50 ms | p99 ms | SQL/req | ceiling req/s | ratio "
        "| raw req/s | of raw |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in report["rows"]:
        r, c, raw = row["result"], row["ceiling"], row.get("raw_ceiling")
        lines.append(
            f"| {row['scenario']['name']} | {r['rps']:.0f} | {r['p50_ms']:.1f} | "
            f"{r['p99_ms']:.1f} | {row['queries']} | {c['rps']:.0f} ({row['scenario']['ceiling']}) "
            f"| {row['ratio']:.2f} | "
            + (f"{raw['rps']:.0f} | {row['raw_ratio']:.0%} |" if raw else "| |")
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
    if report.get("audit_chain"):
        from bench.audit_chain import markdown as chain_markdown

        lines += chain_markdown(report["audit_chain"])
    if report.get("writes"):
        from bench.writes import markdown as writes_markdown

        lines += writes_markdown(report["writes"])
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
    """The targets outside the web table (issues 12 and 19)."""
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
    if report.get("audit_chain"):
        from bench.audit_chain import target as chain_target

        out.append(chain_target(report["audit_chain"]))
    if report.get("writes"):
        from bench.writes import targets as write_targets

        out += write_targets(report["writes"])
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
