"""Every API route and every organisation UI URL, found by walking the router and URLconf.

The generic isolation and role suites parametrize over these, so an endpoint added by any
app is covered without anyone editing the suites.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

from isms.api.routers import org_router

UI_PREFIX = "o/<slug:org_slug>/"


def org_owned(model) -> bool:
    """Does the model belong to one organisation (a tenant or access table)?"""
    return model is not None and any(
        f.name in {"organization", "organization_id"} for f in model._meta.concrete_fields
    )


@dataclass(frozen=True)
class ApiRoute:
    prefix: str
    viewset: type
    basename: str

    @property
    def model(self):
        return self.viewset.model

    @property
    def actions(self) -> set[str]:
        names = {"list", "retrieve", "create", "partial_update", "update", "destroy"}
        return {name for name in names if hasattr(self.viewset, name)}

    def detail_actions(self):
        return [a for a in self.viewset.get_extra_actions() if a.detail]

    def list_actions(self):
        return [a for a in self.viewset.get_extra_actions() if not a.detail]

    def url(self, slug: str, pk=None, suffix: str = "") -> str:
        base = f"/api/v1/orgs/{slug}/{self.prefix}/"
        if pk is not None:
            base += f"{pk}/"
        return base + (f"{suffix}/" if suffix else "")

    def __str__(self) -> str:
        return self.basename


# Operations only an API key of a dedicated access may call (no role holds their scope).
KEY_ONLY_ACCESS = {"ai-usage-decision": "ai_usage_decide"}


def creator_for(route: ApiRoute, organization, member, api_for, api_key_for):
    """A client allowed to POST to `route`: an admin, or the dedicated key of a key-only
    operation (so that generic input tests reach the parser, not the scope refusal)."""
    from isms.models import Role

    access = KEY_ONLY_ACCESS.get(route.basename)
    if access is not None:
        return api_for(api_token=api_key_for(organization, access=access))
    return api_for(user=member(organization, Role.ADMIN))


def api_routes() -> list[ApiRoute]:
    _ = get_resolver().url_patterns  # importing the URLconf registers every app's viewsets
    return [ApiRoute(p, v, b) for p, v, b in org_router.registry]


@dataclass(frozen=True)
class UiRoute:
    route: str  # e.g. "o/<slug:org_slug>/controls/<int:pk>/"
    name: str
    view_class: type

    @property
    def model(self):
        return getattr(self.view_class, "model", None)

    @property
    def has_pk(self) -> bool:
        return "<int:pk>" in self.route

    def url(self, slug: str, pk=None) -> str:
        path = self.route.replace("<slug:org_slug>", slug)
        if pk is not None:
            path = path.replace("<int:pk>", str(pk))
        return "/" + path

    def scopes_for(self, method: str):
        from isms.access import required_scopes

        return required_scopes(getattr(self.view_class, "scope_map", {}), method)

    def __str__(self) -> str:
        return self.name or self.route


def _walk(patterns, prefix: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern


def ui_routes() -> list[UiRoute]:
    routes = []
    for route, pattern in _walk(get_resolver().url_patterns):
        view_class = getattr(pattern.callback, "view_class", None)
        if route.startswith(UI_PREFIX) and view_class is not None:
            routes.append(UiRoute(route, pattern.name or "", view_class))
    return routes


def page_pk(route: UiRoute, organization):
    """(pk, reachable) for GETting `route` in `organization`: an object made by its factory
    when the URL names one; unreachable when it needs global reference data."""
    from tests.factories import OBJECT_FACTORIES, make_object

    if "<slug:framework>" in route.route or "<str:" in route.route:
        return None, False
    if not route.has_pk:
        return None, True
    model = route.model
    if model is None or not org_owned(model) or model not in OBJECT_FACTORIES:
        return None, False
    return make_object(model, organization).pk, True
