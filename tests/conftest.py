"""Test set-up shared by every app's tests.

The test database is created and migrated through the `owner` alias (the role that owns the
tables); the application connects as the `default` alias, the unprivileged role, so
row-level security is real in every test.
"""

from __future__ import annotations

import pytest
from django.db import connections
from django.test import Client
from rest_framework.test import APIClient

from isms.models import Role
from isms.services.api_keys import api_key_create
from isms.tenancy import tenant_context
from tests.factories import MembershipFactory, OrganizationFactory


@pytest.fixture(scope="session")
def django_db_setup(request, django_test_environment, django_db_blocker):
    from django.test.utils import setup_databases, teardown_databases

    # `--reuse-db` keeps the migrated test database between runs (a developer's loop on a busy
    # machine); CI runs without it and builds the database afresh.
    keepdb = bool(request.config.getoption("reuse_db", False))
    with django_db_blocker.unblock():
        db_cfg = setup_databases(
            verbosity=request.config.option.verbose,
            interactive=False,
            keepdb=keepdb,
            aliases={"owner"},
            serialized_aliases=set(),
        )
        default = connections["default"]
        original_name = default.settings_dict["NAME"]
        default.close()
        default.settings_dict["NAME"] = connections["owner"].settings_dict["NAME"]
    yield
    with django_db_blocker.unblock():
        default.close()
        default.settings_dict["NAME"] = original_name
        # Live-server threads may leave app-role sessions behind; end them so the drop works.
        with connections["owner"].cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        teardown_databases(db_cfg, verbosity=request.config.option.verbose, keepdb=keepdb)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded files go to a temporary folder, never var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def org_a(db):
    return OrganizationFactory(name="Alpha Ltd", slug="alpha")


@pytest.fixture
def org_b(db):
    return OrganizationFactory(name="Bravo plc", slug="bravo")


@pytest.fixture
def member(db):
    """member(org, role="officer", **membership_fields) -> user."""

    def make(organization, role: str = Role.OFFICER, **kwargs):
        return MembershipFactory(organization=organization, role=role, **kwargs).user

    return make


@pytest.fixture
def client_for(db):
    """client_for(user) -> a Django test Client logged in as that user."""

    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def api_for(db):
    """api_for(user) / api_for(api_token=...) -> an APIClient (session or API key)."""

    def make(user=None, api_token: str | None = None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_login(user)
        if api_token:
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token}")
        return client

    return make


@pytest.fixture
def api_key_for(db):
    """api_key_for(org, access="read_write") -> the token string."""

    def make(organization, access: str = "read_write", **kwargs) -> str:
        return api_key_create(
            organization=organization, actor=None, name="test key", access=access, **kwargs
        ).token

    return make


@pytest.fixture
def in_tenant():
    """in_tenant(org) -> a context manager acting for that organisation."""

    def make(organization, **kwargs):
        return tenant_context(organization.pk, **kwargs)

    return make


BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def browser_page(live_server, monkeypatch):
    """A Playwright page in Debian's chromium (headless), pointed at the live server.

    Use with `@pytest.mark.django_db(transaction=True)`: the server thread sees only
    committed data. `browser_page.goto(live_server.url + "/accounts/login/")`.
    """
    import shutil

    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail(
            "Debian's chromium is not installed (.ci/run installs it: apt-get install chromium)"
        )
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls here are
    # still synchronous test code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=BROWSER_ARGS
        )
        context = browser.new_context(base_url=live_server.url)
        context.set_default_timeout(15_000)
        page = context.new_page()
        # Every journey also proves the Content Security Policy blocks nothing the product
        # needs: Chromium reports each refusal on the console.
        refused = []
        page.on(
            "console",
            lambda message: (
                refused.append(f"{page.url}: {message.text}")
                if "Content Security Policy" in message.text
                else None
            ),
        )
        try:
            yield page
        finally:
            context.close()
            browser.close()
        assert not refused, "the Content Security Policy refused:\n" + "\n".join(refused)


def pytest_collection_modifyitems(items):
    """Transactional tests flush through the owner alias: let them use it.

    The application role may not TRUNCATE (isms/management/commands/flush.py), so a test
    marked `django_db(transaction=True)` also needs the `owner` database.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is None or not marker.kwargs.get("transaction"):
            continue
        databases = marker.kwargs.get("databases") or ["default"]
        if databases != "__all__" and "owner" not in databases:
            kwargs = {**marker.kwargs, "databases": [*databases, "owner"]}
            item.add_marker(pytest.mark.django_db(*marker.args, **kwargs), append=False)


@pytest.fixture
def celery_worker_process(live_server):
    """A real Celery worker (separate process) on the test database and the real Redis.

    Use with `@pytest.mark.django_db(transaction=True)` so the worker sees committed rows.
    Yields a function `run(task, **kwargs)` that sends the task through the broker and waits
    for its result. (`live_server` is requested only so the test DB is fully set up.)
    """
    import os
    import socket
    import subprocess
    import sys
    import time
    import uuid

    from django.conf import settings

    from isms.celery import app

    queue = f"test-{uuid.uuid4().hex[:8]}"
    node = f"{queue}@{socket.gethostname()}"
    owner = settings.DATABASES["owner"]
    test_db = settings.DATABASES["default"]["NAME"]
    env = {
        **os.environ,
        "DATABASE_URL": _url_with_name(os.environ["DATABASE_URL"], test_db),
        "DATABASE_APP_USER": settings.DATABASES["default"]["USER"],
    }
    assert owner["NAME"] == test_db
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "isms",
            "worker",
            "-Q",
            queue,
            "-c",
            "2",
            "-n",
            node,
            "-I",
            "tests.isms.probe_tasks",
            "--pool",
            "prefork",
            "-l",
            "warning",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        replies = app.control.ping(destination=[node], timeout=0.5) or []
        if replies:
            break
        if worker.poll() is not None:
            pytest.fail(worker.stdout.read().decode()[-3000:])
    else:
        worker.kill()
        pytest.fail("the Celery worker did not start")

    def run(task, timeout: float = 60, **kwargs):
        return task.apply_async(kwargs=kwargs, queue=queue).get(timeout=timeout)

    try:
        yield run
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()


def _url_with_name(url: str, name: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))
