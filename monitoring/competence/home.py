"""The home page's AI literacy figure (EU AI Act Art. 4): the share of members who use or
oversee AI systems with a valid AI literacy record."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from isms.home import HomeFigure


def literacy_figures(actor) -> list[HomeFigure]:
    if not actor.has_scope("monitoring:read"):
        return []
    from monitoring.competence import selectors

    coverage = selectors.literacy_counts(timezone.localdate())
    if coverage.total == 0:
        return []
    percent = coverage.percent
    return [
        HomeFigure(
            label="AI literacy coverage (%)",
            value=percent,
            url=reverse("competence", args=[actor.organization.slug]) + "#literacy",
            tone="success" if percent == 100 else ("warning" if percent >= 50 else "danger"),
            note=f"{coverage.covered} of {coverage.total} who use or oversee AI (AI Act Art. 4)",
        )
    ]
