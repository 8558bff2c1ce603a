"""PostgreSQL restarted under load (issue 18, Faults): a web process runs on a PostgreSQL
cluster this test started (a copy of the test database), six clients keep reading and
writing, requests are caught in the middle of their queries (held on a table lock), and the
cluster is stopped the way a restart or a failover stops it (`pg_ctl -m fast`: every
session ends at once) and started again.

It proves: every request in flight and every request while the database is away answers a
clean 503 with Retry-After (the API's JSON error shape under /api/, a plain page elsewhere),
never a 500 or a traceback; the web process recovers by itself once the database is back
(health-checked persistent connections, no restart); and nothing is half-written — every
create answered 201 is stored with its audit event, every create answered 503 left no trace
(ISO/IEC 27001 A.8.14 redundancy, A.5.30 ICT readiness for business continuity)."""

from __future__ import annotations

import itertools
import json
import os
import threading
import time
from collections import Counter
from dataclasses import dataclass

import psycopg2
import pytest
import requests
from django.conf import settings

from isms.models import Role
from tests.conftest import _url_with_name
from tests.faults.servers import PostgresCluster, WebServer, wait_for
from tests.monitoring.factories import ai_asset

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

DATABASE = "guardrail_fault"
CLIENTS = 6


@dataclass
class Answer:
    kind: str  # "api-read", "api-write", "page"
    status: int
    content_type: str
    body: str
    name: str = ""  # the asset a write tried to create
    started: float = 0.0
    at: float = 0.0  # when the answer came
    retry_after: str = ""


class Load:
    """Clients that read the API, create assets through it and open a page, in a loop."""

    def __init__(self, base: str, slug: str, token: str, session_cookie: tuple, owner_id: int):
        self.base, self.slug, self.owner_id = base, slug, owner_id
        self.headers = {"Authorization": f"Bearer {token}"}
        self.cookie = session_cookie
        self.answers: list[Answer] = []
        self.stop = threading.Event()
        self.counter = itertools.count()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(CLIENTS)]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=120)

    def _record(self, kind, started, response: requests.Response, name: str = "") -> None:
        with self.lock:
            self.answers.append(
                Answer(
                    kind,
                    response.status_code,
                    response.headers.get("Content-Type", ""),
                    response.text[:2000],
                    name,
                    started,
                    time.monotonic(),
                    response.headers.get("Retry-After", ""),
                )
            )

    def _run(self) -> None:
        http = requests.Session()
        http.cookies.set(*self.cookie)
        api = f"{self.base}/api/v1/orgs/{self.slug}/assets/"
        while not self.stop.is_set():
            n = next(self.counter)
            started = time.monotonic()
            try:
                if n % 3 == 0:
                    response = http.get(api, headers=self.headers, timeout=90)
                    self._record("api-read", started, response)
                elif n % 3 == 1:
                    name = f"Load model {n}"
                    payload = {"name": name, "asset_type": "ai_saas_tool", "owner": self.owner_id}
                    response = http.post(api, json=payload, headers=self.headers, timeout=90)
                    self._record("api-write", started, response, name)
                else:
                    page = f"{self.base}/o/{self.slug}/assets/"
                    self._record("page", started, http.get(page, timeout=90))
            except requests.RequestException as error:  # the server itself must not fail
                with self.lock:
                    self.answers.append(
                        Answer("error", 0, "", repr(error), "", started, time.monotonic())
                    )
            time.sleep(0.05)


def _waiting_on_lock(cluster_url: str) -> int:
    with psycopg2.connect(cluster_url) as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
            [DATABASE],
        )
        return cursor.fetchone()[0]


def test_postgres_restart_under_load_answers_503_recovers_and_half_writes_nothing(
    org_a, member, in_tenant, api_key_for, process_env
):
    from django.test import Client

    officer = member(org_a, Role.OFFICER)
    owner = member(org_a, Role.CONTRIBUTOR)
    with in_tenant(org_a):
        ai_asset(org_a, owner, name="Existing model")
    token = api_key_for(org_a, access="read_write")
    client = Client()
    client.force_login(officer)
    cookie = (settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value)

    cluster = PostgresCluster()
    web = load = None
    in_flight = 0
    try:
        test_db = settings.DATABASES["default"]["NAME"]
        cluster.copy_database(
            _url_with_name(os.environ["DATABASE_URL"], test_db),
            DATABASE,
            roles=[settings.DATABASES["default"]["USER"]],
        )
        superuser_url = cluster.url(DATABASE)
        env = process_env(
            DATABASE_URL=superuser_url,
            DATABASE_CONN_MAX_AGE="600",  # persistent connections: they must survive it
            API_RATE_PER_KEY="1000000/min",
            API_RATE_PER_USER="1000000/min",
        )
        web = WebServer(env, workers=2, threads=4)
        load = Load(web.base, org_a.slug, token, cookie, owner.pk)
        load.start()
        wait_for(lambda: len(load.answers) >= 12, 120, "the load to run")
        assert {a.status for a in load.answers} <= {200, 201}, load.answers[-3:]

        # Requests in flight: hold them on a table lock, then stop the server under them.
        holder = psycopg2.connect(superuser_url)
        holder.cursor().execute("LOCK TABLE assets_asset IN ACCESS EXCLUSIVE MODE")
        wait_for(lambda: _waiting_on_lock(superuser_url) >= 3, 60, "requests caught mid-query")
        in_flight = _waiting_on_lock(superuser_url)
        stopped_at = time.monotonic()
        cluster.stop("fast")
        holder.close()
        wait_for(
            lambda: sum(a.status == 503 for a in load.answers) >= in_flight + 6,
            60,
            "requests to be refused while the database is away",
        )
        cluster.start()
        restarted_at = time.monotonic()

        # It recovers by itself (no restart of the web process): the first 200 after the
        # restart, then every request started after it answers 2xx.
        api = f"{web.base}/api/v1/orgs/{org_a.slug}/assets/"
        probe = {"Authorization": f"Bearer {token}"}
        wait_for(
            lambda: requests.get(api, headers=probe, timeout=30).status_code == 200,
            60,
            "the web process to answer again after the restart",
        )
        recovered_at = time.monotonic()
        wait_for(
            lambda: sum(a.started > recovered_at for a in load.answers) >= CLIENTS,
            180,
            "the load to run on after the restart: "
            + repr(Counter((a.kind, a.status, a.started > recovered_at) for a in load.answers)),
        )
        load.finish()
        assert web.process.poll() is None
    finally:
        if load is not None:
            load.finish()
        if web is not None:
            web.stop()

    try:
        answers = load.answers
        statuses = {a.status for a in answers}
        assert statuses <= {200, 201, 503}, [
            (a.kind, a.body[:200], a.started - stopped_at, a.at - stopped_at)
            for a in answers
            if a.status not in (200, 201, 503)
        ]
        refused = [a for a in answers if a.status == 503]
        assert len(refused) >= in_flight + 6 and all(a.at >= stopped_at for a in refused)
        # The requests caught mid-query were answered 503 too, not dropped or 500.
        assert sum(a.started < stopped_at for a in refused) >= in_flight
        for answer in refused:
            assert "Traceback" not in answer.body and answer.retry_after.isdigit()
            if answer.kind.startswith("api"):
                assert answer.content_type.startswith("application/json")
                assert json.loads(answer.body)["code"] == "service_unavailable"
            else:
                assert answer.content_type.startswith("text/html")
                assert "briefly unavailable" in answer.body
        assert {a.kind for a in refused} >= {"api-read", "api-write"}
        after = [a for a in answers if a.started > recovered_at]
        assert after and all(a.status in (200, 201) for a in after)

        # Nothing half-written: a 201 is stored with its audit event; a 503 left nothing.
        created = {a.name for a in answers if a.kind == "api-write" and a.status == 201}
        failed = {a.name for a in answers if a.kind == "api-write" and a.status == 503}
        assert created and failed
        with psycopg2.connect(superuser_url) as connection, connection.cursor() as cursor:
            cursor.execute("SELECT id, name FROM assets_asset WHERE name LIKE 'Load model %%'")
            stored = dict(cursor.fetchall())
            cursor.execute(
                "SELECT object_id FROM isms_auditevent"
                " WHERE table_name = 'assets_asset' AND action = 'insert'"
            )
            audited = {int(object_id) for (object_id,) in cursor.fetchall()}
        assert set(stored.values()) == created
        assert not failed & set(stored.values())
        assert set(stored) <= audited
        print(
            f"\n{len(answers)} requests; {len(refused)} answered 503 in "
            f"{restarted_at - stopped_at:.1f} s of outage; recovered "
            f"{recovered_at - restarted_at:.1f} s after the restart; "
            f"{len(created)} created, {len(failed)} refused and absent"
        )
    finally:
        cluster.close()
