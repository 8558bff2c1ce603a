"""All automated checks (Clause 9.1) of `bench-large` and of a small organisation (issue 12's
target: ≤ 10 s for bench-large; the same number of SQL queries in both).

Runs what the per-organisation Celery task runs (`monitoring.checks.services.run_checks`,
in one tenant context per organisation), in this process. The runs it records stay: check
runs are immutable records, as every scheduled run's are.

    python -m isms.devstack manage shell -c "from bench.checks import main; main()"
"""

from __future__ import annotations

import time

from django.db import connection
from django.test.utils import CaptureQueriesContext

TARGET_SECONDS = 10.0
ORGANIZATIONS = ("bench-large", "bench-000")


def measure_checks(slugs: tuple[str, ...] = ORGANIZATIONS) -> dict:
    from isms.models import Organization
    from isms.tenancy import tenant_context
    from monitoring.checks.services import run_checks

    rows = []
    for slug in slugs:
        organization = Organization.objects.get(slug=slug)
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            with tenant_context(organization.pk, actor="bench checks"):
                runs = run_checks()
        seconds = time.perf_counter() - started
        rows.append(
            {
                "organization": slug,
                "seconds": round(seconds, 3),
                "queries": len(captured),
                "checks": len(runs),
                "failing": sum(1 for r in runs if r.status != "pass"),
                "failing_objects": sum(r.failing_count for r in runs),
            }
        )
    large = rows[0]
    return {
        "rows": rows,
        "target_seconds": TARGET_SECONDS,
        "passed": large["seconds"] <= TARGET_SECONDS,
        "constant_queries": len({r["queries"] for r in rows}) == 1,
    }


def line(figures: dict) -> str:
    parts = [
        f"{r['organization']}: {r['checks']} checks in {r['seconds']:.2f} s, {r['queries']} SQL "
        f"({r['failing']} failing, {r['failing_objects']:,} failing objects)"
        for r in figures["rows"]
    ]
    return (
        "checks: "
        + "; ".join(parts)
        + f" (target ≤ {figures['target_seconds']:.0f} s: "
        + ("PASS" if figures["passed"] else "FAIL")
        + "; same SQL count: "
        + ("PASS" if figures["constant_queries"] else "FAIL")
        + ")"
    )


def markdown(figures: dict) -> list[str]:
    lines = [
        "",
        "All automated checks, as the per-organisation task runs them "
        f"(target: ≤ {figures['target_seconds']:.0f} s for bench-large, the same SQL count)",
        "",
        "| organisation | checks | seconds | SQL | failing checks | failing objects |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in figures["rows"]:
        lines.append(
            f"| {r['organization']} | {r['checks']} | {r['seconds']:.2f} | {r['queries']} | "
            f"{r['failing']} | {r['failing_objects']:,} |"
        )
    return lines


def main() -> None:
    print(line(measure_checks()))
