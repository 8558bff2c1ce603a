"""The home page's figures from the checks: how many fail now, and the pass-rate trend."""

from __future__ import annotations

from django.urls import reverse

from isms.home import HomeFigure


def check_figures(actor) -> list[HomeFigure]:
    if not actor.has_scope("monitoring:read"):
        return []
    from monitoring.checks import selectors

    latest = selectors.latest_runs()
    ran = [row for row in latest if row["run"] is not None]
    failing = sum(1 for row in ran if row["run"].status != "pass")
    url = reverse("check_list", args=[actor.organization.slug])
    return [
        HomeFigure(
            label="Control checks failing",
            value=failing,
            url=url + ("?status=fail" if failing else ""),
            tone="danger" if failing else ("success" if ran else "secondary"),
            note=f"of {len(ran)} automated checks at their latest run"
            if ran
            else "no check has run yet",
        )
    ]
