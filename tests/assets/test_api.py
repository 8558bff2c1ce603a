import pytest

from assets.models import Asset
from isms.models import Role
from tests.assets.factories import AssetFactory
from tests.factories import make_object
from tests.suppliers.factories import SupplierFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(org_a, member, api_for):
    officer = member(org_a, Role.OFFICER)
    owner = member(org_a, Role.CONTRIBUTOR)
    other = member(org_a, Role.CONTRIBUTOR)
    return {
        "officer": officer,
        "owner": owner,
        "other": other,
        "officer_api": api_for(user=officer),
        "owner_api": api_for(user=owner),
        "other_api": api_for(user=other),
        "url": f"/api/v1/orgs/{org_a.slug}/assets/",
        "slug": org_a.slug,
    }


def _create(client, url, owner, **kw):
    payload = {"name": "Copilot", "asset_type": "ai_saas_tool", "owner": owner.pk, **kw}
    return client.post(url, payload, format="json")


def test_create_read_and_list(setup, org_a, in_tenant):
    with in_tenant(org_a):
        supplier = SupplierFactory(owner=setup["officer"])
    r = _create(
        setup["officer_api"],
        setup["url"],
        setup["owner"],
        data_categories=["source_code"],
        supplier=supplier.pk,
        tags=["dev", "dev"],
    )
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["owner"] == setup["owner"].pk and body["is_ai"] is True
    assert body["tags"] == ["dev"] and body["risk_tier"] == "unassessed"
    listed = setup["owner_api"].get(setup["url"], {"data_category": "source_code"}).json()
    assert [a["name"] for a in listed["results"]] == ["Copilot"]
    assert setup["owner_api"].get(setup["url"], {"data_category": "personal"}).json()["count"] == 0


def test_owner_from_another_org_is_400_without_revealing(setup, org_b, member):
    stranger = member(org_b, Role.ADMIN)
    foreign = _create(setup["officer_api"], setup["url"], stranger)
    missing = setup["officer_api"].post(
        setup["url"], {"name": "x", "asset_type": "ai_model", "owner": 999999}, format="json"
    )
    assert foreign.status_code == missing.status_code == 400
    assert foreign.json()["errors"]["owner"] == [
        f"No active member with user id {stranger.pk} in this organisation."
    ]
    assert stranger.email not in foreign.content.decode()


def test_patch_lifecycle_production_for_ai_is_409(setup):
    asset = _create(setup["officer_api"], setup["url"], setup["owner"]).json()
    r = setup["officer_api"].patch(
        f"{setup['url']}{asset['id']}/", {"lifecycle": "production"}, format="json"
    )
    assert r.status_code == 409
    assert "AI change request" in r.json()["detail"]
    assert r.json()["errors"]["lifecycle"]
    again = setup["officer_api"].get(f"{setup['url']}{asset['id']}/").json()
    assert again["lifecycle"] == "proposed"
    db = _create(
        setup["officer_api"], setup["url"], setup["owner"], name="DB", asset_type="database"
    )
    r = setup["owner_api"].patch(
        f"{setup['url']}{db.json()['id']}/", {"lifecycle": "production"}, format="json"
    )
    assert r.status_code == 200 and r.json()["lifecycle"] == "production"


def test_forbidden_transition_is_409(setup):
    db = _create(
        setup["officer_api"],
        setup["url"],
        setup["owner"],
        asset_type="database",
        lifecycle="retired",
    )
    r = setup["officer_api"].patch(
        f"{setup['url']}{db.json()['id']}/", {"lifecycle": "pilot"}, format="json"
    )
    assert r.status_code == 409 and "cannot move from Retired to Pilot" in r.json()["detail"]


def test_contributor_cannot_edit_another_owners_asset(setup):
    asset = _create(setup["officer_api"], setup["url"], setup["owner"]).json()
    url = f"{setup['url']}{asset['id']}/"
    assert (
        setup["other_api"].patch(url, {"description": "hijack"}, format="json").status_code == 403
    )
    assert setup["other_api"].post(f"{url}retire/").status_code == 403
    r = setup["owner_api"].patch(url, {"description": "mine"}, format="json")
    assert r.status_code == 200 and r.json()["description"] == "mine"
    assert setup["owner_api"].post(f"{url}retire/").json()["lifecycle"] == "retired"
    assert setup["owner_api"].delete(url).status_code == 405  # retire, never delete


def test_auditor_reads_but_cannot_write(setup, org_a, member, api_for):
    asset = _create(setup["officer_api"], setup["url"], setup["owner"]).json()
    auditor = api_for(user=member(org_a, Role.AUDITOR))
    assert auditor.get(f"{setup['url']}{asset['id']}/").status_code == 200
    r = auditor.patch(f"{setup['url']}{asset['id']}/", {"name": "x"}, format="json")
    assert r.status_code == 403 and "scope" in r.json()["detail"]


def test_upsert_is_idempotent_and_gated(setup, api_key_for, api_for, org_a):
    client = api_for(api_token=api_key_for(org_a, access="read_write"))
    payload = {
        "external_id": "okta-0oa1",
        "name": "Otter.ai",
        "asset_type": "ai_saas_tool",
        "owner": setup["owner"].pk,
    }
    first = client.post(f"{setup['url']}upsert/", payload, format="json")
    second = client.post(f"{setup['url']}upsert/", payload, format="json")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert first.json()["source"] == "integration"
    changed = client.post(
        f"{setup['url']}upsert/", {"external_id": "okta-0oa1", "name": "Otter"}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["name"] == "Otter"
    gated = client.post(
        f"{setup['url']}upsert/",
        {"external_id": "okta-0oa1", "lifecycle": "production"},
        format="json",
    )
    assert gated.status_code == 409
    incomplete = client.post(f"{setup['url']}upsert/", {"external_id": "new-1"}, format="json")
    assert incomplete.status_code == 400 and set(incomplete.json()["errors"]) == {
        "name",
        "asset_type",
        "owner",
    }
    assert client.get(setup["url"], {"external_id": "okta-0oa1"}).json()["count"] == 1


def test_bulk_actions(setup):
    ids = [
        _create(setup["officer_api"], setup["url"], setup["owner"], name=n, asset_type=t).json()[
            "id"
        ]
        for n, t in [("A", "application"), ("B", "ai_agent")]
    ]
    bulk = f"{setup['url']}bulk/"
    r = setup["officer_api"].post(bulk, {"assets": ids, "lifecycle": "production"}, format="json")
    assert r.status_code == 409 and "B" in r.json()["detail"]
    r = setup["officer_api"].post(
        bulk, {"assets": ids, "classification": "restricted"}, format="json"
    )
    assert r.json() == {"updated": 2}
    r = setup["other_api"].post(bulk, {"assets": ids, "owner": setup["other"].pk}, format="json")
    assert r.status_code == 403
    r = setup["officer_api"].post(bulk, {"assets": ids, "owner": setup["other"].pk}, format="json")
    assert r.json() == {"updated": 2}


def test_dependencies_cycle_and_permissions(setup):
    a, b = (
        _create(setup["officer_api"], setup["url"], setup["owner"], name=n).json()["id"]
        for n in ("Model", "Data")
    )
    url = f"/api/v1/orgs/{setup['slug']}/asset-dependencies/"
    r = setup["owner_api"].post(
        url, {"asset": a, "depends_on": b, "kind": "trained_on"}, format="json"
    )
    assert r.status_code == 201 and r.json()["sentence"] == "Model trained on Data"
    r = setup["owner_api"].post(url, {"asset": b, "depends_on": a, "kind": "feeds"}, format="json")
    assert r.status_code == 400
    assert r.json()["errors"]["depends_on"] == [
        "This dependency would make a cycle: Data → Model → Data."
    ]
    r = setup["other_api"].post(url, {"asset": b, "depends_on": a, "kind": "uses"}, format="json")
    assert r.status_code == 403
    listed = setup["other_api"].get(url, {"involving": b}).json()
    assert listed["count"] == 1


def test_evaluation_with_evidence_file(setup):
    from django.core.files.uploadedfile import SimpleUploadedFile

    a = _create(setup["officer_api"], setup["url"], setup["owner"], asset_type="ai_model").json()[
        "id"
    ]
    url = f"/api/v1/orgs/{setup['slug']}/asset-evaluations/"
    data = {
        "asset": a,
        "kind": "bias",
        "performed_on": "2025-02-01",
        "method": "Parity",
        "result": "OK",
        "passed": "true",
        "evidence": SimpleUploadedFile("report.pdf", b"%PDF-1.4 x", content_type="application/pdf"),
    }
    r = setup["owner_api"].post(url, data, format="multipart")
    assert r.status_code == 201, r.json()
    assert "/assets/evaluations/" in r.json()["evidence"]
    data["evidence"] = SimpleUploadedFile("r.pdf", b"x")
    assert setup["other_api"].post(url, data, format="multipart").status_code == 403


def test_shadow_ai_report_and_triage(setup):
    base = f"/api/v1/orgs/{setup['slug']}/shadow-ai-reports/"
    r = setup["other_api"].post(
        base,
        {
            "name": "DeepL",
            "used_by": "Legal",
            "purpose": "Translating contracts",
            "data_going_in": "Contracts",
            "data_categories": ["confidential_business"],
        },
        format="json",
    )
    assert r.status_code == 201, r.json()
    report = r.json()
    assert report["triage_status"] == "pending" and report["owner"] is None
    queue = setup["officer_api"].get(setup["url"], {"triage_status": "pending"}).json()
    assert [a["name"] for a in queue["results"]] == ["DeepL"]
    assert setup["officer_api"].get(setup["url"]).json()["count"] == 0  # not yet in the register
    r = setup["other_api"].post(
        f"{base}{report['id']}/accept/", {"owner": setup["owner"].pk}, format="json"
    )
    assert r.status_code == 403
    r = setup["officer_api"].post(
        f"{base}{report['id']}/accept/", {"owner": setup["owner"].pk}, format="json"
    )
    assert r.status_code == 200 and r.json()["triage_status"] == "accepted"
    r = setup["officer_api"].post(
        f"{base}{report['id']}/dismiss/", {"reason": "dup"}, format="json"
    )
    assert r.status_code == 409


def test_other_orgs_asset_is_404_and_references_400(setup, org_b):
    foreign = make_object(Asset, org_b)
    assert setup["officer_api"].get(f"{setup['url']}{foreign.pk}/").status_code == 404
    mine = _create(setup["officer_api"], setup["url"], setup["owner"]).json()["id"]
    r = setup["officer_api"].post(
        f"/api/v1/orgs/{setup['slug']}/asset-dependencies/",
        {"asset": mine, "depends_on": foreign.pk, "kind": "uses"},
        format="json",
    )
    assert r.status_code == 400
    assert r.json()["errors"]["depends_on"] == [
        f"No asset with id {foreign.pk} in this organisation."
    ]


def test_list_query_count_is_flat(setup, org_a, in_tenant, django_assert_max_num_queries):
    def fill(n):
        with in_tenant(org_a):
            AssetFactory.create_batch(n, owner=setup["owner"], organization=org_a)

    fill(10)
    with django_assert_max_num_queries(12) as small:
        assert setup["officer_api"].get(setup["url"]).status_code == 200
    fill(1990)
    with django_assert_max_num_queries(12) as large:
        r = setup["officer_api"].get(setup["url"], {"page_size": 200})
    assert r.json()["count"] == 2000
    assert len(small.captured_queries) == len(large.captured_queries)
