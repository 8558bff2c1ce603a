"""Probes for orchestrators (docker compose, Kubernetes): no login, no organisation, JSON.

- `/healthz`: the process answers requests (liveness). It touches neither the database nor
  Redis, so a database outage does not get healthy web processes restarted.
- `/readyz`: this process can serve (readiness): the database answers as the application
  role, Redis answers, and no migration is left unapplied. 200 when all hold, else 503
  naming each check that failed.
"""

from __future__ import annotations

import logging

import redis
from django.conf import settings
from django.db import DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


def check_database() -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")


def check_redis() -> None:
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    finally:
        client.close()


def pending_migrations() -> list[str]:
    executor = MigrationExecutor(connections["default"])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _ in plan]


def check_migrations() -> None:
    pending = pending_migrations()
    if pending:
        raise RuntimeError(f"{len(pending)} unapplied: {', '.join(pending[:5])}")


CHECKS = {"database": check_database, "redis": check_redis, "migrations": check_migrations}


@never_cache
@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request):
    failed = {}
    for name, check in CHECKS.items():
        if name == "migrations" and "database" in failed:
            continue  # no database, no migration table to read
        try:
            check()
        except (DatabaseError, redis.RedisError, OSError, RuntimeError) as error:
            logger.warning("readiness check %s failed: %s", name, error)
            failed[name] = str(error).strip().splitlines()[0] if str(error).strip() else name
    if failed:
        return JsonResponse(
            {"status": "unavailable", "failed": failed, "checks": list(CHECKS)}, status=503
        )
    return JsonResponse({"status": "ok", "checks": list(CHECKS)})
