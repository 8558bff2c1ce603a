"""Loaded into the test workers only (`celery worker -I tests.monitoring.worker_hooks`): a due
source that, when a Redis flag names the organisation, announces it is inside the sweep and
then hangs, so a test can SIGKILL the worker in the middle of that organisation's sweep."""

import time

import redis
from django.conf import settings

from monitoring.inbox.sources import due_source


def flags():
    return redis.Redis.from_url(settings.REDIS_URL)


@due_source("test_hang")
def hang(organization_id: int, today):
    client = flags()
    if client.get(f"test-hang:{organization_id}"):
        client.set(f"test-inside:{organization_id}", "1")
        time.sleep(120)
    return []
