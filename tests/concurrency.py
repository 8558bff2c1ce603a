"""Run callables at the same moment, each on its own database connection.

    outcomes = run_together([lambda: approve(...), lambda: patch(...)])

Each callable runs in its own thread, so Django gives it its own PostgreSQL connection (as
the application role: row-level security applies); a barrier releases them together. Use it
in `@pytest.mark.django_db(transaction=True)` tests, so the threads see committed rows. No
sleeps and no mocks: the database's own locking decides who wins, as in production.

For requests through the whole stack (middleware, tenant context, views), give each callable
its own `django.test.Client` or `APIClient`: they run in-process, one connection per thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connections


@dataclass
class Outcome:
    value: Any = None
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def run_together(callables: Sequence[Callable[[], Any]], *, timeout: float = 60) -> list[Outcome]:
    """Start every callable at once (barrier) and wait for all; outcomes in the same order."""
    barrier = threading.Barrier(len(callables))
    outcomes = [Outcome() for _ in callables]

    def work(index: int, fn: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout)
            outcomes[index].value = fn()
        except BaseException as error:
            outcomes[index].error = error
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=work, args=(i, fn), daemon=True) for i, fn in enumerate(callables)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
        if thread.is_alive():
            raise TimeoutError("a concurrent callable did not finish in time (deadlock?)")
    return outcomes


def statuses(outcomes: list[Outcome]) -> list[int]:
    """The HTTP status of each outcome whose value is a response (errors re-raised)."""
    for outcome in outcomes:
        if outcome.error is not None:
            raise outcome.error
    return [outcome.value.status_code for outcome in outcomes]
