"""Webhooks (isms.webhooks): signed deliveries to a real receiver, retries with back-off,
the outbox, SSRF refusals, disabling, redelivery, the secret shown once, tenant isolation.

The receiver runs on 127.0.0.1, so every endpoint here carries the admin's explicit
allowance for internal targets (`allow_internal`), as a real deployment would need.
"""

from __future__ import annotations

import json
import socket
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from assets.models import AssetType
from assets.services import asset_create
from isms import secrets_at_rest
from isms.access import Actor
from isms.celery import app as celery_app
from isms.models import (
    AttemptOutcome,
    AuditEvent,
    DeliveryStatus,
    Membership,
    Role,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from isms.tenancy import tenant_context
from isms.webhooks import services, signing
from isms.webhooks.tasks import deliver, send_due
from tests.isms.webhook_receiver import Receiver, verify_signature

EVENTS = ["asset.created", "asset.changed"]


@pytest.fixture
def receiver():
    started = Receiver().start()
    yield started
    started.stop()


@pytest.fixture
def eager():
    """Celery tasks run in this process when queued (the worker tests use a real worker)."""
    conf = celery_app.conf
    saved = conf.task_always_eager, conf.task_eager_propagates
    conf.task_always_eager, conf.task_eager_propagates = True, True
    yield
    conf.task_always_eager, conf.task_eager_propagates = saved


def _actor(user, organization) -> Actor:
    return Actor.for_membership(Membership.objects.get(user=user, organization=organization))


def _register(api_for, admin, organization, url, events=EVENTS, **extra):
    response = api_for(user=admin).post(
        f"/api/v1/orgs/{organization.slug}/webhooks/",
        {"url": url, "event_types": events, "allow_internal": True, **extra},
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def _new_asset(organization, owner, name="Fraud model"):
    actor = _actor(owner, organization)
    return asset_create(
        actor=actor, name=name, asset_type=AssetType.AI_MODEL, owner=owner.pk, description="x"
    )


# --- signatures, with a real worker and a real receiver ---------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_signs_deliveries_that_the_receiver_verifies(
    celery_worker_process, org_a, member, api_for, receiver
):
    admin = member(org_a, Role.ADMIN)
    created = _register(api_for, admin, org_a, receiver.url)
    receiver.secret = created["signing_secret"]
    with tenant_context(org_a.pk):
        asset = _new_asset(org_a, admin)
    with tenant_context(org_a.pk):
        delivery = WebhookDelivery.objects.get()
        event = delivery.event

    outcome = celery_worker_process(deliver, organization_id=org_a.pk, delivery_id=delivery.pk)

    assert outcome == AttemptOutcome.SUCCEEDED
    (got,) = receiver.received
    assert got.verified, got.headers
    assert got.path == "/hooks/guardrail"
    assert got.headers["Guardrail-Event-Id"] == str(event.event_id)
    assert got.headers["Guardrail-Event-Type"] == "asset.created"
    assert got.headers["Content-Type"] == "application/json"
    body = json.loads(got.body)
    assert body["id"] == str(event.event_id)
    assert body["type"] == "asset.created"
    assert body["organization"] == org_a.slug
    assert body["data"]["id"] == asset.pk and body["data"]["object"] == "asset"
    # Another secret, or a body changed by one byte, does not verify.
    assert not verify_signature("whsec_other", got.headers, got.body)
    assert not verify_signature(receiver.secret, got.headers, got.body + b" ")
    with tenant_context(org_a.pk):
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.SUCCEEDED
        (attempt,) = delivery.attempts.all()
        assert attempt.response_code == 200 and attempt.outcome == AttemptOutcome.SUCCEEDED


def test_an_old_timestamp_does_not_verify():
    body = b'{"id": "x"}'
    headers = {
        "Guardrail-Timestamp": "1000",
        "Guardrail-Signature": signing.signature("s", 1000, body),
    }
    assert verify_signature("s", headers, body, now=1000 + 10)
    assert not verify_signature("s", headers, body, now=1000 + 3600)


# --- retries and back-off ----------------------------------------------------------------------


def test_a_receiver_failing_twice_gets_the_event_on_the_third_attempt_after_growing_pauses(
    org_a, member, api_for, receiver, settings
):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30
    receiver.statuses = [500, 503, 204]
    admin = member(org_a, Role.ADMIN)
    receiver.secret = _register(api_for, admin, org_a, receiver.url)["signing_secret"]
    with tenant_context(org_a.pk):
        _new_asset(org_a, admin)
        delivery = WebhookDelivery.objects.get()

    pauses = []
    for _ in range(3):
        before = timezone.now()
        deliver.apply(kwargs={"organization_id": org_a.pk, "delivery_id": delivery.pk}).get()
        with tenant_context(org_a.pk):
            delivery.refresh_from_db()
        if delivery.next_attempt_at is not None:
            pauses.append((delivery.next_attempt_at - before).total_seconds())

    assert [r.verified for r in receiver.received] == [True, True, True]
    assert len({r.headers["Guardrail-Event-Id"] for r in receiver.received}) == 1
    assert 30 <= pauses[0] < 35 and 60 <= pauses[1] < 65  # exponential back-off
    with tenant_context(org_a.pk):
        attempts = list(WebhookAttempt.objects.filter(delivery=delivery).order_by("number"))
        endpoint = WebhookEndpoint.objects.get()
    assert [(a.number, a.outcome, a.response_code) for a in attempts] == [
        (1, AttemptOutcome.HTTP_ERROR, 500),
        (2, AttemptOutcome.HTTP_ERROR, 503),
        (3, AttemptOutcome.SUCCEEDED, 204),
    ]
    assert all(a.duration_ms >= 0 and a.started_at for a in attempts)
    assert "500" in attempts[0].error
    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.attempt_count == 3
    assert endpoint.consecutive_failures == 0  # a success resets the count


def test_the_last_attempt_fails_the_delivery(org_a, member, api_for, receiver, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    receiver.statuses = [500]
    admin = member(org_a, Role.ADMIN)
    _register(api_for, admin, org_a, receiver.url)
    with tenant_context(org_a.pk):
        _new_asset(org_a, admin)
        delivery = WebhookDelivery.objects.get()
    for _ in range(3):  # the third finds nothing pending
        deliver.apply(kwargs={"organization_id": org_a.pk, "delivery_id": delivery.pk})
    assert len(receiver.received) == 2
    with tenant_context(org_a.pk):
        delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and delivery.next_attempt_at is None


def test_a_network_error_is_recorded_and_retried(org_a, member, api_for):
    admin = member(org_a, Role.ADMIN)
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    _register(api_for, admin, org_a, f"http://127.0.0.1:{port}/")
    with tenant_context(org_a.pk):
        _new_asset(org_a, admin)
        delivery = WebhookDelivery.objects.get()
    deliver.apply(kwargs={"organization_id": org_a.pk, "delivery_id": delivery.pk})
    with tenant_context(org_a.pk):
        delivery.refresh_from_db()
        (attempt,) = delivery.attempts.all()
    assert attempt.outcome == AttemptOutcome.NETWORK_ERROR and attempt.response_code is None
    assert "Connection" in attempt.error or "refused" in attempt.error
    assert delivery.status == DeliveryStatus.PENDING and delivery.next_attempt_at is not None


# --- the outbox -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_sends_nothing_and_a_committed_one_is_sent(
    org_a, member, api_for, receiver, eager
):
    admin = member(org_a, Role.ADMIN)
    _register(api_for, admin, org_a, receiver.url)

    class Refused(Exception):
        pass

    with pytest.raises(Refused), tenant_context(org_a.pk):
        _new_asset(org_a, admin, name="Never saved")
        assert WebhookDelivery.objects.count() == 1  # written in the change's transaction
        raise Refused
    with tenant_context(org_a.pk):
        assert not WebhookEvent.objects.exists() and not WebhookDelivery.objects.exists()
    assert receiver.received == []

    with tenant_context(org_a.pk):
        _new_asset(org_a, admin, name="Saved")
    (got,) = receiver.received  # sent by the on-commit task (eager here)
    assert json.loads(got.body)["data"]["name"] == "Saved"


@pytest.mark.django_db(transaction=True)
def test_the_beat_sweep_sends_a_delivery_whose_message_was_lost(
    org_a, member, api_for, receiver, eager
):
    admin = member(org_a, Role.ADMIN)
    _register(api_for, admin, org_a, receiver.url)
    celery_app.conf.task_always_eager = False
    try:
        # The broker is unreachable at the commit: the message is lost, the row is not.
        with tenant_context(org_a.pk):
            original = deliver.delay
            deliver.delay = lambda **kw: (_ for _ in ()).throw(ConnectionError("redis down"))
            try:
                _new_asset(org_a, admin)
            finally:
                deliver.delay = original
    finally:
        celery_app.conf.task_always_eager = True
    assert receiver.received == []
    with tenant_context(org_a.pk):
        assert WebhookDelivery.objects.get().status == DeliveryStatus.PENDING
    assert send_due.apply(kwargs={"organization_id": org_a.pk}).get() == 1
    assert len(receiver.received) == 1
    with tenant_context(org_a.pk):
        assert WebhookDelivery.objects.get().status == DeliveryStatus.SUCCEEDED


def test_no_endpoint_no_event(org_a, member):
    admin = member(org_a, Role.ADMIN)
    with tenant_context(org_a.pk):
        _new_asset(org_a, admin)
        assert not WebhookEvent.objects.exists()


def test_an_endpoint_gets_only_the_types_it_subscribed_to(org_a, member, api_for, receiver):
    admin = member(org_a, Role.ADMIN)
    _register(api_for, admin, org_a, receiver.url, events=["asset.changed"])
    with tenant_context(org_a.pk):
        asset = _new_asset(org_a, admin)
        assert not WebhookDelivery.objects.exists()
        from assets.services import asset_update

        asset_update(actor=_actor(admin, org_a), asset=asset, description="changed")
        (delivery,) = WebhookDelivery.objects.select_related("event")
    assert delivery.event.event_type == "asset.changed"
    assert delivery.event.data["changed"] == ["description"]


# --- SSRF -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://localhost:8443/",
        "https://[::1]/",
        "https://10.0.0.8/",
        "https://0.0.0.0/",
        "http://127.0.0.1:8000/hook",
    ],
)
def test_internal_targets_are_refused_at_registration(url, org_a, member, api_for):
    client = api_for(user=member(org_a, Role.ADMIN))
    response = client.post(
        f"/api/v1/orgs/{org_a.slug}/webhooks/",
        {"url": url, "event_types": EVENTS},
        format="json",
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert "url" in body["errors"]
    assert "internal address" in str(body["errors"]["url"]) or "https" in str(body["errors"]["url"])
    with tenant_context(org_a.pk):
        assert not WebhookEndpoint.objects.exists()


def test_plain_http_is_refused_to_a_public_host(org_a, member, api_for, monkeypatch):
    _resolve_to(monkeypatch, "93.184.216.34")
    response = api_for(user=member(org_a, Role.ADMIN)).post(
        f"/api/v1/orgs/{org_a.slug}/webhooks/",
        {"url": "http://hooks.example.com/", "event_types": EVENTS},
        format="json",
    )
    assert response.status_code == 400
    assert "https" in str(response.json()["errors"]["url"])


def test_the_ui_refuses_the_metadata_address_with_the_reason(org_a, member, client_for):
    client = client_for(member(org_a, Role.ADMIN))
    response = client.post(
        f"/o/{org_a.slug}/settings/webhooks/",
        {"url": "https://169.254.169.254/", "event_types": EVENTS, "active": "on"},
    )
    assert response.status_code == 400
    assert b"internal address" in response.content


def test_only_an_admin_in_person_may_allow_internal_targets(
    org_a, member, api_for, api_key_for, receiver
):
    key_client = api_for(api_token=api_key_for(org_a, access="read_write"))
    url = f"/api/v1/orgs/{org_a.slug}/webhooks/"
    refused = key_client.post(
        url, {"url": receiver.url, "event_types": EVENTS, "allow_internal": True}, format="json"
    )
    assert refused.status_code == 403, refused.content
    created = _register(api_for, member(org_a, Role.ADMIN), org_a, receiver.url)
    assert created["allow_internal"] is True
    # Nor may a key point an endpoint the admin allowed somewhere else (the metadata service).
    moved = key_client.patch(
        f"{url}{created['id']}/", {"url": "http://169.254.169.254/latest/"}, format="json"
    )
    assert moved.status_code == 403 and "url" in moved.json()["errors"]
    with tenant_context(org_a.pk):
        (event,) = AuditEvent.objects.filter(table_name="isms_webhookendpoint", action="insert")
    assert event.changes["allow_internal"] == [None, True]  # the allowance is on the record


def _resolve_to(monkeypatch, address: str) -> None:
    """DNS answers `address` for every name (the records of a host changed)."""
    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        if host in ("127.0.0.1",):
            return real(host, port, *args, **kwargs)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", fake)


def test_a_host_that_now_resolves_internally_is_refused_at_delivery(org_a, member, monkeypatch):
    admin = member(org_a, Role.ADMIN)
    _resolve_to(monkeypatch, "93.184.216.34")  # public at registration
    with tenant_context(org_a.pk):
        services.endpoint_create(
            actor=_actor(admin, org_a), url="https://hooks.example.com/in", event_types=EVENTS
        )
        _new_asset(org_a, admin)
        delivery = WebhookDelivery.objects.get()
    _resolve_to(monkeypatch, "169.254.169.254")  # the DNS record changed since
    deliver.apply(kwargs={"organization_id": org_a.pk, "delivery_id": delivery.pk})
    with tenant_context(org_a.pk):
        (attempt,) = WebhookAttempt.objects.all()
    assert attempt.outcome == AttemptOutcome.REFUSED_TARGET
    assert "169.254.169.254" in attempt.error and attempt.response_code is None


# --- disabling --------------------------------------------------------------------------------


def test_an_endpoint_failing_again_and_again_is_switched_off_and_the_admins_told(
    org_a, member, api_for, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_DISABLE_AFTER = 3
    receiver.statuses = [500]
    admin = member(org_a, Role.ADMIN)
    other_admin = member(org_a, Role.ADMIN)
    officer = member(org_a, Role.OFFICER)
    _register(api_for, admin, org_a, receiver.url)
    with tenant_context(org_a.pk):
        for n in range(2):
            _new_asset(org_a, admin, name=f"Model {n}")
        first, second = WebhookDelivery.objects.order_by("pk")
    with django_capture_on_commit_callbacks(execute=True):
        for delivery_id in (first.pk, first.pk, second.pk):
            deliver.apply(kwargs={"organization_id": org_a.pk, "delivery_id": delivery_id})
    with tenant_context(org_a.pk):
        endpoint = WebhookEndpoint.objects.get()
        statuses = set(WebhookDelivery.objects.values_list("status", flat=True))
    assert not endpoint.active and endpoint.disabled_at is not None
    assert "3 failed attempts" in endpoint.disabled_reason
    assert statuses == {DeliveryStatus.FAILED}  # nothing left pending for a dead endpoint
    (notice,) = [m for m in mail.outbox if "switched off" in m.subject]
    assert set(notice.to) == {admin.email, other_admin.email}
    assert officer.email not in notice.to
    assert receiver.url in notice.body

    # Switching it on again starts the count afresh; a redelivery then gets through.
    receiver.statuses = [200]
    client = api_for(user=admin)
    patched = client.patch(
        f"/api/v1/orgs/{org_a.slug}/webhooks/{endpoint.pk}/", {"active": True}, format="json"
    )
    assert patched.status_code == 200 and patched.json()["consecutive_failures"] == 0
    redone = client.post(f"/api/v1/orgs/{org_a.slug}/webhook-deliveries/{first.pk}/redeliver/")
    assert redone.status_code == 202 and redone.json()["status"] == "pending"
    deliver.apply(kwargs={"organization_id": org_a.pk, "delivery_id": first.pk})
    with tenant_context(org_a.pk):
        first.refresh_from_db()
        assert first.status == DeliveryStatus.SUCCEEDED
        assert first.attempts.count() == 3  # earlier attempts stay on the record
        assert first.redelivered_by_id == admin.pk


def test_redeliver_from_the_ui(org_a, member, client_for, api_for, receiver):
    admin = member(org_a, Role.ADMIN)
    _register(api_for, admin, org_a, receiver.url)
    with tenant_context(org_a.pk):
        _new_asset(org_a, admin)
        delivery = WebhookDelivery.objects.get()
    deliver.apply(kwargs={"organization_id": org_a.pk, "delivery_id": delivery.pk})
    client = client_for(admin)
    page = client.get(f"/o/{org_a.slug}/settings/webhook-deliveries/{delivery.pk}/")
    assert page.status_code == 200 and b"Redeliver now" in page.content
    response = client.post(f"/o/{org_a.slug}/settings/webhook-deliveries/{delivery.pk}/redeliver/")
    assert response.status_code == 302
    deliver.apply(kwargs={"organization_id": org_a.pk, "delivery_id": delivery.pk})
    assert len(receiver.received) == 2
    assert (
        receiver.received[0].headers["Guardrail-Event-Id"]
        == (receiver.received[1].headers["Guardrail-Event-Id"])
    )
    with tenant_context(org_a.pk):
        (event,) = AuditEvent.objects.filter(table_name="isms_webhookdelivery", action="update")
    assert "redelivered_at" in event.changes  # who asked for it again is on the record


# --- the secret -------------------------------------------------------------------------------


def test_the_secret_is_shown_once_and_never_in_reads_or_the_audit_trail(
    org_a, member, api_for, client_for, receiver
):
    admin = member(org_a, Role.ADMIN)
    client = api_for(user=admin)
    created = _register(api_for, admin, org_a, receiver.url)
    secret = created["signing_secret"]
    assert secret.startswith("whsec_") and len(secret) > 40
    base = f"/api/v1/orgs/{org_a.slug}/webhooks/"
    rotated = client.post(f"{base}{created['id']}/rotate-secret/").json()["signing_secret"]
    assert rotated != secret
    for url in (base, f"{base}{created['id']}/", f"{base}{created['id']}/"):
        body = client.get(url).content.decode()
        assert "signing_secret" not in body and secret not in body and rotated not in body
    ui = client_for(admin)
    for url in (
        f"/o/{org_a.slug}/settings/webhooks/",
        f"/o/{org_a.slug}/settings/webhooks/{created['id']}/",
    ):
        page = ui.get(url).content.decode()
        assert secret not in page and rotated not in page
    trail = client.get(f"/api/v1/orgs/{org_a.slug}/audit-events/", {"page_size": 200}).content
    assert secret.encode() not in trail and rotated.encode() not in trail
    with tenant_context(org_a.pk):
        events = AuditEvent.objects.filter(table_name="isms_webhookendpoint")
        assert events.count() == 2  # created, then the secret rotated
        for event in events:
            assert event.changes["signing_secret"][1] == "(hidden)"
            assert secret not in json.dumps(event.changes)
            assert rotated not in json.dumps(event.changes)
    # The UI shows a new secret once, on the answer to its creation.
    shown = ui.post(
        f"/o/{org_a.slug}/settings/webhooks/",
        {"url": receiver.url, "event_types": EVENTS, "active": "on", "allow_internal": "on"},
    )
    assert shown.status_code == 200 and b"whsec_" in shown.content
    assert b"whsec_" not in ui.get(f"/o/{org_a.slug}/settings/webhooks/").content


# --- who may ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.OFFICER, Role.CONTRIBUTOR, Role.AUDITOR])
def test_only_admins_and_read_write_keys_see_webhooks(role, org_a, member, api_for, api_key_for):
    url = f"/api/v1/orgs/{org_a.slug}/webhooks/"
    assert api_for(user=member(org_a, role)).get(url).status_code == 403
    assert api_for(api_token=api_key_for(org_a, access="read")).get(url).status_code == 403
    assert api_for(api_token=api_key_for(org_a, access="read_write")).get(url).status_code == 200


def test_another_organisation_cannot_list_read_change_redeliver_or_detect(
    org_a, org_b, member, api_for, client_for, receiver
):
    admin_a = member(org_a, Role.ADMIN)
    created = _register(api_for, admin_a, org_a, receiver.url)
    with tenant_context(org_a.pk):
        _new_asset(org_a, admin_a)
        delivery = WebhookDelivery.objects.get()
    admin_b = member(org_b, Role.ADMIN)
    api_b = api_for(user=admin_b)
    base = f"/api/v1/orgs/{org_b.slug}"
    assert api_b.get(f"{base}/webhooks/").json()["results"] == []
    assert api_b.get(f"{base}/webhook-deliveries/").json()["results"] == []
    missing = 987_654_321
    for path, method in [
        ("webhooks/{}/", "get"),
        ("webhooks/{}/", "patch"),
        ("webhooks/{}/", "delete"),
        ("webhooks/{}/rotate-secret/", "post"),
        ("webhooks/{}/ping/", "post"),
        ("webhook-deliveries/{}/", "get"),
        ("webhook-deliveries/{}/redeliver/", "post"),
    ]:
        pk = created["id"] if path.startswith("webhooks/") else delivery.pk
        theirs = getattr(api_b, method)(f"{base}/{path.format(pk)}", {}, format="json")
        unknown = getattr(api_b, method)(f"{base}/{path.format(missing)}", {}, format="json")
        assert theirs.status_code == 404, (path, method, theirs.status_code)
        assert theirs.content == unknown.content
    # A's slug is not B's to use, and B's UI answers A's ids like missing ones.
    assert api_b.get(f"/api/v1/orgs/{org_a.slug}/webhooks/").status_code == 404
    ui_b = client_for(admin_b)
    for path in (
        f"webhooks/{created['id']}/",
        f"webhook-deliveries/{delivery.pk}/",
    ):
        assert ui_b.get(f"/o/{org_b.slug}/settings/{path}").status_code == 404
    assert ui_b.post(f"/o/{org_b.slug}/settings/webhooks/{created['id']}/ping/").status_code == 404
    with tenant_context(org_a.pk):
        assert signing.secret_of(WebhookEndpoint.objects.get()) == created["signing_secret"]
        assert WebhookDelivery.objects.count() == 1
    # B's own events never go to A's endpoint.
    with tenant_context(org_b.pk):
        _new_asset(org_b, admin_b)
        assert not WebhookDelivery.objects.exists()


def test_the_ui_pages_render_for_an_admin(org_a, member, client_for, api_for, receiver):
    admin = member(org_a, Role.ADMIN)
    created = _register(api_for, admin, org_a, receiver.url, description="Registry sync")
    client = client_for(admin)
    listing = client.get(f"/o/{org_a.slug}/settings/webhooks/")
    assert listing.status_code == 200 and b"Registry sync" in listing.content
    detail = client.get(f"/o/{org_a.slug}/settings/webhooks/{created['id']}/")
    assert detail.status_code == 200 and b"Rotate signing secret" in detail.content
    saved = client.post(
        f"/o/{org_a.slug}/settings/webhooks/{created['id']}/",
        {"url": receiver.url, "event_types": ["asset.changed"], "allow_internal": "on"},
    )
    assert saved.status_code == 302
    with tenant_context(org_a.pk):
        endpoint = WebhookEndpoint.objects.get()
    assert endpoint.event_types == ["asset.changed"] and not endpoint.active
    # Rotating from the UI: a redirect, then the new secret on the page once.
    rotate = client.post(f"/o/{org_a.slug}/settings/webhooks/{created['id']}/rotate-secret/")
    assert rotate.status_code == 302
    with tenant_context(org_a.pk):
        secret = signing.secret_of(WebhookEndpoint.objects.get())
    assert secret != created["signing_secret"]
    assert secret.encode() in client.get(rotate.url).content
    assert secret.encode() not in client.get(rotate.url).content


def test_retry_delay_doubles(settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30
    delays = [services.retry_delay(n) for n in (1, 2, 3, 8)]
    assert delays == [timedelta(seconds=s) for s in (30, 60, 120, 3840)]


# --- the signing secret at rest (isms.secrets_at_rest) -----------------------------------------


def test_the_signing_secret_is_stored_encrypted_and_never_in_the_database_in_clear(
    org_a, member, api_for, receiver
):
    admin = member(org_a, Role.ADMIN)
    created = _register(api_for, admin, org_a, receiver.url)
    plain = created["signing_secret"]
    with tenant_context(org_a.pk):
        stored = WebhookEndpoint.objects.values_list("signing_secret", flat=True).get()
    assert plain.startswith("whsec_") and plain not in stored and not stored.startswith("whsec_")
    # A token of this purpose does not decrypt as another kind of secret.
    with pytest.raises(secrets_at_rest.SecretUnreadable):
        secrets_at_rest.decrypt(stored, secrets_at_rest.Purpose.SSO_CLIENT_SECRET)


def test_a_changed_secret_key_names_the_unreadable_secret_and_a_fallback_key_still_signs(
    org_a, member, api_for, receiver, settings
):
    admin = member(org_a, Role.ADMIN)
    receiver.secret = _register(api_for, admin, org_a, receiver.url)["signing_secret"]
    with tenant_context(org_a.pk):
        _new_asset(org_a, admin)
        delivery = WebhookDelivery.objects.get()
    old_key = settings.SECRET_KEY

    settings.SECRET_KEY = "another-secret-key-" + "x" * 40
    settings.SECRET_KEY_FALLBACKS = []
    deliver.apply(kwargs={"organization_id": org_a.pk, "delivery_id": delivery.pk}).get()
    with tenant_context(org_a.pk):
        (attempt,) = WebhookAttempt.objects.filter(delivery=delivery)
    assert attempt.outcome == AttemptOutcome.SECRET_UNREADABLE
    assert "webhook signing secret cannot be decrypted" in attempt.error
    assert receiver.received == []  # nothing unsigned or wrongly signed was sent

    settings.SECRET_KEY_FALLBACKS = [old_key]  # SECRET_KEY rotated the documented way
    with tenant_context(org_a.pk):
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    deliver.apply(kwargs={"organization_id": org_a.pk, "delivery_id": delivery.pk}).get()
    assert [r.verified for r in receiver.received] == [True]


def test_the_migration_encrypts_secrets_stored_in_clear(org_a, org_b):
    """Endpoints registered before the secrets were encrypted keep their secret: receivers
    keep verifying (isms/migrations/0018_webhook_secret_encrypted)."""
    import importlib
    from types import SimpleNamespace

    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    migration = importlib.import_module("isms.migrations.0018_webhook_secret_encrypted")
    for organization, plain in ((org_a, "whsec_plain-a"), (org_b, "whsec_plain-b")):
        with tenant_context(organization.pk):
            WebhookEndpoint.objects.create(
                organization=organization,
                url="https://hooks.example.com/old",
                event_types=["asset.created"],
                signing_secret=plain,
            )

    state = MigrationLoader(connection).project_state(("isms", "0018_webhook_secret_encrypted"))
    migration.encrypt_plain_secrets(state.apps, SimpleNamespace(connection=connection))

    for organization, plain in ((org_a, "whsec_plain-a"), (org_b, "whsec_plain-b")):
        with tenant_context(organization.pk):
            endpoint = WebhookEndpoint.objects.get()
        assert endpoint.signing_secret != plain
        assert signing.secret_of(endpoint) == plain
