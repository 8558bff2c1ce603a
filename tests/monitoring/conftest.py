"""Real Celery workers for the sweep tests: started, killed (SIGKILL) and restarted."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid

import pytest


class Workers:
    def __init__(self, env: dict, queue: str):
        self.env = env
        self.queue = queue
        self.processes: list[subprocess.Popen] = []

    def start(self, concurrency: int = 2) -> subprocess.Popen:
        from isms.celery import app

        node = f"{self.queue}-{len(self.processes)}@{socket.gethostname()}"
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "isms",
                "worker",
                "-Q",
                self.queue,
                "-c",
                str(concurrency),
                "-n",
                node,
                "-I",
                "tests.monitoring.worker_hooks",
                "--pool",
                "prefork",
                "-l",
                "warning",
                "--without-heartbeat",
                "--without-mingle",
                "--without-gossip",
            ],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: SIGKILL takes the children too
        )
        self.processes.append(process)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if app.control.ping(destination=[node], timeout=0.5):
                return process
            if process.poll() is not None:
                pytest.fail(process.stdout.read().decode()[-3000:])
        pytest.fail("the Celery worker did not start")

    def kill(self, process: subprocess.Popen) -> None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=20)

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture
def workers(live_server, tmp_path):
    """Workers on the test database and real Redis, a private queue, e-mails to files in
    `workers.mail_dir`, and a short visibility timeout so a killed worker's task returns."""
    from django.conf import settings

    from tests.conftest import _url_with_name

    test_db = settings.DATABASES["default"]["NAME"]
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = {
        **os.environ,
        "DATABASE_URL": _url_with_name(os.environ["DATABASE_URL"], test_db),
        "DATABASE_APP_USER": settings.DATABASES["default"]["USER"],
        "EMAIL_FILE_PATH": str(mail_dir),
        "EMAIL_HOST": "",
        "CELERY_VISIBILITY_TIMEOUT": "4",
    }
    pool = Workers(env, f"test-{uuid.uuid4().hex[:8]}")
    pool.mail_dir = mail_dir
    try:
        yield pool
    finally:
        pool.stop_all()
