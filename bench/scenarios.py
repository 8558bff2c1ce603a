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
    # A POST scenario: the name of a PATH_VALUES function returning its JSON body.
    body: str = ""


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


@path_value("risk")
def _busy_risk() -> int:
    """The risk linked to the most assets and controls: its page shows them all."""
    from django.db.models import Count

    from risks.models import Risk

    return (
        Risk.objects.annotate(
            links=Count("asset_links", distinct=True) + Count("control_links", distinct=True)
        )
        .order_by("-links", "pk")
        .values_list("pk", flat=True)
        .first()
    )


@path_value("supplier")
def _busy_supplier() -> int:
    """The supplier with the most assets, certifications and assessments."""
    from django.db.models import Count

    from suppliers.models import Supplier

    return (
        Supplier.objects.annotate(
            links=Count("certifications", distinct=True) + Count("assessments", distinct=True)
        )
        .order_by("-links", "pk")
        .values_list("pk", flat=True)
        .first()
    )


@path_value("policy")
def _acknowledged_policy() -> int:
    """The policy whose versions have the most acknowledgements (its status per member)."""
    from django.db.models import Count

    from policies.models import Policy

    return (
        Policy.objects.annotate(acks=Count("versions__acknowledgements"))
        .order_by("-acks", "pk")
        .values_list("pk", flat=True)
        .first()
    )


@path_value("change_request")
def _change_request() -> int:
    """A submitted AI change request for the busiest AI system (its checklist reads the
    asset's risks, assessments and evidence), added to the bench organisation if the seed
    made none — bench data only."""
    from assets.models import Asset
    from isms.models import Membership, Organization, Role
    from isms.tenancy import current_organization_id
    from risks.models import AIChangeRequest

    existing = AIChangeRequest.objects.order_by("pk").values_list("pk", flat=True).first()
    if existing:
        return existing
    organization = Organization.objects.get(pk=current_organization_id())
    assert organization.seeded_by_bench, "the bench writes into bench organisations only"
    officer = (
        Membership.objects.filter(organization=organization, role=Role.OFFICER)
        .order_by("pk")
        .first()
        .user
    )
    return AIChangeRequest.objects.create(
        title="Introduce the busiest AI system (bench)",
        justification="Bench",
        asset=Asset.objects.get(pk=_busy_asset()),
        data_going_in="Customer tickets",
        affected_people="Customers",
        requested_by=officer,
        approver=officer,
    ).pk


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
    *_register_page("asset register page", "/o/{org}/assets/", "assets UI"),
    # Suppliers: the register API (filter: active suppliers; search: DRF search_fields).
    *list_scenarios("supplier", "suppliers", "status=active", "cloud"),
    *_register_page("supplier list page", "/o/{org}/suppliers/", "suppliers UI"),
    # Risks: the register API (filter: treating; search: the `q` of the filterset) and page.
    *list_scenarios("risk", "risks", "status=treating", "vendor", search_param="q"),
    *_register_page("risk register page", "/o/{org}/risks/", "risks UI"),
    # EU AI Act obligations (issue 15): the API list and the page, open ones first.
    WebScenario(
        "ai-act-obligations list p50",
        "/api/v1/orgs/{org}/ai-act-obligations/?page_size=50",
        ceiling="bare:ai-act-obligation",
        target="list50",
    ),
    *_register_page("EU AI Act obligations page", "/o/{org}/risks/obligations/", "obligations UI"),
    # Competence (issue 16): gaps and AI literacy computed set-based, and the records API.
    *_register_page("competence page", "/o/{org}/monitoring/competence/", "competence UI"),
    WebScenario("training records list p50", "/api/v1/orgs/{org}/training-records/?page_size=50"),
    # Every page of the large organisation at p50 ≤ 50 ms and ≤ 1.5 × a small one (issue 19).
    *_register_page("asset detail page", "/o/{org}/assets/{asset}/", "asset detail UI"),
    *_register_page("risk detail page", "/o/{org}/risks/{risk}/", "risk detail UI"),
    *_register_page("supplier detail page", "/o/{org}/suppliers/{supplier}/", "supplier detail UI"),
    *_register_page("policy list page", "/o/{org}/policies/", "policies UI"),
    *_register_page("policy detail page", "/o/{org}/policies/{policy}/", "policy detail UI"),
    *_register_page("SoA page", "/o/{org}/risks/soa/", "soa UI"),
    *_register_page(
        "change request page", "/o/{org}/risks/changes/{change_request}/", "change request UI"
    ),
    # One query per kind of record the page's events name: bounded, not equal across orgs.
    *_register_page("audit trail page", "/o/{org}/audit/", ""),
    *_register_page("risk register search page", "/o/{org}/risks/?q=vendor", "risks search UI"),
    *_register_page(
        "supplier list search page", "/o/{org}/suppliers/?q=cloud", "suppliers search UI"
    ),
    # Search on the register page must stay within 1.5 × the unfiltered page (issue 19).
    *_register_page("asset register search page", "/o/{org}/assets/?q=model", "assets search UI"),
    # Pickers (isms.pickers): a typed search over 500 members answers like over 5.
    *_register_page("member picker search", "/o/{org}/pick/members/?q=a", "member picker"),
    *_register_page("supplier picker search", "/o/{org}/pick/suppliers/?q=c", "supplier picker"),
    # AI usage decisions (issue 22): a gateway's question, answered from the Redis snapshot;
    # target ≥ 25 % of the constant view's req/s and p99 ≤ 20 ms.
    WebScenario(
        name="ai usage decision",
        path="/api/v1/orgs/{org}/ai-usage/decisions/",
        auth="decide",
        body="decision_body",
        target="decide",
    ),
]


@path_value("decision_body")
def _decision_body() -> str:
    """An AI usage decision the registers allow (monitoring.usage), for bench data only: a
    production AI tool named by its external id, without a supplier to check, asked for
    by an officer, sending no data category; its approved change request is added to the
    bench organisation if the seed has none. The allow path is the common case."""
    import json

    from django.utils import timezone

    from assets.models import AI_TYPES, Asset
    from isms.models import Membership, Organization, Role
    from isms.tenancy import current_organization_id
    from risks.models import AIChangeRequest

    organization = Organization.objects.get(pk=current_organization_id())
    assert organization.seeded_by_bench, "the bench writes into bench organisations only"
    asset = (
        Asset.objects.filter(
            asset_type__in=AI_TYPES,
            lifecycle="production",
            triage_status="",
            supplier__isnull=True,
            change_required_since__isnull=True,
            risk_tier__in=["unassessed", "minimal", "limited"],
        )
        .exclude(model_provider="")
        .exclude(model_version="")
        .order_by("pk")
        .first()
    )
    officer = (
        Membership.objects.filter(organization=organization, role=Role.OFFICER)
        .select_related("user")
        .order_by("pk")
        .first()
        .user
    )
    if not AIChangeRequest.objects.filter(asset=asset, status="approved").exists():
        AIChangeRequest.objects.create(
            title=f"Introduce {asset.name} (bench)",
            justification="Bench",
            asset=asset,
            data_going_in="None",
            affected_people="Staff",
            requested_by=officer,
            approver=officer,
            status="approved",
            decided_at=timezone.now(),
        )
    # Named by its own external id: a provider and model shared by several bench assets
    # would find whichever the snapshot keeps for that key (often one without a change
    # request), and the scenario would measure a denial and its INSERT, not the common case.
    if not asset.external_id:
        from monitoring.usage.invalidation import schedule

        Asset.objects.filter(pk=asset.pk).update(external_id=f"bench-decision-{asset.pk}")
        asset.external_id = f"bench-decision-{asset.pk}"
        schedule(organization.pk)
    return json.dumps(
        {
            "tool": {"external_id": asset.external_id},
            "person": {"email": officer.email},
            "data_categories": [],
        }
    )


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


def scenario_body(scenario: WebScenario) -> str:
    """The JSON body of a POST scenario, made in its organisation's context."""
    from isms.models import Organization
    from isms.tenancy import tenant_context

    organization = Organization.objects.get(slug=scenario.org)
    with tenant_context(organization.pk):
        return PATH_VALUES[scenario.body]()
