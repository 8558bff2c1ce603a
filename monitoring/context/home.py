"""The home page's scope block: the scope in force, or a prompt to write one (Clause 4.3)."""

from __future__ import annotations

from django.urls import reverse

from isms.home import HomePanel


def scope_panel(actor) -> list[HomePanel]:
    if not actor.has_scope("monitoring:read"):
        return []
    from monitoring.context import selectors

    return [
        HomePanel(
            "context/_home_scope.html",
            {
                "scope": selectors.current_scope(),
                "open_scope": selectors.open_scope(),
                "scope_url": reverse("scope", args=[actor.organization.slug]),
                "may_write": actor.has_scopes(["monitoring:write", "monitoring:manage"]),
            },
        )
    ]
