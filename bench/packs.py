"""Issue 21's pack benchmark: the evidence pack of `bench-large` rendered the way the worker
renders it (section by section, `ROWS_PER_PART` rows per WeasyPrint call, the parts of a long
register laid out in a pool of one process per core) against a naive render of the same
content as one HTML document in one WeasyPrint call. Each render runs in its own process,
which reports its pages, seconds, CPU seconds (its pool's included) and peak RSS (its pool's
too) (targets: ≤ 120 s, < 1 GiB, ≥ 2× the naive pages per second). The two run back to back
in one call, so their ratio is measured under the same load.

    python -m isms.devstack manage shell -c "from bench.packs import main; main()"
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SECTIONS = ["scope", "soa", "evidence", "risks", "ai", "suppliers", "policies", "improvement"]
FRAMEWORKS = ["iso27001-2022", "iso42001-2023"]


def _context(slug: str):
    from django.utils import timezone

    from isms.models import Organization
    from monitoring.packs.sections import PackContext

    organization = Organization.objects.get(slug=slug)
    return organization, PackContext(organization, timezone.now(), FRAMEWORKS)


def _header(organization) -> dict:
    return {
        "title": "bench pack", "organization": organization.name,
        "organization_slug": organization.slug, "reference": "bench", "as_of": "now",
        "as_of_iso": "", "generated_at": "", "generated_by": "bench", "frameworks": FRAMEWORKS,
        "framework_names": FRAMEWORKS, "sections": SECTIONS, "scope": "", "public_key": "",
        "audit_chain_head": None,
    }  # fmt: skip


def render_streamed(slug: str) -> dict:
    from isms.tenancy import tenant_context
    from monitoring.packs.render import render_pack

    with tenant_context(_organization_id(slug)):
        organization, ctx = _context(slug)
        header = _header(organization)
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as workdir:
        result = render_pack(
            ctx, SECTIONS, Path(workdir), header,
            manifest_for=lambda files: [("manifest.json", b"{}")],
            section_scope=lambda: tenant_context(organization.pk),
        )  # fmt: skip
        size = result.pdf_path.stat().st_size
    return {"pages": result.pages, "seconds": time.monotonic() - started, "bytes": size}


def render_naive(slug: str) -> dict:
    """Every section's blocks, every row, in one HTML document and one WeasyPrint call."""
    from django.template.loader import render_to_string
    from weasyprint import HTML

    from isms.tenancy import tenant_context
    from monitoring.packs.render import PAGE_SIZE, BodySection, _chunk, _table_rows
    from monitoring.packs.sections import SECTIONS as SPECS
    from monitoring.packs.sections import Table

    started = time.monotonic()
    with tenant_context(_organization_id(slug)):
        organization, ctx = _context(slug)
        header = _header(organization)
        html = []
        for key in SECTIONS:
            blocks = []
            for block in SPECS[key].build(ctx):
                if isinstance(block, Table):
                    headers, rows = _table_rows(block, None, [])
                    blocks.append(_chunk(block, headers, list(rows), False))
                else:
                    blocks.append(block)
            section = BodySection(key, SPECS[key].title, 1)
            html.append(
                render_to_string(
                    "packs/pdf/part.html",
                    {
                        "page_size": PAGE_SIZE,
                        "header": header,
                        "section": section,
                        "heading": True,
                        "blocks": blocks,
                    },
                )
            )
    # One document: the parts' bodies concatenated.
    head, _, _ = html[0].partition("<body>")
    bodies = [h.partition("<body>")[2].rpartition("</body>")[0] for h in html]
    document = HTML(string=head + "<body>" + "".join(bodies) + "</body></html>").render()
    with tempfile.TemporaryDirectory() as workdir:
        document.write_pdf(Path(workdir) / "naive.pdf")
    return {"pages": len(document.pages), "seconds": time.monotonic() - started}


def _organization_id(slug: str) -> int:
    from isms.models import Organization

    return Organization.objects.values_list("pk", flat=True).get(slug=slug)


def child(kind: str, slug: str) -> None:
    """Run one render in this process and print its figures as JSON."""
    from monitoring.packs.part_pool import workers

    figures = render_streamed(slug) if kind == "streamed" else render_naive(slug)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    pool = resource.getrusage(resource.RUSAGE_CHILDREN)  # the part pool's processes, if any
    figures["peak_rss_mb"] = usage.ru_maxrss / 1024
    # The pool's processes run beside this one: the largest one's peak, and an upper bound of
    # the whole render's (this process's peak plus every pool process at the largest's peak).
    pool_processes = workers() if kind == "streamed" and pool.ru_maxrss else 0
    figures["pool_processes"] = pool_processes
    figures["pool_peak_rss_mb"] = pool.ru_maxrss / 1024
    figures["peak_rss_total_mb"] = (usage.ru_maxrss + pool_processes * pool.ru_maxrss) / 1024
    # CPU seconds of the render's processes (startup included): on a machine shared with other
    # work the wall-clock seconds measure the neighbours as much as the render.
    figures["cpu_seconds"] = usage.ru_utime + usage.ru_stime + pool.ru_utime + pool.ru_stime
    figures["pool_cpu_seconds"] = pool.ru_utime + pool.ru_stime
    print("PACK-FIGURES " + json.dumps(figures), flush=True)


def measure(slug: str = "bench-large", kinds=("streamed", "naive")) -> dict:
    results = {}
    for kind in kinds:
        code = f"from bench.packs import child; child({kind!r}, {slug!r})"
        load_before = round(os.getloadavg()[0], 2)  # other work on the machine, 1 minute
        out = subprocess.run(
            [sys.executable, "-m", "isms.devstack", "manage", "shell", "-c", code],
            capture_output=True, text=True, env=os.environ.copy(), check=False,
        )  # fmt: skip
        line = [x for x in out.stdout.splitlines() if x.startswith("PACK-FIGURES ")]
        if not line:
            results[kind] = {"error": (out.stderr or out.stdout)[-2000:]}
            continue
        figures = json.loads(line[-1].removeprefix("PACK-FIGURES "))
        figures["load_average_before"] = load_before
        figures["load_average_after"] = round(os.getloadavg()[0], 2)
        figures["pages_per_second"] = figures["pages"] / figures["seconds"]
        figures["pages_per_cpu_second"] = figures["pages"] / figures["cpu_seconds"]
        results[kind] = figures
    if "pages_per_second" in results.get("streamed", {}) and "pages_per_second" in results.get(
        "naive", {}
    ):
        results["speedup"] = (
            results["streamed"]["pages_per_second"] / results["naive"]["pages_per_second"]
        )
        results["speedup_cpu"] = (
            results["streamed"]["pages_per_cpu_second"] / results["naive"]["pages_per_cpu_second"]
        )
    return results


def main(slug: str = "bench-large") -> None:
    kinds = os.environ.get("PACK_BENCH_KINDS", "streamed,naive").split(",")
    print(json.dumps(measure(slug, kinds), indent=2))
