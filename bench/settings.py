"""Guardrail's settings plus the benchmark app (seed_bench, the ceiling endpoints), for
`make bench` and tests/bench only: the product's settings never install `bench`."""

from isms.settings import *  # noqa: F403
from isms.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
ROOT_URLCONF = "bench.urls"
DEBUG = False
LOGGING = {"version": 1, "disable_existing_loggers": True, "root": {"level": "WARNING"}}
# The limits' cost stays in every request measured; their caps would hide the product's speed.
API_RATE_PER_KEY = API_RATE_PER_USER = "100000000/min"
