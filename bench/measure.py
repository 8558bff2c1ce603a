"""Measurement and the pass/fail targets; imported after django.setup() by bench.run."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.run import Measurement, median_of, wrk
from bench.scenarios import WEB_SCENARIOS, WebScenario
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
    ceilings: dict[tuple[str, str], Measurement] = {}
    rows = []
    for scenario in WEB_SCENARIOS:
        if args.only and args.only not in scenario.name:
            continue
        path = scenario.path.format(org=scenario.org)
        status, queries = count_queries(callers, scenario, path)
        if status != 200:
            raise RuntimeError(f"{scenario.name}: {path} answered {status}")
        result = measure(base_url + path, callers.headers(scenario), args)
        ceiling_key = (scenario.ceiling, scenario.org if scenario.ceiling != "constant" else "")
        if ceiling_key not in ceilings:
            ceiling_path = "/bench/constant/"
            if scenario.ceiling.startswith("bare:"):
                page_size = (
                    path.split("page_size=")[1].split("&")[0] if "page_size=" in path else "50"
                )
                ceiling_path = (
                    f"/bench/bare/{scenario.org}/{scenario.ceiling[5:]}/?page_size={page_size}"
                )
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
    return {"rows": rows, "targets": targets(rows), "args": vars(args)}


def targets(rows: list[dict]) -> list[dict]:
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
    lines += ["", "| target | result | figure |", "|---|---|---|"]
    for t in report["targets"]:
        lines.append(f"| {t['target']} | {'PASS' if t['pass'] else 'FAIL'} | {t['figure']} |")
    return "\n".join(lines) + "\n"
