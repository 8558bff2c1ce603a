"""Pickers that scale (issue 17, item 8): a member, supplier, asset or control is chosen by
typing, and no page lists every option.

ISO/IEC 27001:2022 control 5.9 gives every asset an owner: in an organisation of 10,000
members the owner picker must still be usable and the page must stay small. The search
endpoints are organisation pages like any other (scopes, tenant context, policy layer): another
organisation's members and suppliers never appear, and its slug answers 404.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from isms.models import Membership, Role
from isms.pickers import PAGE, SOURCES
from tests.assets.factories import AssetFactory
from tests.browser import await_answer, log_in, open_picker
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.suppliers.factories import SupplierFactory

User = get_user_model()


def _member(org, role=Role.OFFICER, **names):
    return MembershipFactory(organization=org, role=role, user=UserFactory(**names)).user


def _pick(client, slug: str, source: str, **params):
    response = client.get(f"/o/{slug}/pick/{source}/", params)
    return response, (
        response.json() if response["Content-Type"].startswith("application/json") else None
    )


def test_every_picker_source_has_an_endpoint_that_declares_its_scope():
    from tests.routes import ui_routes

    routes = {r.name: r for r in ui_routes()}
    assert {"members", "suppliers", "assets", "ai_assets", "controls"} <= set(SOURCES)
    for name, source in SOURCES.items():
        assert routes[f"pick_{name}"].scopes_for("GET") == [source.scope]


def test_members_and_suppliers_of_another_organisation_never_appear(
    org_a, org_b, member, client_for, in_tenant
):
    officer = _member(org_a, first_name="Ann", last_name="Alpha")
    _member(org_b, first_name="Ann", last_name="Bravo")
    with in_tenant(org_a):
        SupplierFactory(organization=org_a, name="Annex Cloud Alpha", owner=officer)
        AssetFactory(organization=org_a, name="Annotator Alpha", owner=officer)
    with in_tenant(org_b):
        bravo = member(org_b)
        SupplierFactory(organization=org_b, name="Annex Cloud Bravo", owner=bravo)
        AssetFactory(organization=org_b, name="Annotator Bravo", owner=bravo)
    client = client_for(officer)

    for source in ("members", "suppliers", "assets"):
        response, body = _pick(client, "alpha", source, q="ann")
        assert response.status_code == 200
        texts = [r["text"] for r in body["results"]]
        assert texts and all("Bravo" not in t for t in texts), (source, texts)
        assert any("Alpha" in t for t in texts), (source, texts)
        # Another organisation's slug answers like an unknown one.
        assert client.get(f"/o/bravo/pick/{source}/", {"q": "ann"}).status_code == 404
        assert client.get(f"/o/nowhere/pick/{source}/", {"q": "ann"}).status_code == 404


def test_the_owner_scope_leaves_auditors_out_and_bad_input_is_a_400(org_a, member, client_for):
    officer = _member(org_a, first_name="Olive", last_name="Officer")
    _member(org_a, role=Role.AUDITOR, first_name="Otto", last_name="Auditor")
    client = client_for(officer)
    _, everyone = _pick(client, "alpha", "members", q="o")
    _, owners = _pick(client, "alpha", "members", q="o", scope="records:own")
    assert {r["text"].split(" <")[0] for r in everyone["results"]} >= {
        "Olive Officer",
        "Otto Auditor",
    }
    assert [r["text"].split(" <")[0] for r in owners["results"]] == ["Olive Officer"]

    response, body = _pick(client, "alpha", "members", scope="everything")
    assert response.status_code == 400 and "scope" in body["errors"]
    response, body = _pick(client, "alpha", "suppliers", scope="records:own")
    assert response.status_code == 400 and "scope" in body["errors"]
    response, body = _pick(client, "alpha", "members", q="x" * 101)
    assert response.status_code == 400 and "q" in body["errors"]


def test_controls_are_searched_by_reference_and_title(org_a, member, client_for):
    from isms.models import Control, Framework

    framework = Framework.objects.create(code="ISO27001", name="ISO/IEC 27001:2022 Annex A")
    Control.objects.create(
        framework=framework,
        ref="A.5.9",
        group="Organizational",
        title="Inventory of information",
        description="x",
    )
    Control.objects.create(
        framework=framework,
        ref="A.8.32",
        group="Technological",
        title="Change management",
        description="x",
    )
    _, body = _pick(client_for(member(org_a)), "alpha", "controls", q="change")
    assert [r["text"] for r in body["results"]] == ["ISO27001 A.8.32 Change management"]


def _ten_thousand_members(org) -> None:
    users = User.objects.bulk_create(
        User(
            username=f"m{i:05d}@big.test",
            email=f"m{i:05d}@big.test",
            first_name=f"Member{i:05d}",
            last_name="Big",
        )
        for i in range(10_000)
    )
    Membership.objects.bulk_create(
        Membership(organization=org, user=u, role=Role.CONTRIBUTOR) for u in users
    )


def test_the_member_picker_with_ten_thousand_members_answers_small_in_one_query(
    org_a, member, client_for, django_assert_max_num_queries
):
    officer = member(org_a)
    _ten_thousand_members(org_a)
    client = client_for(officer)
    _pick(client, "alpha", "members", q="member")  # warm the session and access caches
    with CaptureQueriesContext(connection) as queries:
        response, body = _pick(client, "alpha", "members", q="member0999")
    searches = [
        q
        for q in queries.captured_queries
        if "auth_user" in q["sql"] and "LIKE" in q["sql"].upper()
    ]
    assert len(searches) == 1, [q["sql"] for q in queries.captured_queries]
    assert len(queries.captured_queries) <= 8
    assert len(body["results"]) == 10 and body["more"] is False
    _, body = _pick(client, "alpha", "members", q="")
    assert len(body["results"]) == PAGE and body["more"] is True
    assert len(response.content) < 4_000


def test_the_asset_register_with_ten_thousand_members_lists_none_of_them(
    org_a, member, client_for, django_assert_max_num_queries
):
    officer = _member(org_a, first_name="Olive", last_name="Officer")
    _ten_thousand_members(org_a)
    client = client_for(officer)
    client.get("/o/alpha/assets/")
    with django_assert_max_num_queries(12):
        page = client.get("/o/alpha/assets/", {"owner": officer.pk})
    html = page.content.decode()
    assert page.status_code == 200
    assert "Member09999" not in html and len(html) < 60_000
    assert 'data-picker="members"' in html
    # The chosen owner is the one option the page carries besides "Anyone".
    assert f'<option value="{officer.pk}" selected>Olive Officer' in html


def test_a_form_renders_only_the_chosen_member(org_a, member, in_tenant):
    from risks.forms import ChangeRequestForm

    officer = _member(org_a, first_name="Olive", last_name="Officer")
    for _ in range(30):
        member(org_a)
    with in_tenant(org_a):
        form = ChangeRequestForm(initial={"approver": officer.pk})
        html = str(form["approver"])
    assert html.count("<option") == 2  # the empty choice and Olive
    assert "Olive Officer" in html and 'data-picker-scope="risks:approve"' in html


def test_picked_ids_refuse_another_organisations_rows(org_a, org_b, member, in_tenant):
    from risks.forms import RiskForm
    from risks.services.register import criteria_get

    owner = member(org_a)
    with in_tenant(org_b):
        foreign = SupplierFactory(organization=org_b, owner=member(org_b))
    with in_tenant(org_a):
        mine = SupplierFactory(organization=org_a, owner=owner)
        criteria = criteria_get()
        data = {
            "title": "T",
            "category": "ai",
            "owner": owner.pk,
            "suppliers": [mine.pk, foreign.pk],
        }
        form = RiskForm(data, criteria=criteria)
        assert not form.is_valid()
        assert str(foreign.pk) in str(form.errors["suppliers"])
        form = RiskForm({**data, "suppliers": [mine.pk, "abc"]}, criteria=criteria)
        assert not form.is_valid() and "abc" in str(form.errors["suppliers"])


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_officer_filters_the_register_by_an_owner_chosen_by_typing(browser_page, in_tenant):
    page = browser_page
    org = OrganizationFactory(name="Picker Ltd", slug="picker")
    officer = MembershipFactory(
        organization=org,
        role=Role.OFFICER,
        user=UserFactory(first_name="Olive", last_name="Officer"),
    ).user
    zed = MembershipFactory(
        organization=org,
        role=Role.CONTRIBUTOR,
        user=UserFactory(first_name="Zed", last_name="Zulu"),
    ).user
    for _ in range(40):
        MembershipFactory(organization=org, role=Role.CONTRIBUTOR)
    with in_tenant(org):
        AssetFactory(organization=org, name="Zed's model", owner=zed)
        AssetFactory(organization=org, name="Olive's dataset", owner=officer)

    log_in(page, officer.email)
    page.goto("/o/picker/assets/")
    assert page.locator("#f-owner option").count() == 1  # "Anyone": nobody listed in the page
    page.screenshot(path="/tmp/speed-picker-before.png", full_page=True)
    owner = page.locator("#f-owner-ts-control")
    open_picker(owner)
    page.keyboard.type("zul")
    await_answer(owner, "zul")
    page.get_by_role("option", name=f"Zed Zulu <{zed.email}>").click()
    page.wait_for_url(f"**owner={zed.pk}**")
    rows = page.locator("#asset-rows")
    rows.get_by_text("Zed's model").wait_for()
    assert rows.get_by_text("Olive's dataset").count() == 0
    page.screenshot(path="/tmp/speed-picker.png", full_page=True)
