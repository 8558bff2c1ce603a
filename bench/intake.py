"""The AI metrics intake through gunicorn (issue 12's target: ≥ 5,000 points/s in batches of
500), next to its ceiling measured in the same run.

`clients` threads POST batches of `batch` points to `/api/v1/orgs/bench-large/metric-points/
batch/` with the bench's API key for `seconds`; every point is new (asset, metric and time
never repeat within a run or across runs). Afterwards every 201 must account for `batch`
stored points and the table must have grown by exactly that many (zero lost writes). The
ceiling is `/bench/bare-metric-points/<org>/`: the same bodies parsed and inserted with the
same statement, without authentication, scopes or validation. The points a run stores are
removed again afterwards.

Bodies are built before the clock starts, so the figure is the server's, not the client's
JSON encoding (the clients share the machine's two cores with gunicorn and PostgreSQL).
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

ORG = "bench-large"
SOURCE = "bench-intake"
TARGET_POINTS_PER_SECOND = 5_000


@dataclass
class IntakeFigures:
    path: str
    seconds: float
    clients: int
    batch: int
    statuses: Counter = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list, repr=False)
    errors: list[str] = field(default_factory=list)
    stored_reported: int = 0  # the 201s' "stored" figures
    rows_added: int = 0

    @property
    def batches(self) -> int:
        return self.statuses.get(201, 0)

    @property
    def points_per_second(self) -> float:
        return self.rows_added / self.seconds if self.seconds else 0.0

    @property
    def lost_writes(self) -> int:
        return abs(self.batches * self.batch - self.rows_added) + abs(
            self.stored_reported - self.rows_added
        )

    def summary(self) -> dict:
        ordered = sorted(self.latencies_ms) or [0.0]
        return {
            "path": self.path,
            "seconds": round(self.seconds, 2),
            "clients": self.clients,
            "batch": self.batch,
            "batches": self.batches,
            "points": self.rows_added,
            "points_per_second": round(self.points_per_second),
            "p50_ms": round(ordered[len(ordered) // 2], 1),
            "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 1),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "errors": len(self.errors) + sum(n for s, n in self.statuses.items() if s >= 400),
            "error_samples": self.errors[:5],
            "lost_writes": self.lost_writes,
        }


def _bodies(asset_ids: list[int], batch: int, count: int, start: datetime) -> list[bytes]:
    """`count` request bodies of `batch` points, no (asset, metric, time) twice."""
    from monitoring.checks.models import Metric

    metrics = list(Metric.values)
    assets = len(asset_ids)
    bodies = []
    for n in range(count):
        points = []
        for i in range(batch):
            k = n * batch + i
            lap = k // assets
            points.append(
                {
                    "asset": asset_ids[k % assets],
                    "metric": metrics[lap % len(metrics)],
                    "measured_at": (start + timedelta(seconds=lap)).isoformat(),
                    "value": round((k % 1000) / 1000, 3),
                }
            )
        bodies.append(json.dumps({"points": points, "source": SOURCE}).encode())
    return bodies


def _post_for(
    host: str, port: int, path: str, headers: dict, bodies: list[bytes], clients: int, seconds
) -> IntakeFigures:
    figures = IntakeFigures(path=path, seconds=seconds, clients=clients, batch=0)
    lock = threading.Lock()
    queue = iter(bodies)
    stop_at = time.monotonic() + seconds

    def client() -> None:
        connection = http.client.HTTPConnection(host, port, timeout=60)
        statuses, latencies, errors, stored = Counter(), [], [], 0
        while time.monotonic() < stop_at:
            with lock:
                body = next(queue, None)
            if body is None:
                errors.append("ran out of prepared bodies: prepare more")
                break
            started = time.monotonic()
            try:
                connection.request(
                    "POST", path, body, {**headers, "Content-Type": "application/json"}
                )
                response = connection.getresponse()
                answer = response.read()
            except (OSError, http.client.HTTPException) as error:
                errors.append(repr(error))
                connection.close()
                connection = http.client.HTTPConnection(host, port, timeout=60)
                continue
            latencies.append((time.monotonic() - started) * 1000)
            statuses[response.status] += 1
            if response.status == 201:
                stored += json.loads(answer).get("stored", 0)
            elif len(errors) < 5:
                errors.append(f"{response.status}: {answer[:200]!r}")
        connection.close()
        with lock:
            figures.statuses.update(statuses)
            figures.latencies_ms += latencies
            figures.errors += errors
            figures.stored_reported += stored

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    figures.seconds = time.monotonic() - started  # the last batches finish after stop_at
    return figures


def _warm_up(host: str, port: int, path: str, headers: dict, bodies: list[bytes]) -> None:
    """A few batches before the clock starts (each gunicorn worker imports and connects on
    its first request)."""
    for body in bodies:
        connection = http.client.HTTPConnection(host, port, timeout=60)
        connection.request("POST", path, body, {**headers, "Content-Type": "application/json"})
        connection.getresponse().read()
        connection.close()


def _ai_asset_ids(organization_id: int) -> list[int]:
    from assets.models import AI_TYPES, Asset
    from isms.tenancy import tenant_context

    with tenant_context(organization_id):
        return list(
            Asset.objects.filter(asset_type__in=AI_TYPES)
            .order_by("pk")
            .values_list("pk", flat=True)
        )


def _count(organization_id: int) -> int:
    from isms.tenancy import tenant_context
    from monitoring.checks.models import MetricPoint

    with tenant_context(organization_id):
        return MetricPoint.objects.filter(source=SOURCE).count()


def remove_points(organization_id: int) -> int:
    from isms.tenancy import tenant_context
    from monitoring.checks.models import MetricPoint

    with tenant_context(organization_id):
        deleted, _ = MetricPoint.objects.filter(source=SOURCE).delete()
    return deleted


def count_intake_queries(token: str, slug: str, asset_ids: list[int], sizes=(10, 500)) -> dict:
    """SQL statements of one batch POST of each size, made in-process (after a warm-up)."""
    from django.db import connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {token}")
    path = f"/api/v1/orgs/{slug}/metric-points/batch/"
    start = datetime(2001, 1, 1, tzinfo=UTC)
    counts = {}
    for n, size in enumerate((1, *sizes)):  # the first one warms caches, uncounted
        body = _bodies(asset_ids, size, 1, start + timedelta(days=n))[0]
        with CaptureQueriesContext(connections["default"]) as captured:
            response = client.post(path, body, content_type="application/json")
        if response.status_code != 201:
            raise RuntimeError(f"intake answered {response.status_code}: {response.content!r}")
        if n:
            counts[size] = len(captured.captured_queries)
    return counts


def measure_metric_intake(
    base_url: str, token: str, *, seconds: float = 10, clients: int = 4, batch: int = 500
) -> dict:
    """The intake's figure and its ceiling, both through the running gunicorn."""
    from urllib.parse import urlsplit

    from isms.models import Organization

    url = urlsplit(base_url)
    organization = Organization.objects.get(slug=ORG)
    asset_ids = _ai_asset_ids(organization.pk)
    remove_points(organization.pk)
    queries = count_intake_queries(token, ORG, asset_ids)
    remove_points(organization.pk)
    # Enough bodies for 40,000 points/s over `seconds`, far beyond either figure.
    count = int(40_000 * seconds / batch) + 50
    now = datetime.now(UTC).replace(microsecond=0)
    results = {}
    for name, path, headers, start in [
        ("ceiling", f"/bench/bare-metric-points/{ORG}/", {}, now - timedelta(days=3650)),
        (
            "intake",
            f"/api/v1/orgs/{ORG}/metric-points/batch/",
            {"Authorization": f"Bearer {token}"},
            now - timedelta(days=1825),
        ),
    ]:
        bodies = _bodies(asset_ids, batch, count, start)
        bodies, spare = bodies[:-4], bodies[-4:]
        _warm_up(url.hostname, url.port, path, headers, spare)  # both workers, twice
        before = _count(organization.pk)
        figures = _post_for(url.hostname, url.port, path, headers, bodies, clients, seconds)
        figures.batch = batch
        figures.rows_added = _count(organization.pk) - before
        if name == "ceiling":  # the ceiling reports nothing per batch: count what landed
            figures.stored_reported = figures.rows_added
        results[name] = figures.summary()
        remove_points(organization.pk)
        print(f"  metric intake {name}: {results[name]}", flush=True)
    intake, ceiling = results["intake"], results["ceiling"]
    return {
        "intake": intake,
        "ceiling": ceiling,
        "ratio": round(intake["points_per_second"] / ceiling["points_per_second"], 3)
        if ceiling["points_per_second"]
        else None,
        "queries": {str(k): v for k, v in queries.items()},
        "target": TARGET_POINTS_PER_SECOND,
        "passed": intake["points_per_second"] >= TARGET_POINTS_PER_SECOND
        and intake["errors"] == 0
        and intake["lost_writes"] == 0,
        "constant_queries": len(set(queries.values())) == 1,
    }


def markdown(figures: dict) -> list[str]:
    i, c = figures["intake"], figures["ceiling"]
    queries = ", ".join(f"{v} at {k} points" for k, v in figures["queries"].items())
    return [
        "",
        f"AI metrics intake: {i['clients']} clients POSTing batches of {i['batch']} points to "
        f"bench-large for {i['seconds']:.0f} s (target ≥ {figures['target']:,} points/s; SQL "
        f"per batch: {queries})",
        "",
        "| | points/s | batches | p50 ms | p99 ms | errors | lost writes |",
        "|---|---:|---:|---:|---:|---:|---:|",
        f"| intake (API key, validation, RLS) | {i['points_per_second']:,} | {i['batches']} | "
        f"{i['p50_ms']} | {i['p99_ms']} | {i['errors']} | {i['lost_writes']} |",
        f"| ceiling (bare insert of the same bodies) | {c['points_per_second']:,} | "
        f"{c['batches']} | {c['p50_ms']} | {c['p99_ms']} | {c['errors']} | {c['lost_writes']} |",
        f"| ratio | {figures['ratio']:.2f} | | | | | |",
    ]
