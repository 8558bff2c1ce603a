"""`make run`'s stack boots on the embedded default and serves the product, then stops cleanly."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.stack


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read()


def test_the_run_stack_serves_login_and_schema_and_stops_on_ctrl_c():
    var = ROOT / "var" / f"smoke-{uuid.uuid4().hex[:8]}"
    port = _free_port()
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY"}
    }
    env |= {"GUARDRAIL_VAR": str(var), "PORT": str(port), "GUARDRAIL_REDIS_PORT": str(_free_port())}
    log = (ROOT / "var" / f"{var.name}.log").open("w+")
    stack = subprocess.Popen(
        [sys.executable, "-m", "isms.devstack", "run"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 240
        status = None
        while time.monotonic() < deadline and stack.poll() is None:
            try:
                status, body = _get(f"http://127.0.0.1:{port}/accounts/login/")
                break
            except OSError:
                time.sleep(1)
        log.seek(0)
        output = log.read()
        assert status == 200, output[-3000:]
        assert b"Log in to Guardrail" in body
        status, schema = _get(f"http://127.0.0.1:{port}/api/schema/")
        assert (
            status == 200
            and b"openapi: 3" in schema
            and b"/api/v1/orgs/{org_slug}/controls/" in schema
        )
        assert "demo logins" in output and "http://127.0.0.1:" in output
        assert "control library:" in output
        assert "demo organisation 'demo' ready" in output

        os.killpg(stack.pid, signal.SIGINT)
        assert stack.wait(timeout=60) == 0
        time.sleep(2)
        leftovers = [
            p.info
            for p in psutil.process_iter(["pid", "cmdline"])
            if p.info["cmdline"]
            and (
                str(var) in " ".join(p.info["cmdline"])
                or f"127.0.0.1:{port}" in " ".join(p.info["cmdline"])
            )
        ]
        assert leftovers == [], "Ctrl-C must stop web, worker, beat, PostgreSQL and Redis"
    finally:
        if stack.poll() is None:
            os.killpg(stack.pid, signal.SIGKILL)
            stack.wait()
        log.close()
        shutil.rmtree(var, ignore_errors=True)
        (ROOT / "var" / f"{var.name}.log").unlink(missing_ok=True)
