"""The pickers' search endpoints: `/o/<slug>/pick/<source>/` (see isms.pickers)."""

from __future__ import annotations

from django.http import JsonResponse
from django.views import View

from isms.access import ALL_SCOPES
from isms.pickers import MAX_QUERY, PAGE, SOURCES, PickSource
from isms.views.mixins import OrgViewMixin


class PickView(OrgViewMixin, View):
    """`GET ?q=words[&scope=records:own]` → `{"results": [{"value", "text"}], "more": bool}`."""

    source: PickSource

    def get(self, request, *args, **kwargs):
        query = request.GET.get("q", "").strip()
        if len(query) > MAX_QUERY:
            return _bad("q", f"Type at most {MAX_QUERY} characters.")
        scope = request.GET.get("scope") or None
        if scope is not None and (not self.source.takes_scope or scope not in ALL_SCOPES):
            return _bad("scope", f"{scope!r} is not a scope this picker narrows by.")
        rows = list(self.source.matches(self.actor, query, scope)[: PAGE + 1])
        results = [{"value": str(o.pk), "text": self.source.label(o)} for o in rows[:PAGE]]
        return JsonResponse({"results": results, "more": len(rows) > PAGE})


def _bad(name: str, message: str) -> JsonResponse:
    return JsonResponse({"detail": message, "errors": {name: [message]}}, status=400)


def pick_views() -> list[tuple[str, type[PickView]]]:
    """One view class per source (each declares its own scope for the URLconf walkers)."""
    return [
        (
            name,
            type(
                f"{name.title()}PickView",
                (PickView,),
                {"source": source, "scope_map": {"GET": [source.scope]}},
            ),
        )
        for name, source in sorted(SOURCES.items())
    ]
