"""In-process figures for a loaded machine: every scenario requested in turn through Django's
test client, interleaved (so all share the same neighbours), the median **CPU** ms of this
process per request beside the wall ms. `wrk` through gunicorn is the bench's real measure;
on a shared 2-core machine whose load average is several times its cores, its req/s measure
the neighbours, while a request's CPU time still measures the code.

    DJANGO_SETTINGS_MODULE=bench.settings python -m bench.inprocess [--only SUBSTRING ...]
        [--rounds 25] [--paths paths.json] [--save paths.json] [--out figures.json]

`--save` writes the scenarios' resolved paths (and their ceilings') without measuring, and
`--paths` measures exactly those: a "before" tree without the new scenarios' path values
can then be measured against the same rows as the "after" tree, back to back.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time


def resolve(only: list[str]) -> list[dict]:
    from bench.measure import ceiling_paths_for
    from bench.scenarios import WEB_SCENARIOS, scenario_path

    out, seen = [], set()
    for scenario in WEB_SCENARIOS:
        if scenario.body or (only and not any(o in scenario.name for o in only)):
            continue
        path = scenario_path(scenario)
        out.append(
            {"name": scenario.name, "path": path, "auth": scenario.auth, "org": scenario.org}
        )
        if scenario.ceiling.startswith("bare:"):
            for ceiling in ceiling_paths_for(scenario, path):
                if ceiling not in seen:
                    seen.add(ceiling)
                    kind = ceiling.split("/")[2]
                    out.append(
                        {
                            "name": f"{kind}:{scenario.ceiling[5:]} ({scenario.org}, "
                            f"p{ceiling.split('page_size=')[1]})",
                            "path": ceiling,
                            "auth": "none",
                            "org": scenario.org,
                        }
                    )
    return out


def measure(entries: list[dict], rounds: int) -> list[dict]:
    from django.db import connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.measure import Callers
    from bench.scenarios import WebScenario

    callers = Callers()
    clients = {}
    for entry in entries:
        if entry["auth"] == "none":
            clients[entry["path"]] = Client(HTTP_HOST="localhost")
        else:
            scenario = WebScenario(entry["name"], entry["path"], entry["auth"], entry["org"])
            clients[entry["path"]] = callers.client(scenario)
    for entry in entries:  # warm-up, status and SQL count
        client = clients[entry["path"]]
        client.get(entry["path"])
        with CaptureQueriesContext(connections["default"]) as captured:
            response = client.get(entry["path"])
        entry["status"] = response.status_code
        entry["queries"] = len(captured.captured_queries)
        entry["bytes"] = len(response.content)
        entry["cpu"], entry["wall"] = [], []
    for _ in range(rounds):
        for entry in entries:
            client = clients[entry["path"]]
            cpu, wall = time.process_time(), time.perf_counter()
            client.get(entry["path"])
            entry["cpu"].append((time.process_time() - cpu) * 1000)
            entry["wall"].append((time.perf_counter() - wall) * 1000)
    for entry in entries:
        entry["cpu_ms"] = round(statistics.median(entry.pop("cpu")), 2)
        entry["wall_ms"] = round(statistics.median(entry.pop("wall")), 2)
    return entries


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", nargs="*", default=[])
    parser.add_argument("--rounds", type=int, default=25)
    parser.add_argument("--paths")
    parser.add_argument("--save")
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    import django

    django.setup()
    if args.paths:
        with open(args.paths) as handle:
            entries = json.load(handle)
    else:
        entries = resolve(args.only)
    if args.save:
        with open(args.save, "w") as handle:
            json.dump(entries, handle, indent=1)
        return 0
    results = measure(entries, args.rounds)
    for r in results:
        print(
            f"{r['name']:55} {r['status']} {r['queries']:3}q {r['cpu_ms']:8.2f} cpu ms "
            f"{r['wall_ms']:8.2f} wall ms {r['bytes']:7} B",
            flush=True,
        )
    if args.out:
        with open(args.out, "w") as handle:
            json.dump(results, handle, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
