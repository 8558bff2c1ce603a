"""Decisions stay right: a change is reflected within a second, and with Redis down the
endpoint answers from PostgreSQL with the same result (issue 22)."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import threading
import time

import pytest
import redis
from django.conf import settings
from django.db import connection

from assets.models import Asset, Lifecycle
from assets.services import asset_retire
from isms.access import Actor
from isms.models import Membership
from isms.tenancy import tenant_context
from monitoring.usage import facts, snapshot
from monitoring.usage.models import UsageDenial, UsageTally
from tests.monitoring.usage_world import body, build_world

URL = "/api/v1/orgs/alpha/ai-usage/decisions/"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def own_redis(settings):
    """A Redis server this test starts (and may stop) for the snapshots alone."""
    port = _free_port()
    argv = [shutil.which("redis-server"), "--port", str(port), "--save", "", "--appendonly", "no"]
    server = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    for _ in range(50):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    settings.USAGE_REDIS_URL = url
    yield server, client
    if server.poll() is None:
        server.terminate()
        server.wait(5)


@pytest.fixture
def gateway(org_a, api_for, api_key_for):
    return api_for(api_token=api_key_for(org_a, access="ai_usage_decide"))


def test_redis_down_answers_from_postgresql_with_the_same_result(
    org_a, in_tenant, gateway, own_redis
):
    server, client = own_redis
    with in_tenant(org_a):
        build_world(org_a)
    cases = [
        body(categories=["customer_content"]),
        body(categories=["financial"]),
        body(tool={"provider": "OpenAI", "model": "gpt-4o"}),
        body(person={"email": "nobody@chat.example"}),
        body(tool={"domain": "unknown.example"}),
    ]
    before = []
    for case in cases:
        response = gateway.post(URL, case, format="json")
        assert response["X-Decision-Source"] == "snapshot"
        before.append(response.json())
    assert client.exists(f"guardrail:usage:{org_a.pk}")
    server.terminate()
    server.wait(5)
    started = time.monotonic()
    after = []
    for case in cases:
        response = gateway.post(URL, case, format="json")
        assert response.status_code == 200
        assert response["X-Decision-Source"] == "database"
        after.append(response.json())
    assert after == before
    assert time.monotonic() - started < 5, "a dead Redis must not hold the gateway"
    with in_tenant(org_a):
        # Counted straight into PostgreSQL while Redis is away; denials stored as ever.
        assert sum(UsageTally.objects.values_list("count", flat=True)) == len(cases)
        assert UsageDenial.objects.count() == 6  # 3 denied cases, before and after


def test_a_count_sent_after_a_redis_restart_is_not_lost(org_a, in_tenant, gateway, own_redis):
    """Counts go to Redis without waiting for its answer (issue 22). A restart between two
    calls leaves the sender a socket the old server closed, on which one more send would
    still succeed and vanish: the sender notices and the count reaches the new server."""
    from monitoring.usage.services import tallies_settle, tally_key

    server, client = own_redis
    with in_tenant(org_a):
        build_world(org_a)
    assert gateway.post(URL, body(), format="json").status_code == 200
    tallies_settle()
    assert sum(int(v) for v in client.hvals(tally_key(org_a.pk))) == 1
    port = client.connection_pool.connection_kwargs["port"]
    server.terminate()
    server.wait(5)
    restarted = subprocess.Popen(
        [shutil.which("redis-server"), "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(50):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        assert gateway.post(URL, body(), format="json").status_code == 200
        tallies_settle()
        assert sum(int(v) for v in client.hvals(tally_key(org_a.pk))) == 1
        with in_tenant(org_a):
            assert not UsageTally.objects.exists()  # counted in Redis, not twice
    finally:
        restarted.terminate()
        restarted.wait(5)


def test_an_old_snapshot_answers_and_is_rebuilt_after_the_response(org_a, in_tenant, gateway):
    """Refresh ahead of the expiry (issue 22): no decision waits for a rebuild while traffic
    flows. Past REFRESH_AFTER the snapshot still answers; the rebuild runs when the response
    is finished (request_finished), and resets the expiry."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    key = snapshot.snapshot_key(org_a.pk)
    client.delete(key)
    with in_tenant(org_a):
        build_world(org_a)
    assert gateway.post(URL, body(), format="json")["X-Decision-Source"] == "snapshot"
    meta = json.loads(client.hget(key, "meta"))
    meta["built_at"] -= snapshot.REFRESH_AFTER + 1
    client.hset(key, "meta", json.dumps(meta))
    client.expire(key, 5)
    with in_tenant(org_a):
        found = snapshot.lookup(org_a.pk, "id:chat", "email:x@example.com")
        assert found.source == "snapshot"
        assert json.loads(client.hget(key, "meta"))["built_at"] == meta["built_at"]  # not yet
        assert org_a.pk in snapshot._refresh_due
    snapshot.refresh_due_snapshots()  # what request_finished runs (the API part below)
    assert not snapshot._refresh_due
    rebuilt = json.loads(client.hget(key, "meta"))
    assert rebuilt["built_at"] > meta["built_at"] + snapshot.REFRESH_AFTER
    assert client.ttl(key) > 5
    # Through the API: the decision answers from the old snapshot, and the next one finds the
    # rebuilt one.
    rebuilt["built_at"] -= snapshot.REFRESH_AFTER + 1
    client.hset(key, "meta", json.dumps(rebuilt))
    response = gateway.post(URL, body(), format="json")
    assert response["X-Decision-Source"] == "snapshot" and response.json()["decision"] == "allow"
    assert json.loads(client.hget(key, "meta"))["built_at"] > rebuilt["built_at"] + 1


@pytest.mark.django_db(transaction=True)
def test_a_retired_asset_is_denied_within_a_second_of_the_change(org_a, api_for, api_key_for):
    token = api_key_for(org_a, access="ai_usage_decide")
    gateway = api_for(api_token=token)
    redis.Redis.from_url(settings.REDIS_URL).delete(f"guardrail:usage:{org_a.pk}")
    with tenant_context(org_a.pk):
        world = build_world(org_a)
    assert gateway.post(URL, body(), format="json").json()["decision"] == "allow"
    membership = Membership.objects.select_related("organization", "user").get(
        organization=org_a, user=world.officer
    )
    with tenant_context(org_a.pk):
        asset_retire(
            actor=Actor.for_membership(membership),
            asset=Asset.objects.get(pk=world.asset.pk),
            reason="Replaced",
        )
    committed = time.monotonic()
    answer = gateway.post(URL, body(), format="json").json()
    elapsed = time.monotonic() - committed
    assert answer["decision"] == "deny"
    assert [r["code"] for r in answer["reasons"]] == ["tool_retired"]
    assert elapsed < 1.0, f"reflected after {elapsed:.3f} s"


def _in_thread(name: str, organization_id: int, work, results: dict) -> threading.Thread:
    """Run `work()` in the organisation's context on a thread of its own (its own database
    connection, closed at the end), keeping its result or error under `name`."""

    def run():
        try:
            with tenant_context(organization_id):
                results[name] = work()
        except Exception as error:  # reported by the test's assertion on `results`
            results[name] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run, name=name)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_of_two_concurrent_builds_the_newer_state_wins(org_a, own_redis, monkeypatch):
    """A build that read PostgreSQL before a change must not publish over one that read it
    after, even with no invalidation between them (a queryset update sends no signal)."""
    _, client = own_redis
    with tenant_context(org_a.pk):
        world = build_world(org_a)
    read, resume = threading.Event(), threading.Event()
    tool_facts = facts.tool_facts

    def held_after_reading(assets):
        found = tool_facts(assets)
        if threading.current_thread().name == "older":
            read.set()
            resume.wait(10)
        return found

    monkeypatch.setattr(facts, "tool_facts", held_after_reading)
    results: dict = {}
    builder = snapshot._redis.get_builder()
    older = _in_thread("older", org_a.pk, lambda: snapshot.build(builder, org_a.pk), results)
    assert read.wait(10), results
    with tenant_context(org_a.pk):
        Asset.objects.filter(pk=world.asset.pk).update(lifecycle=Lifecycle.RETIRED)
    newer = _in_thread("newer", org_a.pk, lambda: snapshot.build(builder, org_a.pk), results)
    newer.join(10)
    resume.set()
    older.join(10)
    assert results == {"newer": True, "older": False}
    tool = json.loads(client.hget(snapshot.snapshot_key(org_a.pk), "t:id:chat"))
    assert tool["lifecycle"] == Lifecycle.RETIRED
    assert not client.keys("guardrail:usage:*:building*"), "no staging hash or lock left"


@pytest.mark.django_db(transaction=True)
def test_one_builder_per_organisation_the_others_answer_from_postgresql(
    org_a, own_redis, monkeypatch
):
    _, client = own_redis
    with tenant_context(org_a.pk):
        build_world(org_a)
    building, resume = threading.Event(), threading.Event()
    builds = []
    build = snapshot.build

    def held_build(redis_client, organization_id):
        builds.append(threading.current_thread().name)
        building.set()
        resume.wait(10)
        return build(redis_client, organization_id)

    monkeypatch.setattr(snapshot, "build", held_build)
    results: dict = {}

    def ask():
        return snapshot.lookup(org_a.pk, "id:chat", "email:ana@chat.example")

    first = _in_thread("first", org_a.pk, ask, results)
    assert building.wait(10), results
    second = _in_thread("second", org_a.pk, ask, results)
    second.join(10)  # answered while the first still builds
    assert not second.is_alive()
    resume.set()
    first.join(10)
    assert builds == ["first"]
    assert results["first"].source == "snapshot"
    assert results["second"].source == "database"
    for part in ("settings", "tool", "person"):
        assert getattr(results["second"], part) == getattr(results["first"], part), part
    assert results["first"].tool["lifecycle"] == Lifecycle.PRODUCTION
    assert client.exists(snapshot.snapshot_key(org_a.pk))
    assert not client.exists(snapshot.lock_key(org_a.pk)), "the lock is released"
