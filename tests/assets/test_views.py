import io

import pytest
from django.utils import timezone

from assets import services
from assets.models import Asset, AssetDependency, Triage
from isms.access import Actor
from isms.models import Membership, Role
from tests.factories import make_object

pytestmark = pytest.mark.django_db


@pytest.fixture
def env(org_a, member, client_for):
    officer = member(org_a, Role.OFFICER)
    owner = member(org_a, Role.CONTRIBUTOR)
    other = member(org_a, Role.CONTRIBUTOR)
    return {
        "officer": officer,
        "owner": owner,
        "other": other,
        "officer_c": client_for(officer),
        "owner_c": client_for(owner),
        "other_c": client_for(other),
        "base": f"/o/{org_a.slug}/assets/",
    }


def _actor(user, org):
    return Actor.for_membership(Membership.objects.get(user=user, organization=org))


def _make(org, in_tenant, env, **kw):
    kw.setdefault("name", "Churn model")
    kw.setdefault("asset_type", "ai_model")
    with in_tenant(org):
        return services.asset_create(actor=_actor(env["officer"], org), owner=env["owner"], **kw)


def _form(env, **kw):
    data = {
        "name": "Code assistant",
        "asset_type": "ai_saas_tool",
        "owner": env["owner"].pk,
        "classification": "internal",
        "lifecycle": "proposed",  # an AI tool reaches pilot only through the AI change gate
        "data_categories": ["source_code"],
        "tags": "dev, engineering",
    }
    data.update(kw)
    return data


def test_create_through_the_form(env, org_a, in_tenant):
    r = env["officer_c"].post(f"{env['base']}new/", _form(env))
    assert r.status_code == 302
    with in_tenant(org_a):
        asset = Asset.objects.get(name="Code assistant")
    assert asset.tags == ["dev", "engineering"] and asset.owner == env["owner"]


def test_form_refuses_foreign_owner_and_production_for_ai(env, org_a, org_b, member, in_tenant):
    stranger = member(org_b)
    r = env["officer_c"].post(f"{env['base']}new/", _form(env, owner=stranger.pk))
    assert r.status_code == 400
    assert b"Choose an active member whose role can own records" in r.content
    assert stranger.email.encode() not in r.content
    # The production gate is a conflict with the asset's state: 409, the form re-rendered.
    r = env["officer_c"].post(f"{env['base']}new/", _form(env, lifecycle="production"))
    assert r.status_code == 409 and b"AI change request" in r.content
    asset = _make(org_a, in_tenant, env)
    r = env["owner_c"].post(f"{env['base']}{asset.pk}/edit/", _form(env, lifecycle="production"))
    assert r.status_code == 409 and b"AI change request" in r.content
    # Pilot is gated like production (a pilot processes real data).
    r = env["officer_c"].post(f"{env['base']}new/", _form(env, lifecycle="pilot"))
    assert r.status_code == 409 and b"AI change request" in r.content
    with in_tenant(org_a):
        assert Asset.objects.get(pk=asset.pk).lifecycle == "proposed"
        assert not Asset.objects.filter(name="Code assistant").exists()


def test_contributor_cannot_edit_another_owners_asset_in_the_ui(env, org_a, in_tenant):
    asset = _make(org_a, in_tenant, env)
    assert env["other_c"].get(f"{env['base']}{asset.pk}/edit/").status_code == 403
    r = env["other_c"].post(f"{env['base']}{asset.pk}/edit/", _form(env, name="Hijacked"))
    assert r.status_code == 403
    assert env["other_c"].post(f"{env['base']}{asset.pk}/retire/").status_code == 403
    r = env["owner_c"].post(
        f"{env['base']}{asset.pk}/edit/", _form(env, name="Renamed", asset_type="ai_model")
    )
    assert r.status_code == 302
    with in_tenant(org_a):
        assert Asset.objects.get(pk=asset.pk).name == "Renamed"


def test_detail_tabs_and_graph(env, org_a, in_tenant):
    model = _make(org_a, in_tenant, env)
    data = _make(org_a, in_tenant, env, name="Churn training set", asset_type="training_dataset")
    r = env["owner_c"].post(
        f"{env['base']}{model.pk}/dependencies/",
        {"direction": "depends_on", "kind": "trained_on", "other": data.pk},
    )
    assert r.status_code == 302
    r = env["owner_c"].post(
        f"{env['base']}{data.pk}/dependencies/",
        {"direction": "depends_on", "kind": "feeds", "other": model.pk},
    )
    # A cycle is refused: back to the tab, the reason in words, nothing added.
    assert r.status_code == 302
    page = env["owner_c"].get(r["Location"]).content.decode()
    assert "Nothing was changed" in page
    assert "Churn training set → Churn model → Churn training set" in page
    page = env["other_c"].get(f"{env['base']}{data.pk}/?tab=dependencies")
    assert (
        b"<svg" in page.content
        and b"What breaks if Churn training set is withdrawn" in page.content
    )
    assert b'data-asset="%d"' % model.pk in page.content
    for tab in ["overview", "ai", "evaluations", "history"]:
        assert env["other_c"].get(f"{env['base']}{model.pk}/?tab={tab}").status_code == 200


def test_bulk_actions_in_the_ui(env, org_a, in_tenant):
    app = _make(org_a, in_tenant, env, name="CRM", asset_type="application")
    bot = _make(org_a, in_tenant, env, name="Bot", asset_type="ai_agent")
    r = env["officer_c"].post(
        f"{env['base']}bulk/",
        {"action": "lifecycle", "lifecycle": "production", "selected": [app.pk, bot.pk]},
        follow=True,
    )
    assert b"Nothing changed" in r.content and b"Bot" in r.content
    r = env["officer_c"].post(
        f"{env['base']}bulk/",
        {"action": "owner", "owner": env["other"].pk, "selected": [app.pk, bot.pk]},
        follow=True,
    )
    assert b"2 assets updated" in r.content
    with in_tenant(org_a):
        assert set(Asset.objects.values_list("owner", flat=True)) == {env["other"].pk}
        assert Asset.objects.get(pk=app.pk).lifecycle == "proposed"
    # Bulk changes need assets:manage: a contributor is refused (and is not shown the form).
    r = env["owner_c"].post(
        f"{env['base']}bulk/",
        {"action": "classification", "classification": "restricted", "selected": [app.pk]},
    )
    assert r.status_code == 403


def test_list_filters_and_htmx(env, org_a, in_tenant):
    _make(org_a, in_tenant, env, name="Old", asset_type="database")
    _make(
        org_a, in_tenant, env, name="Fresh", asset_type="ai_model", last_reviewed_at=timezone.now()
    )
    r = env["owner_c"].get(env["base"], {"not_reviewed": "true"})
    assert b"Old" in r.content and b">Fresh<" not in r.content
    r = env["owner_c"].get(env["base"], {"asset_type": "ai_model"}, HTTP_HX_REQUEST="true")
    assert b"<html" not in r.content and b"Fresh" in r.content and b">Old<" not in r.content
    Membership.objects.filter(user=env["owner"]).delete()
    r = env["officer_c"].get(env["base"], {"no_owner": "true"})
    assert b"needs new owner" in r.content and b"2 assets" in r.content


CSV_HEADER = "name,asset_type,owner_email,classification,lifecycle,data_categories,external_id\n"


def test_csv_import_bad_rows_imports_nothing(env, org_a, in_tenant):
    owner = env["owner"].email
    content = CSV_HEADER + (
        f"Good one,application,{owner},internal,pilot,personal,\n"
        f"Bad type,spaceship,{owner},internal,pilot,,\n"
        "No owner,ai_model,nobody@elsewhere.test,internal,pilot,,\n"
        f"Gated,ai_model,{owner},internal,production,,\n"
        f"Bad data,database,{owner},secret,pilot,gossip,\n"
    )
    upload = io.BytesIO(content.encode())
    upload.name = "assets.csv"
    r = env["officer_c"].post(f"{env['base']}import/", {"file": upload})
    assert r.status_code == 400
    errors = {(e.line, e.field) for e in r.context["row_errors"]}
    assert errors == {
        (3, "asset_type"),
        (4, "owner_email"),
        (5, "lifecycle"),
        (6, "classification"),
        (6, "data_categories"),
    }
    assert b"No active member with email nobody@elsewhere.test" in r.content
    with in_tenant(org_a):
        assert not Asset.objects.exists()


def test_csv_import_then_export_round_trip(env, org_a, in_tenant):
    content = (
        CSV_HEADER
        + f"Okta,application,{env['owner'].email},confidential,production,"
        + "credentials;personal,okta-1\n"
    )
    for _ in range(2):  # idempotent by external id
        upload = io.BytesIO(content.encode())
        upload.name = "a.csv"
        assert env["officer_c"].post(f"{env['base']}import/", {"file": upload}).status_code == 302
    with in_tenant(org_a):
        asset = Asset.objects.get()
    assert asset.data_categories == ["credentials", "personal"] and asset.source == "import"
    r = env["owner_c"].get(f"{env['base']}export/", {"format": "csv"})
    assert r["Content-Type"].startswith("text/csv") and "okta-1" in r.content.decode()
    r = env["owner_c"].get(f"{env['base']}export/", {"format": "xlsx"})
    assert r.content[:2] == b"PK"


def test_shadow_report_and_triage_in_the_ui(env, org_a, in_tenant):
    r = env["other_c"].post(
        f"{env['base']}report-ai/",
        {
            "name": "Grammarly",
            "asset_type": "ai_saas_tool",
            "used_by": "Marketing",
            "purpose": "Copy editing",
            "data_going_in": "Drafts",
        },
    )
    assert r.status_code == 302
    with in_tenant(org_a):
        report = Asset.objects.get(name="Grammarly")
    assert report.triage_status == Triage.PENDING
    queue = env["other_c"].get(f"{env['base']}triage/")
    assert b"Grammarly" in queue.content and b"Accept into register" not in queue.content
    assert (
        env["other_c"]
        .post(f"{env['base']}triage/{report.pk}/accept/", {"owner": env["owner"].pk})
        .status_code
        == 403
    )
    r = env["officer_c"].post(f"{env['base']}triage/{report.pk}/dismiss/", {"reason": ""})
    assert r.status_code == 302  # back to the queue, saying what is missing
    queue = env["officer_c"].get(r["Location"]).content.decode()
    assert "Nothing was changed" in queue and "Reason" in queue
    with in_tenant(org_a):
        assert Asset.objects.get(pk=report.pk).triage_status == Triage.PENDING
    r = env["officer_c"].post(
        f"{env['base']}triage/{report.pk}/accept/",
        {"owner": env["owner"].pk, "classification": "confidential"},
    )
    assert r.status_code == 302
    with in_tenant(org_a):
        report.refresh_from_db()
    assert report.triage_status == Triage.ACCEPTED and report.owner == env["owner"]
    assert report.classification == "confidential"


def test_other_orgs_asset_is_404(env, org_b):
    foreign = make_object(Asset, org_b)
    assert env["officer_c"].get(f"{env['base']}{foreign.pk}/").status_code == 404
    assert env["officer_c"].post(f"{env['base']}{foreign.pk}/edit/", {}).status_code == 404


def _bulk(org, owner, n, start=0):
    Asset.objects.bulk_create(
        [
            Asset(
                organization=org,
                name=f"Bulk {start + i:05d}",
                asset_type="application",
                owner=owner,
                lifecycle="pilot",
            )
            for i in range(n)
        ]
    )


def test_query_counts_are_flat_with_2000_assets(
    env, org_a, in_tenant, django_assert_max_num_queries
):
    focus = _make(org_a, in_tenant, env)
    with in_tenant(org_a):
        _bulk(org_a, env["owner"], 9)
        ids = list(Asset.objects.exclude(pk=focus.pk).values_list("pk", flat=True)[:3])
        AssetDependency.objects.bulk_create(
            [
                AssetDependency(organization=org_a, asset=focus, depends_on_id=i, kind="uses")
                for i in ids
            ]
        )
    pages = [
        (env["base"], {}),
        (env["base"], {"no_owner": "true", "q": "Bulk", "ordering": "-owner"}),
        (f"{env['base']}{focus.pk}/", {}),
        (f"{env['base']}{focus.pk}/", {"tab": "dependencies"}),
        (f"{env['base']}{focus.pk}/", {"tab": "evaluations"}),
    ]
    counts_small = []
    for url, params in pages:
        with django_assert_max_num_queries(20) as captured:
            assert env["owner_c"].get(url, params).status_code == 200
        counts_small.append(len(captured.captured_queries))
    with in_tenant(org_a):
        _bulk(org_a, env["owner"], 1990, start=100)
        assert Asset.objects.count() == 2000
    counts_large = []
    for url, params in pages:
        with django_assert_max_num_queries(20) as captured:
            assert env["owner_c"].get(url, params).status_code == 200
        counts_large.append(len(captured.captured_queries))
    assert counts_small == counts_large
