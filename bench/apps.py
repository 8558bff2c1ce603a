from django.apps import AppConfig


class BenchConfig(AppConfig):
    """Benchmark tooling: `manage.py seed_bench` and the ceiling views (bench.urls only)."""

    name = "bench"
