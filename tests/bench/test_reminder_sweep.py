"""The bench's reminder sweep cannot rot: seeded schedules, swept, constant SQL per
organisation whatever its size (the full-size figure is in bench/README.md)."""

import pytest

from bench import seed as bench_seed
from bench.sweeps import measure_reminder_sweep

pytestmark = pytest.mark.django_db


def test_the_bench_sweep_runs_constant_sql_per_organisation():
    plan = bench_seed.SeedPlan.scaled(seed=7, organizations=3, scale=0.01)
    bench_seed.seed(plan, log=lambda *_: None, vacuum=False)
    first = measure_reminder_sweep(keep=True)
    assert first.organizations == 3 and first.schedules == 3_000
    assert first.notifications > 0
    assert first.constant_queries, first.queries_per_org
    again = measure_reminder_sweep(fresh=False)
    assert again.notifications == 0 and again.constant_queries
