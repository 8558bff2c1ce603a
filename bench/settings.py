"""Guardrail's settings plus the benchmark app (seed_bench, the ceiling endpoints), for
`make bench` and tests/bench only: the product's settings never install `bench`."""

from isms.settings import *  # noqa: F403
from isms.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
ROOT_URLCONF = "bench.urls"
DEBUG = False
LOGGING = {"version": 1, "disable_existing_loggers": True, "root": {"level": "WARNING"}}
