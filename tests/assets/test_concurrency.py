"""The asset register under concurrent requests (issue 11), through the whole stack.

Each case fires 8 requests at the same moment (tests.concurrency.run_together: a barrier,
one thread and one database connection each, one APIClient each) and repeats REPEAT times.
No mocks and no sleeps: PostgreSQL's locks and unique index decide, as in production.

Invariants:
- 8 PATCHes of one asset, each setting a different field: all 200, all 8 values kept, the
  lifecycle untouched (isms.writes.model_update; no lost update);
- 8 triage accepts of one shadow-AI report naming 8 different owners: exactly one 200, seven
  409 `invalid_transition`; the asset has the winner's owner, only that owner holds grants,
  and one TransitionRecord;
- accepts and dismisses of one report at once: exactly one wins; the final state matches it;
- 8 upserts with one external id: one 201 and seven 200, one asset, never a 400 or 5xx;
- an AI change request approved (lifecycle moved by another connection) while the asset is
  edited: the edit never writes the lifecycle back (API, service and UI form).
"""

from __future__ import annotations

import threading

import pytest
from django.test import Client
from rest_framework.test import APIClient

from assets import services
from assets.models import Asset, AssetType, AssetUserObjectPermission, Lifecycle, Triage
from isms.access import Actor
from isms.models import Membership, Role, TransitionRecord
from isms.services.api_keys import api_key_create
from isms.tenancy import tenant_context
from tests.concurrency import run_together, statuses
from tests.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db(transaction=True)

REPEAT = 5
N = 8


def _officer_actor(org, user) -> Actor:
    membership = Membership.objects.select_related("organization", "user").get(
        user=user, organization=org
    )
    return Actor.for_membership(membership)


def _clients(user, n: int = N) -> list[APIClient]:
    clients = []
    for _ in range(n):
        client = APIClient()
        client.force_login(user)
        clients.append(client)
    return clients


@pytest.fixture
def world():
    org = OrganizationFactory()
    officer = MembershipFactory(organization=org, role=Role.OFFICER).user
    contributors = [
        MembershipFactory(organization=org, role=Role.CONTRIBUTOR).user for _ in range(N)
    ]
    return {
        "org": org,
        "officer": officer,
        "contributors": contributors,
        "actor": _officer_actor(org, officer),
        "base": f"/api/v1/orgs/{org.slug}/",
    }


# 8 different fields, each set by one of the 8 parallel requests.
PATCH_FIELDS = [
    ("description", lambda i: f"description {i}"),
    ("model_provider", lambda i: f"provider {i}"),
    ("model_version", lambda i: f"v{i}"),
    ("concern_contact", lambda i: f"concerns-{i}@example.test"),
    ("known_limitations", lambda i: f"limitations {i}"),
    ("intended_purpose", lambda i: f"purpose {i}"),
    ("transparency_notice_text", lambda i: f"notice {i}"),
    ("tags", lambda i: [f"tag-{i}"]),
]


def test_parallel_patches_of_different_fields_all_keep_their_value(world):
    org = world["org"]
    with tenant_context(org.pk):
        # In pilot already (through an approved AI change request: the gate is risks').
        asset = services.asset_create(
            actor=world["actor"],
            name="Assistant",
            asset_type=AssetType.AI_SAAS_TOOL,
            owner=world["contributors"][0],
        )
        Asset.objects.filter(pk=asset.pk).update(lifecycle=Lifecycle.PILOT)
    url = f"{world['base']}assets/{asset.pk}/"
    clients = _clients(world["officer"])
    for rep in range(REPEAT):
        bodies = [{f: make(rep)} for f, make in PATCH_FIELDS]
        calls = [
            (lambda c=c, body=body: c.patch(url, body, format="json"))
            for c, body in zip(clients, bodies, strict=True)
        ]
        assert statuses(run_together(calls)) == [200] * N
        with tenant_context(org.pk):
            stored = Asset.objects.get(pk=asset.pk)
        for field, make in PATCH_FIELDS:
            assert getattr(stored, field) == make(rep), (rep, field)
        assert stored.lifecycle == Lifecycle.PILOT
        # Model, version and purpose edits of an AI asset in pilot reopened the AI change gate.
        assert stored.change_required_since is not None


def _report(world, name: str) -> Asset:
    with tenant_context(world["org"].pk):
        return services.shadow_ai_report(
            actor=_officer_actor(world["org"], world["contributors"][0]),
            name=name,
            used_by="Sales",
            purpose="Drafting",
            data_going_in="Names",
        )


def _grant_holders(org, asset) -> set[int]:
    with tenant_context(org.pk):
        return set(
            AssetUserObjectPermission.objects.filter(content_object=asset).values_list(
                "user_id", flat=True
            )
        )


def test_parallel_triage_accepts_one_wins_and_only_its_owner_holds_grants(world):
    org = world["org"]
    clients = _clients(world["officer"])
    owners = world["contributors"]
    for rep in range(REPEAT):
        report = _report(world, f"Tool {rep}")
        url = f"{world['base']}shadow-ai-reports/{report.pk}/accept/"
        calls = [
            (lambda c=c, o=o, url=url: c.post(url, {"owner": o.pk}, format="json"))
            for c, o in zip(clients, owners, strict=True)
        ]
        outcomes = run_together(calls)
        codes = statuses(outcomes)
        assert sorted(codes) == [200] + [409] * (N - 1), codes
        refused = [o.value.json()["code"] for o in outcomes if o.value.status_code == 409]
        assert set(refused) == {"invalid_transition"}
        winner = next(o.value.json() for o in outcomes if o.value.status_code == 200)
        with tenant_context(org.pk):
            stored = Asset.objects.get(pk=report.pk)
            records = TransitionRecord.objects.filter(
                table_name=Asset._meta.db_table, object_id=str(report.pk), transition="accept"
            ).count()
        assert stored.triage_status == Triage.ACCEPTED
        assert stored.owner_id == winner["owner"]
        assert records == 1
        # The overwritten "owners" of the old code kept edit rights; now only one owner exists.
        assert _grant_holders(org, stored) == {stored.owner_id}


def test_accept_and_dismiss_at_once_one_wins(world):
    org = world["org"]
    clients = _clients(world["officer"])
    for rep in range(REPEAT):
        report = _report(world, f"Either {rep}")
        accept = f"{world['base']}shadow-ai-reports/{report.pk}/accept/"
        dismiss = f"{world['base']}shadow-ai-reports/{report.pk}/dismiss/"
        calls = []
        for i, client in enumerate(clients):
            if i % 2:
                calls.append(
                    lambda c=client, u=dismiss: c.post(u, {"reason": "dup"}, format="json")
                )
            else:
                owner = world["contributors"][i].pk
                calls.append(
                    lambda c=client, o=owner, u=accept: c.post(u, {"owner": o}, format="json")
                )
        outcomes = run_together(calls)
        codes = statuses(outcomes)
        assert codes.count(200) == 1 and codes.count(409) == N - 1, codes
        won = next(i for i, code in enumerate(codes) if code == 200)
        with tenant_context(org.pk):
            stored = Asset.objects.get(pk=report.pk)
        if won % 2:
            assert stored.triage_status == Triage.DISMISSED and stored.owner_id is None
            assert _grant_holders(org, stored) == set()
        else:
            assert stored.triage_status == Triage.ACCEPTED
            assert stored.owner_id == world["contributors"][won].pk
            assert _grant_holders(org, stored) == {stored.owner_id}


def test_parallel_upserts_with_one_external_id_make_one_asset(world):
    org = world["org"]
    token = api_key_create(organization=org, actor=None, name="sync", access="read_write").token
    clients = []
    for _ in range(N):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        clients.append(client)
    url = f"{world['base']}assets/upsert/"
    for rep in range(REPEAT):
        payload = {
            "external_id": f"sso-{rep}",
            "name": f"Synced {rep}",
            "asset_type": "ai_saas_tool",
            "owner": world["contributors"][1].pk,
            "tags": ["sso"],
        }
        outcomes = run_together(
            [lambda c=c, p=payload: c.post(url, p, format="json") for c in clients]
        )
        codes = statuses(outcomes)
        assert sorted(codes) == [200] * (N - 1) + [201], [o.value.content for o in outcomes]
        ids = {o.value.json()["id"] for o in outcomes}
        with tenant_context(org.pk):
            assert Asset.objects.filter(external_id=f"sso-{rep}").count() == 1
        assert len(ids) == 1


# --- the gate race, the assets side ------------------------------------------------------------


def _move_to_production_elsewhere(org, asset_id: int) -> None:
    """What an approved AI change request does, from another database connection."""

    def work():
        from django.db import connection

        try:
            with tenant_context(org.pk):
                Asset.objects.filter(pk=asset_id).update(lifecycle=Lifecycle.PRODUCTION)
        finally:
            connection.close()

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(30)


def test_an_edit_never_writes_back_a_lifecycle_moved_meanwhile(world):
    org = world["org"]
    with tenant_context(org.pk):
        asset = services.asset_create(
            actor=world["actor"],
            name="Gated",
            asset_type=AssetType.AI_MODEL,
            owner=world["contributors"][0],
        )
        Asset.objects.filter(pk=asset.pk).update(lifecycle=Lifecycle.PILOT)  # approved earlier
        stale = Asset.objects.get(pk=asset.pk)
    assert stale.lifecycle == Lifecycle.PILOT

    # The service, given the instance read before the approval:
    _move_to_production_elsewhere(org, asset.pk)
    with tenant_context(org.pk):
        services.asset_update(actor=world["actor"], asset=stale, description="edited")
        stored = Asset.objects.get(pk=asset.pk)
    assert (stored.lifecycle, stored.description) == (Lifecycle.PRODUCTION, "edited")

    # The API: a PATCH of another field.
    with tenant_context(org.pk):
        Asset.objects.filter(pk=asset.pk).update(lifecycle=Lifecycle.PILOT)
    client = _clients(world["officer"], 1)[0]
    _move_to_production_elsewhere(org, asset.pk)
    r = client.patch(f"{world['base']}assets/{asset.pk}/", {"model_version": "2"}, format="json")
    assert r.status_code == 200 and r.json()["lifecycle"] == Lifecycle.PRODUCTION

    # The UI: the edit form was loaded while the asset was in pilot; the user changes only
    # the description and saves after the approval moved it.
    with tenant_context(org.pk):
        Asset.objects.filter(pk=asset.pk).update(lifecycle=Lifecycle.PILOT)
    browser = Client()
    browser.force_login(world["officer"])
    edit = f"/o/{org.slug}/assets/{asset.pk}/edit/"
    page = browser.get(edit)
    assert page.status_code == 200
    form = page.context["form"]
    data = {}
    for bound in form:
        value = bound.value()
        initial = form.get_initial_for_field(bound.field, bound.name)
        for key, v in ((bound.html_name, value), (bound.html_initial_name, initial)):
            if v is None or v is False:
                continue
            data[key] = bound.field.prepare_value(v) if not isinstance(v, list) else v
    assert data["lifecycle"] == data["initial-lifecycle"] == Lifecycle.PILOT
    assert b'name="initial-lifecycle"' in page.content
    data["description"] = "edited in the browser"
    _move_to_production_elsewhere(org, asset.pk)
    r = browser.post(edit, data)
    assert r.status_code == 302, r.content.decode()[:2000]
    with tenant_context(org.pk):
        stored = Asset.objects.get(pk=asset.pk)
    assert stored.description == "edited in the browser"
    assert stored.lifecycle == Lifecycle.PRODUCTION
