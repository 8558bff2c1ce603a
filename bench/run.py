"""`make bench`: seed, serve with gunicorn (2 workers, as docker compose does), load with wrk.

    python -m bench.run [--scale 1.0] [--organizations 100] [--no-seed] [--duration 5]
                        [--runs 3] [--connections 4] [--only SUBSTRING] [--mixed-seconds 60]
                        [--mixed-clients 32] [--intake-seconds 10]
                        [--idempotency-seconds 5]

Each web figure is the median of `--runs` wrk runs, next to its ceiling measured in the same
run. Results go to bench/results/<date>-<commit>.json and .md, and the table is printed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


@dataclass
class Measurement:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def parse_wrk(output: str) -> Measurement:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = _ms(re.search(r"50%\s+([\d.]+\w+)", output).group(1))
    p99 = _ms(re.search(r"99%\s+([\d.]+\w+)", output).group(1))
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return Measurement(rps, p50, p99, errors)


def wrk(
    url: str,
    headers: dict[str, str],
    *,
    duration: int,
    connections: int,
    body: str = "",
    lua: str = "",
) -> Measurement:
    """GET `url`, or POST the JSON `body` when one is given, or run the wrk Lua script `lua`
    (bench.writes: a new name in every request)."""
    argv = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s"]
    for key, value in headers.items():
        argv += ["-H", f"{key}: {value}"]
    if body and not lua:
        lua = (
            'wrk.method = "POST"\n'
            f"wrk.body = {json.dumps(body)}\n"
            'wrk.headers["Content-Type"] = "application/json"\n'
        )
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        if lua:
            script.write(lua)
            script.flush()
            argv += ["-s", script.name]
        output = subprocess.run([*argv, url], capture_output=True, text=True, check=True).stdout
    return parse_wrk(output)


def median_of(runs: list[Measurement]) -> Measurement:
    return Measurement(
        rps=statistics.median(m.rps for m in runs),
        p50_ms=statistics.median(m.p50_ms for m in runs),
        p99_ms=statistics.median(m.p99_ms for m in runs),
        errors=sum(m.errors for m in runs),
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn with 2 sync workers, exactly as docker compose serves the product."""

    def __init__(self):
        self.port = _free_port()
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "DEBUG": "0"}
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "isms.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "2",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        self._wait_until_answering()

    def _wait_until_answering(self) -> None:
        """Until the application answers, not only the port: gunicorn binds before its
        workers have loaded the application (about 3.5 s here), and the first scenario
        measured that wait (a decision run's p99 of 425 ms against 13 ms once the workers
        were up). The workers load in parallel; a second's grace covers the other one."""
        import urllib.request

        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/bench/constant/", timeout=2) as reply:
                    if reply.status == 200:
                        time.sleep(1)
                        return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("gunicorn did not start")

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--organizations", type=int, default=100)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--no-seed", action="store_true")
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--only", default="", help="run scenarios whose name contains this")
    parser.add_argument("--mixed-seconds", type=int, default=60, help="0 leaves the mixed load out")
    parser.add_argument("--mixed-clients", type=int, default=32)
    parser.add_argument(
        "--intake-seconds", type=float, default=10, help="per intake figure; 0 leaves it out"
    )
    parser.add_argument(
        "--idempotency-seconds", type=float, default=5, help="per Idempotency-Key figure"
    )
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is required: apt-get install wrk (make bench installs it)")
        return 2

    os.environ.setdefault("GUARDRAIL_VAR", str(ROOT / "var" / "bench"))
    from isms import devstack

    with devstack.services():
        os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
        devstack.manage("migrate", "--noinput", "-v", "0")
        devstack.manage("load_controls")
        if not args.no_seed:
            devstack.manage(
                "seed_bench",
                "--seed",
                str(args.seed),
                "--organizations",
                str(args.organizations),
                "--scale",
                str(args.scale),
            )
        import django

        django.setup()
        from bench import measure

        server = Server()
        try:
            report = measure.run_all(server.url, args)
            if _chosen(args, "intake") and args.intake_seconds > 0:
                from bench.intake import measure_metric_intake

                token = measure.Callers().key("bench-large")
                report["metric_intake"] = measure_metric_intake(
                    server.url, token, seconds=args.intake_seconds
                )
            if _chosen(args, "chain") and args.mixed_seconds > 0:
                from bench.audit_chain import measure_chain_cost

                report["audit_chain"] = measure_chain_cost(
                    server.url,
                    measure.Callers(),
                    seconds=args.mixed_seconds,
                    clients=args.mixed_clients,
                )
            if _chosen(args, "writes"):
                from bench.writes import measure_load

                report["writes"] = measure_load(
                    server.url, measure.Callers().key("bench-large"), args
                )
            if _chosen(args, "idempotency"):
                from bench.idempotency import lines, measure_idempotency

                token = measure.Callers().key("bench-large")
                report["idempotency"] = measure_idempotency(
                    server.url, token, seconds=args.idempotency_seconds
                )
                print("\n".join(lines(report["idempotency"])), flush=True)
        finally:
            server.stop()
        if _chosen(args, "checks"):
            from bench.checks import line, measure_checks

            report["checks"] = measure_checks()
            print(" ", line(report["checks"]), flush=True)
        if _chosen(args, "sweep"):
            from bench.sweeps import measure_both

            report["reminder_sweep"] = measure_both()
        if _chosen(args, "packs"):
            from bench.packs import measure as measure_packs

            report["evidence_pack"] = measure_packs("bench-large")
            print("  evidence pack:", json.dumps(report["evidence_pack"]), flush=True)
        report["targets"] += measure.extra_targets(report)
    commit = (
        subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=False,
        ).stdout.strip()
        or "nocommit"
    )
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
    RESULTS.mkdir(parents=True, exist_ok=True)
    base = RESULTS / f"{stamp}-{commit}"
    base.with_suffix(".json").write_text(json.dumps(report, indent=2, default=_plain))
    table = measure.markdown(report)
    if "idempotency" in report:
        from bench.idempotency import lines

        table += "\n".join(lines(report["idempotency"])) + "\n"
    base.with_suffix(".md").write_text(table)
    print(table)
    print(f"\nwritten: {base}.json, {base}.md")
    return 0


def _chosen(args, name: str) -> bool:
    """The scenarios outside the web table (mixed, intake, chain, idempotency, checks,
    sweep, packs) run when no `--only` is given or when it names them."""
    return not args.only or name in args.only


def _plain(value):
    return asdict(value) if hasattr(value, "__dataclass_fields__") else str(value)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
