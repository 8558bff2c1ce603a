"""The benchmark cannot rot: a small seed and every scenario's code path, correctness only."""

import pytest
from django.test import override_settings

from bench import seed as bench_seed
from bench.measure import Callers, count_queries, markdown, targets
from bench.run import parse_wrk
from bench.scenarios import WEB_SCENARIOS
from isms.models import Membership, Organization

pytestmark = pytest.mark.django_db

WRK_OUTPUT = """Running 5s test @ http://127.0.0.1:8000/
  2 threads and 4 connections
  Latency Distribution
     50%  812.00us
     75%    1.20ms
     90%    2.00ms
     99%    4.50ms
  12000 requests in 5.00s, 2.00MB read
  Non-2xx or 3xx responses: 3
Requests/sec:   2400.50
"""


@pytest.fixture
def seeded(db):
    from isms.controls.loader import load_control_library

    load_control_library()
    plan = bench_seed.SeedPlan.scaled(seed=7, organizations=4, scale=0.01)
    return bench_seed.seed(plan, log=lambda *_: None)


def test_seed_is_deterministic_and_multi_tenant(seeded):
    assert [o.organization.slug for o in seeded] == [
        "bench-large",
        "bench-medium",
        "bench-000",
        "bench-001",
    ]
    large = seeded[0]
    assert Membership.objects.filter(organization=large.organization).count() == large.size.members
    roles = list(
        Membership.objects.filter(organization=large.organization)
        .order_by("pk")
        .values_list("role", flat=True)
    )
    assert roles[:2] == ["admin", "officer"]
    # The same seed gives the same choices.
    again = bench_seed.SeedPlan.scaled(seed=7, organizations=4, scale=0.01)
    assert again == bench_seed.SeedPlan.scaled(seed=7, organizations=4, scale=0.01)


@pytest.mark.django_db(transaction=True)
def test_reset_removes_only_bench_data(seeded, org_a):
    bench_seed.reset()
    assert list(Organization.objects.values_list("slug", flat=True)) == [org_a.slug]


@override_settings(ROOT_URLCONF="bench.urls")
@pytest.mark.parametrize("scenario", WEB_SCENARIOS, ids=lambda s: s.name)
def test_every_scenario_answers_200_and_its_ceiling_too(scenario, seeded, client):
    callers = Callers()
    path = scenario.path.format(org=scenario.org)
    status, queries = count_queries(callers, scenario, path)
    assert status == 200 and queries > 0
    if scenario.ceiling.startswith("bare:"):
        real = callers.client(scenario).get(path).json()
        bare = client.get(f"/bench/bare/{scenario.org}/{scenario.ceiling[5:]}/?page_size=50")
        assert bare.status_code == 200 and bare.json()["count"] == real["count"]
    else:
        assert client.get("/bench/constant/").content == b"ok"


def test_wrk_output_parsing_and_targets():
    measured = parse_wrk(WRK_OUTPUT)
    assert (measured.rps, measured.p50_ms, measured.p99_ms, measured.errors) == (
        2400.5,
        0.812,
        4.5,
        3,
    )
    row = {
        "scenario": {
            "name": "assets list p50",
            "target": "list50",
            "queries_group": "assets",
            "ceiling": "bare:asset",
        },
        "result": {"rps": 100.0, "p50_ms": 10.0, "p99_ms": 40.0, "errors": 0},
        "ceiling": {"rps": 200.0, "p50_ms": 5.0, "p99_ms": 6.0, "errors": 0},
        "ratio": 0.5,
        "queries": 7,
    }
    other = {
        **row,
        "scenario": {**row["scenario"], "name": "assets list p500", "target": ""},
        "queries": 8,
    }
    results = {t["target"]: t for t in targets([row, other])}
    assert results["assets list p50: ≥ 60% of bare DRF req/s"]["pass"] is False
    assert results["assets list p50: p99 ≤ 3 × p50"]["pass"] is False
    assert results["assets: same SQL count at every page and data size"]["figure"] == "7/8"
    assert "| assets list p50 | 100 |" in markdown({"rows": [row], "targets": []})
