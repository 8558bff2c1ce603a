"""The mixed read/write load: N concurrent clients for S seconds, then count what landed.

Target: zero errors and zero lost writes — every 201 the clients received is a row in the
database afterwards, and no row exists that no client was told about.
"""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class MixedLoad:
    """Reads are GETs of `read_paths`; a write POSTs `write_payload(n)` to `write_path`."""

    read_paths: list[str]
    write_path: str
    write_payload: Callable[[int], dict]
    count_rows: Callable[[], int]  # rows of the written kind, counted through the ORM
    count_existing: Callable[[list[int]], int] | None = None  # how many of these ids exist
    write_share: float = 0.2


@dataclass
class MixedResult:
    seconds: float
    clients: int
    statuses: Counter = field(default_factory=Counter)
    created: int = 0
    created_ids: list[int] = field(default_factory=list)
    rows_added: int = 0
    found: int | None = None  # of created_ids, how many are rows afterwards
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # connection failures
    samples: list[str] = field(default_factory=list)  # bodies of 4xx/5xx answers

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    @property
    def bad_statuses(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 400)

    @property
    def lost_writes(self) -> int:
        """201s that are not rows, plus rows no client was told about."""
        missing = 0 if self.found is None else self.created - self.found
        return missing + abs(self.created - self.rows_added)

    @property
    def passed(self) -> bool:
        return (
            self.requests > 0
            and self.bad_statuses == 0
            and not self.errors
            and self.lost_writes == 0
        )

    def summary(self) -> dict:
        ordered = sorted(self.latencies_ms) or [0.0]
        return {
            "seconds": self.seconds,
            "clients": self.clients,
            "requests": self.requests,
            "rps": round(self.requests / self.seconds, 1) if self.seconds else 0,
            "p50_ms": round(ordered[len(ordered) // 2], 1),
            "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 1),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "created": self.created,
            "rows_added": self.rows_added,
            "found": self.found,
            "lost_writes": self.lost_writes,
            "errors": len(self.errors),
            "error_samples": (self.errors + self.samples)[:5],
            "passed": self.passed,
        }


def run_mixed(
    host: str,
    port: int,
    headers: dict,
    load: MixedLoad,
    *,
    clients: int,
    seconds: float,
    seed: int = 42,
) -> MixedResult:
    result = MixedResult(seconds=seconds, clients=clients)
    before = load.count_rows()
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    counter = iter(range(10**9))

    def client(index: int) -> None:
        rng = random.Random(f"{seed}:{index}")
        connection = http.client.HTTPConnection(host, port, timeout=30)
        local, created, errors, latencies, samples = Counter(), [], [], [], []
        while time.monotonic() < stop_at:
            started = time.monotonic()
            try:
                writing = rng.random() < load.write_share
                if writing:
                    with lock:
                        n = next(counter)
                    body = json.dumps(load.write_payload(n))
                    connection.request(
                        "POST",
                        load.write_path,
                        body,
                        {**headers, "Content-Type": "application/json"},
                    )
                else:
                    connection.request("GET", rng.choice(load.read_paths), headers=headers)
                response = connection.getresponse()
                body = response.read()
                latencies.append((time.monotonic() - started) * 1000)
                local[response.status] += 1
                if writing and response.status == 201:
                    created.append(json.loads(body)["id"])
                elif response.status >= 400 and len(samples) < 5:
                    samples.append(f"{response.status}: {body[:200]!r}")
            except (OSError, http.client.HTTPException) as error:
                errors.append(repr(error))
                connection.close()
                connection = http.client.HTTPConnection(host, port, timeout=30)
        connection.close()
        with lock:
            result.statuses.update(local)
            result.created += len(created)
            result.created_ids += created
            result.latencies_ms += latencies
            result.errors.extend(errors)
            result.samples.extend(samples)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.rows_added = load.count_rows() - before
    if load.count_existing is not None:
        result.found = load.count_existing(result.created_ids)
    return result
