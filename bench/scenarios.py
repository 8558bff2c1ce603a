"""What `make bench` measures. A feature adds its scenarios here in a few lines.

A web scenario is a GET of `path` (with `{org}` replaced by the organisation's slug) as an
API key (`auth="key"`) or a logged-in officer (`auth="session"`), paired with a ceiling
measured in the same run: "bare:<basename>" (a bare DRF list of the same rows) or
"constant" (a plain Django view). `target` names the pass/fail rule it feeds.
"""

from __future__ import annotations

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


def list_scenarios(basename: str, prefix: str, filter_query: str, search: str) -> list[WebScenario]:
    """The eight list scenarios the issue asks for, for one list endpoint."""
    base = f"/api/v1/orgs/{{org}}/{prefix}/"
    out = []
    for size in (50, 500):
        for label, extra in [
            ("", ""),
            (" filtered", "&" + filter_query),
            (" search", "&search=" + search),
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


WEB_SCENARIOS: list[WebScenario] = [
    WebScenario("control library list p50", "/api/v1/orgs/{org}/controls/?page_size=50"),
    WebScenario("members list p50", "/api/v1/orgs/{org}/members/?page_size=50"),
    WebScenario("home page (UI)", "/o/{org}/", auth="session"),
]


def register(*scenarios: WebScenario) -> None:
    WEB_SCENARIOS.extend(scenarios)
