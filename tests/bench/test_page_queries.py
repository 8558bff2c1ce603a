"""Every UI page the bench measures (issue 19) runs a pinned number of SQL queries, the same
in the large organisation and a small one: a page whose count grows with the register is an
N+1 that `make bench` would only show as time."""

import pytest
from django.test import override_settings

from bench import seed as bench_seed
from bench.measure import Callers, count_queries
from bench.scenarios import WEB_SCENARIOS, scenario_path

pytestmark = pytest.mark.django_db

# Queries per request of each page (its large- and small-organisation scenarios alike), after
# one warm-up request, as an officer, inside the test's transaction (one more statement than
# `make bench` counts: the request's savepoint); the audit trail adds one query per kind of
# record its page of events names (isms.audit_display), so it is pinned as a maximum.
# The registers' counts include one read of the person's column choice (isms.list_columns).
PAGE_QUERIES = {
    "dashboard (home page)": 72,
    "asset register page": 12,
    "asset register search page": 12,
    "asset detail page": 12,
    "supplier list page": 12,
    "supplier list search page": 12,
    "supplier detail page": 14,
    "risk register page": 15,
    "risk register search page": 15,
    "risk detail page": 23,
    "EU AI Act obligations page": 11,
    "competence page": 18,
    "policy list page": 12,
    "policy detail page": 20,
    "SoA page": 11,
    "member picker search": 8,
    "supplier picker search": 8,
    # At most: the audit trail reads one query per kind of record its events name, the
    # change request its asset's linked records when there are some.
    "audit trail page": 30,
    "change request page": 25,
}
AT_MOST = {"audit trail page", "change request page"}


def _page(name: str) -> str:
    return name.split(" (UI")[0]


@pytest.fixture
def seeded(db):
    from isms.controls.loader import load_control_library

    load_control_library()
    plan = bench_seed.SeedPlan.scaled(seed=7, organizations=4, scale=0.01)
    return bench_seed.seed(plan, log=lambda *_: None, vacuum=False)


@override_settings(ROOT_URLCONF="bench.urls")
def test_every_page_scenario_runs_its_pinned_query_count(seeded):
    callers = Callers()
    counts: dict[str, dict[str, int]] = {}
    for scenario in WEB_SCENARIOS:
        if scenario.auth != "session":
            continue
        status, queries = count_queries(callers, scenario, scenario_path(scenario))
        assert status == 200, scenario.name
        counts.setdefault(_page(scenario.name), {})[scenario.org] = queries
    measured = {page: max(by_org.values()) for page, by_org in counts.items()}
    unequal = {
        page: by_org
        for page, by_org in counts.items()
        if page not in AT_MOST and len(set(by_org.values())) > 1
    }
    over = {page: measured[page] for page in AT_MOST if measured[page] > PAGE_QUERIES[page]}
    exact = {p: q for p, q in measured.items() if p not in AT_MOST}
    assert (unequal, over, exact) == (
        {},
        {},
        {p: q for p, q in PAGE_QUERIES.items() if p not in AT_MOST},
    ), counts
