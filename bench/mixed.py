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
    write_share: float = 0.2


@dataclass
class MixedResult:
    seconds: float
    clients: int
    statuses: Counter = field(default_factory=Counter)
    created: int = 0
    rows_added: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        bad = sum(n for status, n in self.statuses.items() if status >= 400)
        return bad == 0 and not self.errors and self.created == self.rows_added


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
        local, created, errors = Counter(), 0, []
        while time.monotonic() < stop_at:
            try:
                if rng.random() < load.write_share:
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
                response.read()
                local[response.status] += 1
                created += response.status == 201
            except (OSError, http.client.HTTPException) as error:
                errors.append(repr(error))
                connection.close()
                connection = http.client.HTTPConnection(host, port, timeout=30)
        connection.close()
        with lock:
            result.statuses.update(local)
            result.created += created
            result.errors.extend(errors)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.rows_added = load.count_rows() - before
    return result
