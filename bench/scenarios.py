"""What `make bench` measures. A feature adds its scenarios here in a few lines.

A web scenario is a GET of `path` (with `{org}` replaced by the organisation's slug) as an
API key (`auth="key"`) or a logged-in officer (`auth="session"`), paired with a ceiling
measured in the same run: "bare:<basename>" (a bare DRF list of the same rows) or
"constant" (a plain Django view). `target` names the pass/fail rule it feeds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class WebScenario:
    name: str
    path: str
    auth: str = "key"  # "key" | "session"
    org: str = "bench-large"
    ceiling: str = "constant"
    target: str = ""  # "list50": ≥60 % of the bare-DRF ceiling, p99 ≤ 3 × p50
    queries_group: str = ""  # scenarios in a group must run the same number of SQL queries


def list_scenarios(
    basename: str, prefix: str, filter_query: str, search: str, search_param: str = "search"
) -> list[WebScenario]:
    """The list scenarios the issue asks for, for one list endpoint: page sizes 50 and 500,
    plain, filtered and searched, plus page 50 in the medium and a small organisation."""
    base = f"/api/v1/orgs/{{org}}/{prefix}/"
    out = []
    for size in (50, 500):
        for label, extra in [
            ("", ""),
            (" filtered", "&" + filter_query),
            (" search", f"&{search_param}={search}"),
        ]:
            out.append(
                WebScenario(
                    name=f"{prefix} list p{size}{label}",
                    path=f"{base}?page_size={size}{extra}",
                    ceiling=f"bare:{basename}",
                    target="list50" if size == 50 and not label else "",
                    queries_group=f"{prefix}{label}",
                )
            )
    out.append(
        WebScenario(
            name=f"{prefix} list p50 (medium org)",
            path=f"{base}?page_size=50",
            org="bench-medium",
            ceiling=f"bare:{basename}",
            target=f"growth:{prefix}",
            queries_group=prefix,
        )
    )
    out.append(
        WebScenario(
            name=f"{prefix} list p50 (small org)",
            path=f"{base}?page_size=50",
            org="bench-000",
            ceiling=f"bare:{basename}",
            queries_group=prefix,
        )
    )
    return out


# Values a path may name besides {org}: "{asset}" → an id looked up in the organisation,
# inside its tenant context, when the run starts (ids differ from seed to seed).
PATH_VALUES: dict[str, Callable[[], object]] = {}


def path_value(name: str):
    def register_value(fn: Callable[[], object]):
        PATH_VALUES[name] = fn
        return fn

    return register_value


@path_value("asset")
def _busy_asset() -> int:
    """An AI system with dependencies and dependents: the detail page shows them all."""
    from django.db.models import Count

    from assets.models import Asset

    asset = (
        Asset.objects.filter(asset_type="ai_system", triage_status="")
        .annotate(edges=Count("dependencies", distinct=True) + Count("dependents", distinct=True))
        .order_by("-edges", "pk")
        .first()
    ) or Asset.objects.order_by("pk").first()
    return asset.pk


def _register_page(name: str, path: str, group: str) -> list[WebScenario]:
    """A UI page in the large and in a small organisation: same SQL count in both."""
    return [
        WebScenario(f"{name} (UI)", path, auth="session", queries_group=group),
        WebScenario(
            f"{name} (UI, small org)", path, auth="session", org="bench-000", queries_group=group
        ),
    ]


WEB_SCENARIOS: list[WebScenario] = [
    WebScenario("control library list p50", "/api/v1/orgs/{org}/controls/?page_size=50"),
    WebScenario("members list p50", "/api/v1/orgs/{org}/members/?page_size=50"),
    # The dashboard: the organisation's home page with every app's figures.
    *_register_page("dashboard (home page)", "/o/{org}/", "dashboard UI"),
    # Assets: the register API (filter: production stage; search: the `q` of the filterset).
    *list_scenarios("asset", "assets", "lifecycle=production", "model", search_param="q"),
    WebScenario("asset detail (API)", "/api/v1/orgs/{org}/assets/{asset}/"),
    WebScenario("asset detail page (UI)", "/o/{org}/assets/{asset}/", auth="session"),
    *_register_page("asset register page", "/o/{org}/assets/", "assets UI"),
    # Suppliers: the register API (filter: active suppliers; search: DRF search_fields).
    *list_scenarios("supplier", "suppliers", "status=active", "cloud"),
    *_register_page("supplier list page", "/o/{org}/suppliers/", "suppliers UI"),
    # Risks: the register API (filter: treating; search: the `q` of the filterset) and page.
    *list_scenarios("risk", "risks", "status=treating", "vendor", search_param="q"),
    *_register_page("risk register page", "/o/{org}/risks/", "risks UI"),
]


def register(*scenarios: WebScenario) -> None:
    WEB_SCENARIOS.extend(scenarios)


def scenario_path(scenario: WebScenario) -> str:
    """The scenario's path for its organisation, with any {name} of PATH_VALUES filled in."""
    import string

    from isms.models import Organization
    from isms.tenancy import tenant_context

    names = {f for _, f, _, _ in string.Formatter().parse(scenario.path) if f and f != "org"}
    values = {}
    if names:
        organization = Organization.objects.get(slug=scenario.org)
        with tenant_context(organization.pk):
            values = {name: PATH_VALUES[name]() for name in names}
    return scenario.path.format(org=scenario.org, **values)
