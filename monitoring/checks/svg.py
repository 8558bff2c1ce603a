"""Server-rendered SVG charts (no JavaScript): a check's or a control's history at a glance."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT, PAD = 640, 160, 28
COLOURS = {"pass": "#198754", "fail": "#dc3545", "error": "#fd7e14"}


def status_strip(runs: list, title: str) -> SafeString:
    """One bar per run, oldest left: green pass, red fail, orange error (with a text legend,
    so colour is not the only carrier of meaning)."""
    runs = list(reversed(runs))[-60:]
    if not runs:
        return mark_safe("")
    step = (WIDTH - 2 * PAD) / max(len(runs), 1)
    bars = []
    for i, run in enumerate(runs):
        x = PAD + i * step
        height = (HEIGHT - 2 * PAD) if run.status == "pass" else (HEIGHT - 2 * PAD) / 2
        y = HEIGHT - PAD - height
        bars.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(step - 2, 1):.1f}" height="{height:.1f}"'
            f' fill="{COLOURS.get(run.status, "#6c757d")}" data-status="{run.status}">'
            f"<title>{run.ran_at:%Y-%m-%d %H:%M} {escape(run.get_status_display())}"
            f"{'' if run.value is None else f' value {run.value:g}'}</title></rect>"
        )
    first, last = runs[0].ran_at, runs[-1].ran_at
    passed = sum(1 for r in runs if r.status == "pass")
    return mark_safe(  # noqa: S308 - text escaped, the rest numbers and constants
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img"'
        f' class="check-history" aria-label="{escape(title)}: {passed} of {len(runs)} runs passed">'
        f"<title>{escape(title)}</title>"
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}"'
        ' stroke="#adb5bd"/>' + "".join(bars) + f'<text x="{PAD}" y="{HEIGHT - 8}" font-size="11">'
        f"{first:%Y-%m-%d}</text>"
        f'<text x="{WIDTH - PAD}" y="{HEIGHT - 8}" font-size="11" text-anchor="end">'
        f"{last:%Y-%m-%d}</text>"
        f'<text x="{PAD}" y="16" font-size="12">{passed} of {len(runs)} runs passed'
        " (tall green = pass, short red = fail)</text></svg>"
    )


def rate_line(points: list[tuple], title: str) -> SafeString:
    """A pass-rate line over days: points are (day, passed, total)."""
    if not points:
        return mark_safe("")
    n = len(points)
    step = (WIDTH - 2 * PAD) / max(n - 1, 1)
    coords = []
    for i, (day, passed, total) in enumerate(points):
        rate = passed / total if total else 0
        x = PAD + i * step
        y = HEIGHT - PAD - rate * (HEIGHT - 2 * PAD)
        coords.append((x, y, day, rate))
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in coords)
    dots = "".join(
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#0d6efd"><title>{day:%Y-%m-%d}: '
        f"{rate:.0%}</title></circle>"
        for x, y, day, rate in coords
    )
    latest = coords[-1][3]
    return mark_safe(  # noqa: S308 - text escaped, the rest numbers and constants
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img"'
        f' class="pass-rate" aria-label="{escape(title)}: latest {latest:.0%}">'
        f"<title>{escape(title)}</title>"
        f'<line x1="{PAD}" y1="{PAD}" x2="{WIDTH - PAD}" y2="{PAD}" stroke="#dee2e6"/>'
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}"'
        ' stroke="#adb5bd"/>'
        f'<text x="2" y="{PAD + 4}" font-size="10">100%</text>'
        f'<text x="2" y="{HEIGHT - PAD + 4}" font-size="10">0%</text>'
        f'<polyline points="{path}" fill="none" stroke="#0d6efd" stroke-width="2"/>'
        + dots
        + f'<text x="{PAD}" y="{HEIGHT - 8}" font-size="11">{coords[0][2]:%Y-%m-%d}</text>'
        f'<text x="{WIDTH - PAD}" y="{HEIGHT - 8}" font-size="11" text-anchor="end">'
        f"{coords[-1][2]:%Y-%m-%d}: {latest:.0%}</text></svg>"
    )
