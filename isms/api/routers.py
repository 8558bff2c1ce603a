"""One router for every organisation-scoped endpoint: `/api/v1/orgs/<org_slug>/…`.

Feature apps register their viewsets here (in their api/urls.py, imported by isms.urls);
the generic isolation and role suites walk this router, so a new endpoint is covered
without anyone editing them.

Its URLs are grouped by registered prefix: one include per prefix, holding that prefix's
routes. Django resolves a path by trying patterns in order and, on a match, copies the list
of every pattern it tried; flat, the ~550 routes of 70 prefixes cost a late route (the AI
usage decision every gateway call makes) about 2 ms of CPU, half of that request's. Grouped,
a path tries one pattern per prefix and then its own prefix's few. No prefix is the start
of another (a test checks it), so the grouping cannot change which route a path reaches,
and neither can the order of the groups: a prefix that machines call on every request of
their users (`resolve_first`) is tried first, before the ~70 others.
"""

from django.urls import include, re_path
from rest_framework.routers import DefaultRouter


class GroupedRouter(DefaultRouter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.first: list[str] = []

    def resolve_first(self, prefix: str) -> None:
        """Try this registered prefix's group before the others."""
        self.first.append(prefix)

    def get_urls(self):
        registered = [prefix for prefix, _viewset, _basename in self.registry]
        prefixes = [p for p in self.first if p in registered]
        prefixes += [p for p in registered if p not in prefixes]
        groups: dict[str, list] = {prefix: [] for prefix in prefixes}
        ungrouped = []
        for url in super().get_urls():
            regex = url.pattern.regex.pattern
            prefix = next((p for p in prefixes if regex.startswith(f"^{p}/")), None)
            if prefix is None:  # the list's format-suffix form (`assets.json`): few, last
                ungrouped.append(url)
                continue
            rest = "^" + regex[len(prefix) + 2 :]
            groups[prefix].append(re_path(rest, url.callback, url.default_args, url.name))
        return [
            *(re_path(f"^{prefix}/", include(urls)) for prefix, urls in groups.items() if urls),
            *ungrouped,
        ]


org_router = GroupedRouter(trailing_slash=True)
org_router.include_root_view = False
