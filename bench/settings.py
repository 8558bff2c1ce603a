"""Guardrail's settings plus the ceiling endpoints, for `make bench` only."""

from isms.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
DEBUG = False
LOGGING = {"version": 1, "disable_existing_loggers": True, "root": {"level": "WARNING"}}
