"""The body parts of a large pack laid out on every core: WeasyPrint is single-threaded, so a
pack whose registers run to hundreds of pages renders its parts in a few helper processes.

The helpers only turn HTML files into PDF files: they never open a database connection (the
section queries run in the calling process, in the organisation's tenant context) and they
import nothing of Django. They are plain child processes (`python -m
monitoring.packs.part_pool`), not `multiprocessing` ones, because a Celery pool process is
daemonic and `multiprocessing` forbids those children; each reads its jobs on its standard
input and ends when that closes, and it is killed if the process that started it dies (a
worker killed mid-render leaves no helper rendering on). On a single core there are no
helpers: the parts render in the calling process, one after the other, as they come.
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import queue
import subprocess
import sys
import threading
from concurrent.futures import Future
from pathlib import Path

MAX_WORKERS = 4
IN_FLIGHT_PER_WORKER = 2  # parts queued per helper: bounds the HTML waiting on disk
ROOT = Path(__file__).resolve().parents[2]


class PartFailed(Exception):
    pass


def workers() -> int:
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS))


def render_part(html: str, target: str, options: dict | None = None) -> int:
    """One WeasyPrint document written to `target`; returns its number of pages."""
    from weasyprint import HTML

    document = HTML(string=html, base_url=None).render()
    pages = len(document.pages)
    document.write_pdf(Path(target), **(options or {}))
    return pages


class _Helper:
    """One helper process and the thread that feeds it jobs from the shared queue."""

    def __init__(self, jobs: queue.Queue) -> None:
        path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "monitoring.packs.part_pool"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": path},
            text=True,
        )
        self.thread = threading.Thread(target=self._feed, args=(jobs,), daemon=True)
        self.thread.start()

    def _feed(self, jobs: queue.Queue) -> None:
        while (job := jobs.get()) is not None:
            html_path, target, future = job
            if not future.set_running_or_notify_cancel():
                continue
            try:
                self.process.stdin.write(json.dumps([str(html_path), str(target)]) + "\n")
                self.process.stdin.flush()
                answer = json.loads(self.process.stdout.readline() or '{"error": "helper died"}')
            except (OSError, ValueError) as error:
                answer = {"error": f"{type(error).__name__}: {error}"}
            if "pages" in answer:
                future.set_result(answer["pages"])
            else:
                future.set_exception(PartFailed(answer["error"]))
            html_path.unlink(missing_ok=True)

    def close(self) -> None:
        self.thread.join()
        with contextlib.suppress(OSError):
            self.process.stdin.close()
        self.process.wait()


class PartRenderer:
    """Renders parts as they are submitted: in this process until `parallel()` is called, in
    the helpers after it. `submit` returns a future of the part's page count."""

    def __init__(self) -> None:
        self._pending: collections.deque = collections.deque()
        self._jobs: queue.Queue = queue.Queue()
        self._helpers: list[_Helper] = []

    def parallel(self) -> None:
        if not self._helpers and workers() > 1:
            self._helpers = [_Helper(self._jobs) for _ in range(workers())]

    @property
    def is_parallel(self) -> bool:
        return bool(self._helpers)

    def submit(self, html: str, target: Path) -> Future:
        future: Future = Future()
        if not self._helpers:
            future.set_result(render_part(html, str(target)))
            return future
        while len(self._pending) >= workers() * IN_FLIGHT_PER_WORKER:
            self._pending.popleft().result()
        html_path = target.with_suffix(".html")
        html_path.write_text(html, encoding="utf-8")
        self._jobs.put((html_path, target, future))
        self._pending.append(future)
        return future

    def close(self) -> None:
        for future in self._pending:
            future.cancel()  # what is not yet running (an error, a cancelled pack)
        for _ in self._helpers:
            self._jobs.put(None)
        for helper in self._helpers:
            helper.close()
        self._helpers = []

    def __enter__(self) -> PartRenderer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def serve() -> None:
    """A helper's loop: one JSON line [html file, target PDF] in, one JSON line out."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the helper still ends when stdin closes
        pass
    answers = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # whatever a library prints goes to stderr, not into the answers
    for line in sys.stdin:
        html_path, target = json.loads(line)
        try:
            answer = {"pages": render_part(Path(html_path).read_text(encoding="utf-8"), target)}
        except Exception as error:  # reported to the caller, which fails the pack
            answer = {"error": f"{type(error).__name__}: {error}"}
        answers.write(json.dumps(answer) + "\n")
        answers.flush()


if __name__ == "__main__":
    serve()
