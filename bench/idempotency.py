"""What an Idempotency-Key costs (issue 20), measured through gunicorn in one run:

- "plain POST": `POST /api/v1/orgs/bench-large/suppliers/` with an API key, a new supplier each;
- "POST, fresh key": the same with a new `Idempotency-Key` each (lock, look-up, stored answer);
- "replay": the same request and key again and again (the stored answer, nothing created).

`clients` threads on keep-alive connections, `seconds` each. The ratios to the plain POST are
the figures to quote; the suppliers and records a run creates are removed afterwards.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
import uuid
from collections import Counter

ORG = "bench-large"
PREFIX = "bench-idem-"


def _run(host, port, path, headers, make_request, clients: int, seconds: float) -> dict:
    statuses: Counter = Counter()
    latencies: list[float] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client(index: int) -> None:
        connection = http.client.HTTPConnection(host, port, timeout=60)
        local, mine = Counter(), []
        n = 0
        while time.monotonic() < stop_at:
            body, extra = make_request(index, n)
            n += 1
            started = time.monotonic()
            connection.request("POST", path, body, {**headers, **extra})
            response = connection.getresponse()
            response.read()
            mine.append((time.monotonic() - started) * 1000)
            local[response.status] += 1
        connection.close()
        with lock:
            statuses.update(local)
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    ordered = sorted(latencies) or [0.0]
    ok = sum(n for s, n in statuses.items() if s < 400)
    return {
        "requests_per_second": round(ok / elapsed, 1),
        "p50_ms": round(ordered[len(ordered) // 2], 1),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 1),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
    }


def measure_idempotency(url: str, token: str, *, seconds: float = 5, clients: int = 2) -> dict:
    from isms.models import Membership, Organization, Role

    organization = Organization.objects.get(slug=ORG)
    owner = (
        Membership.objects.filter(organization=organization, role=Role.OFFICER)
        .order_by("pk")
        .values_list("user_id", flat=True)
        .first()
    )
    host, port = url.removeprefix("http://").split(":")
    path = f"/api/v1/orgs/{ORG}/suppliers/"
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    run_id = uuid.uuid4().hex[:8]

    def body(label: str, index: int, n: int) -> bytes:
        return json.dumps(
            {"name": f"{PREFIX}{run_id}-{label}-{index}-{n}", "owner": owner}
        ).encode()

    def plain(index, n):
        return body("plain", index, n), {}

    def fresh(index, n):
        return body("fresh", index, n), {"Idempotency-Key": uuid.uuid4().hex}

    replayed = body("replay", 0, 0)
    replay_key = uuid.uuid4().hex

    def replay(index, n):
        return replayed, {"Idempotency-Key": replay_key}

    port = int(port)
    # Warm both workers up on each path first; this stores the replayed answer too.
    for make in (plain, fresh, replay):
        _run(host, port, path, headers, make, clients, 1.0)
    try:
        figures = {
            name: _run(host, port, path, headers, make, clients, seconds)
            for name, make in [
                ("plain POST", plain),
                ("POST, fresh key", fresh),
                ("replay", replay),
            ]
        }
    finally:
        removed = cleanup(organization.pk)
    base = figures["plain POST"]["requests_per_second"] or 1
    for name in ("POST, fresh key", "replay"):
        figures[name]["ratio_to_plain"] = round(figures[name]["requests_per_second"] / base, 2)
    figures["removed"] = removed
    return figures


def cleanup(organization_id: int) -> int:
    from isms.models import IdempotencyRecord
    from isms.tenancy import tenant_context
    from suppliers.models import Supplier

    with tenant_context(organization_id):
        IdempotencyRecord.objects.all().delete()
        removed, _ = Supplier.objects.filter(name__startswith=PREFIX).delete()
    return removed


def lines(figures: dict) -> list[str]:
    out = ["", "Idempotency-Key (POST /suppliers/, API key, same run)", ""]
    out.append("| scenario | req/s | p50 ms | p99 ms | ratio to plain | statuses |")
    out.append("|---|---:|---:|---:|---:|---|")
    for name in ("plain POST", "POST, fresh key", "replay"):
        f = figures[name]
        out.append(
            f"| {name} | {f['requests_per_second']} | {f['p50_ms']} | {f['p99_ms']} | "
            f"{f.get('ratio_to_plain', 1.0)} | {f['statuses']} |"
        )
    return out
