"""The home page tells an auditor where their engagements are (one query, auditors only)."""

from __future__ import annotations

from django.urls import reverse

from isms import home
from isms.access import access_is_logged
from isms.home import HomeFigure


@home.register
def engagement_figures(actor) -> list[HomeFigure]:
    if not access_is_logged(actor):
        return []
    from monitoring.engagements.access import engagements_of

    return [
        HomeFigure(
            label="Your audit engagements",
            value=engagements_of(actor).count(),
            url=reverse("engagement_list", args=[actor.organization.slug]),
            tone="primary",
        )
    ]
