"""The asset register's authorization (assets.access through isms.policy), every door.

ISO/IEC 27001:2022 Annex A 5.9 (inventory of information and other associated assets) asks
that every asset has an owner; the product makes the owner an accountable person, so an
owner must be a member whose role can own records: never a read-only auditor. A 5.15/8.2
reading: write rights follow ownership (guardian grants) or the register-wide manage scope,
and a member who cannot use a control is not shown it.
Tests assert error codes, not English.
"""

from __future__ import annotations

import io
import pathlib
import re

import pytest
from django.core.exceptions import ValidationError

from assets import services
from assets.models import Asset, AssetUserObjectPermission, Lifecycle
from isms.access import Actor
from isms.errors import ErrorCode, NotPermitted
from isms.models import Membership, Role, TransitionRecord

pytestmark = pytest.mark.django_db


def _actor(user, org) -> Actor:
    return Actor.for_membership(
        Membership.objects.select_related("organization", "user").get(user=user, organization=org)
    )


@pytest.fixture
def env(org_a, member, client_for, api_for, in_tenant):
    people = {
        "officer": member(org_a, Role.OFFICER),
        "owner": member(org_a, Role.CONTRIBUTOR),
        "other": member(org_a, Role.CONTRIBUTOR),
        "auditor": member(org_a, Role.AUDITOR),
    }
    env = dict(people)
    for name, user in people.items():
        env[f"{name}_actor"] = _actor(user, org_a)
        env[f"{name}_c"] = client_for(user)
        env[f"{name}_api"] = api_for(user=user)
    with in_tenant(org_a):
        env["mine"] = services.asset_create(
            actor=env["officer_actor"], name="Mine", asset_type="ai_model", owner=env["owner"]
        )
        env["theirs"] = services.asset_create(
            actor=env["officer_actor"], name="Theirs", asset_type="database", owner=env["other"]
        )
    env["ui"] = f"/o/{org_a.slug}/assets/"
    env["api"] = f"/api/v1/orgs/{org_a.slug}/"
    return env


# --- contributors: their own assets, not others' ----------------------------------------------


def test_contributor_owner_edits_own_asset_not_others(env, org_a, in_tenant):
    with in_tenant(org_a):
        services.asset_update(actor=env["owner_actor"], asset=env["mine"], description="ok")
        with pytest.raises(NotPermitted) as refused:
            services.asset_update(actor=env["owner_actor"], asset=env["theirs"], description="x")
        assert refused.value.code == ErrorCode.PERMISSION_DENIED
    api = env["owner_api"]
    assert (
        api.patch(f"{env['api']}assets/{env['mine'].pk}/", {"model_version": "2"}).status_code
        == 200
    )
    r = api.patch(f"{env['api']}assets/{env['theirs'].pk}/", {"model_version": "2"})
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"
    r = api.post(f"{env['api']}assets/{env['theirs'].pk}/retire/")
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"
    # UI: the edit page of another's asset is refused; its own opens.
    assert env["owner_c"].get(f"{env['ui']}{env['mine'].pk}/edit/").status_code == 200
    assert env["owner_c"].get(f"{env['ui']}{env['theirs'].pk}/edit/").status_code == 403
    with in_tenant(org_a):
        assert Asset.objects.get(pk=env["theirs"].pk).lifecycle == Lifecycle.PROPOSED


def test_the_grants_move_with_the_owner(env, org_a, in_tenant):
    r = env["officer_api"].patch(
        f"{env['api']}assets/{env['mine'].pk}/", {"owner": env["other"].pk}, format="json"
    )
    assert r.status_code == 200
    with in_tenant(org_a):
        holders = set(
            AssetUserObjectPermission.objects.filter(content_object=env["mine"]).values_list(
                "user_id", "permission__codename"
            )
        )
    assert holders == {(env["other"].pk, "change_asset"), (env["other"].pk, "record_evaluation")}
    r = env["owner_api"].patch(f"{env['api']}assets/{env['mine'].pk}/", {"model_version": "3"})
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"


def test_read_write_api_key_edits_any_asset_and_a_read_key_none(env, org_a, api_key_for, api_for):
    writer = api_for(api_token=api_key_for(org_a, access="read_write"))
    reader = api_for(api_token=api_key_for(org_a, access="read"))
    for asset in (env["mine"], env["theirs"]):
        r = writer.patch(f"{env['api']}assets/{asset.pk}/", {"description": "synced"})
        assert r.status_code == 200 and r.json()["description"] == "synced"
    r = reader.patch(f"{env['api']}assets/{env['mine'].pk}/", {"description": "no"})
    assert r.status_code == 403 and r.json()["code"] == "missing_scope"


# --- an auditor is never an owner ----------------------------------------------------------------


def test_auditor_cannot_be_made_owner_by_any_service(env, org_a, in_tenant):
    officer, auditor = env["officer_actor"], env["auditor"]
    with in_tenant(org_a):
        attempts = {
            "create": lambda: services.asset_create(
                actor=officer, name="X", asset_type="database", owner=auditor
            ),
            "update": lambda: services.asset_update(
                actor=officer, asset=env["mine"], owner=auditor
            ),
            "custodian": lambda: services.asset_update(
                actor=officer, asset=env["mine"], custodian=auditor
            ),
            "bulk": lambda: services.assets_reassign_owner(
                actor=officer, asset_ids=[env["mine"].pk], new_owner=auditor
            ),
            "upsert": lambda: services.asset_upsert(
                actor=officer, external_id="e-1", name="Y", asset_type="database", owner=auditor
            ),
        }
        report = services.shadow_ai_report(
            actor=env["owner_actor"], name="Tool", used_by="", purpose="p", data_going_in=""
        )
        attempts["triage accept"] = lambda: services.shadow_ai_accept(
            actor=officer, asset=report, owner=auditor
        )
        for name, attempt in attempts.items():
            with pytest.raises(ValidationError) as refused:
                attempt()
            field = "custodian" if name == "custodian" else "owner"
            assert set(refused.value.message_dict) == {field}, name
        assert Asset.objects.get(pk=env["mine"].pk).owner == env["owner"]
        assert not Asset.objects.filter(owner=auditor).exists()


def test_auditor_as_owner_is_a_400_naming_the_field_in_the_api(env):
    api = env["officer_api"]
    r = api.post(
        f"{env['api']}assets/",
        {"name": "X", "asset_type": "database", "owner": env["auditor"].pk},
        format="json",
    )
    assert r.status_code == 400 and r.json()["code"] == "invalid"
    assert list(r.json()["errors"]) == ["owner"]
    r = api.patch(f"{env['api']}assets/{env['mine'].pk}/", {"owner": env["auditor"].pk})
    assert r.status_code == 400 and list(r.json()["errors"]) == ["owner"]
    r = api.post(
        f"{env['api']}assets/bulk/",
        {"assets": [env["mine"].pk], "owner": env["auditor"].pk},
        format="json",
    )
    assert r.status_code == 400 and list(r.json()["errors"]) == ["owner"]


def test_auditor_as_owner_is_a_form_error_in_the_ui_and_a_row_error_in_imports(env, org_a):
    r = env["officer_c"].post(
        f"{env['ui']}new/",
        {
            "name": "X",
            "asset_type": "database",
            "owner": env["auditor"].pk,
            "lifecycle": "pilot",
            "classification": "internal",
        },
    )
    assert r.status_code == 400
    assert r.context["form"].errors["owner"]
    # The auditor is not even offered as an owner.
    page = env["officer_c"].get(f"{env['ui']}new/")
    owners = page.context["form"].fields["owner"].queryset
    assert env["auditor"] not in owners and env["owner"] in owners
    content = (
        "name,asset_type,owner_email,classification,lifecycle\n"
        f"Audited,database,{env['auditor'].email},internal,pilot\n"
    )
    upload = io.BytesIO(content.encode())
    upload.name = "assets.csv"
    r = env["officer_c"].post(f"{env['ui']}import/", {"file": upload})
    assert r.status_code == 400
    assert {(e.line, e.field) for e in r.context["row_errors"]} == {(2, "owner_email")}


# --- controls a member cannot use are not rendered ------------------------------------------------


WRITE_CONTROLS_ON_LIST = [
    'href="/o/alpha/assets/new/"',
    'href="/o/alpha/assets/import/"',
    'href="/o/alpha/assets/report-ai/"',
    'id="bulk-form"',
    'name="selected"',
]


def test_auditor_sees_no_write_controls_on_list_and_detail(env, org_a):
    auditor = env["auditor_c"]
    listing = auditor.get(env["ui"]).content.decode()
    assert "Mine" in listing and "Theirs" in listing
    for control in WRITE_CONTROLS_ON_LIST:
        assert control not in listing, control
    detail = auditor.get(f"{env['ui']}{env['mine'].pk}/").content.decode()
    assert "Mine" in detail
    for control in ("/edit/", "/retire/", "/reviewed/", "/reinstate/", "/promote/"):
        assert control not in detail, control
    posts = re.findall(r'<form method="post" action="([^"]+)"', detail)
    assert posts == ["/accounts/logout/"]
    evaluations = auditor.get(f"{env['ui']}{env['mine'].pk}/", {"tab": "evaluations"}).content
    assert b"/evaluations/new/" not in evaluations
    dependencies = auditor.get(f"{env['ui']}{env['mine'].pk}/", {"tab": "dependencies"}).content
    assert b"Add a dependency" not in dependencies
    # The write pages themselves are refused, not shown with a Save button.
    for page in ("new/", "import/", "report-ai/", f"{env['mine'].pk}/edit/"):
        assert auditor.get(f"{env['ui']}{page}").status_code == 403, page


def test_officer_sees_every_control_and_contributor_only_its_own(env):
    listing = env["officer_c"].get(env["ui"]).content.decode()
    for control in WRITE_CONTROLS_ON_LIST:
        assert control in listing, control
    contributor = env["owner_c"].get(env["ui"]).content.decode()
    assert 'href="/o/alpha/assets/new/"' in contributor
    assert 'href="/o/alpha/assets/report-ai/"' in contributor
    for control in ('href="/o/alpha/assets/import/"', 'id="bulk-form"', 'name="selected"'):
        assert control not in contributor, control
    own = env["owner_c"].get(f"{env['ui']}{env['mine'].pk}/").content.decode()
    assert f"/assets/{env['mine'].pk}/edit/" in own and "/retire/" in own
    others = env["owner_c"].get(f"{env['ui']}{env['theirs'].pk}/").content.decode()
    assert "/edit/" not in others and "/retire/" not in others
    assert env["owner_c"].get(f"{env['ui']}import/").status_code == 403


def test_triage_controls_only_for_those_who_triage(env, org_a, in_tenant):
    with in_tenant(org_a):
        services.shadow_ai_report(
            actor=env["owner_actor"], name="Tool", used_by="", purpose="p", data_going_in=""
        )
    assert b"Accept into register" in env["officer_c"].get(f"{env['ui']}triage/").content
    for who in ("owner_c", "auditor_c"):
        page = env[who].get(f"{env['ui']}triage/")
        assert page.status_code == 200 and b"Tool" in page.content
        assert b"Accept into register" not in page.content and b"Dismiss" not in page.content


# --- error codes -------------------------------------------------------------------------------


def test_api_refusals_carry_codes(env, org_a, in_tenant):
    api, mine = env["officer_api"], env["mine"]
    r = env["auditor_api"].patch(f"{env['api']}assets/{mine.pk}/", {"name": "x"})
    assert r.status_code == 403 and r.json()["code"] == "missing_scope"
    r = env["owner_api"].post(
        f"{env['api']}assets/bulk/",
        {"assets": [mine.pk], "classification": "public"},
        format="json",
    )
    assert r.status_code == 403 and r.json()["code"] == "missing_scope"
    r = api.patch(f"{env['api']}assets/{mine.pk}/", {"lifecycle": "production"})
    assert r.status_code == 409 and r.json()["code"] == "gate_closed"
    assert api.post(f"{env['api']}assets/{mine.pk}/retire/").status_code == 200
    r = api.post(f"{env['api']}assets/{mine.pk}/retire/")
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition"
    r = api.post(f"{env['api']}assets/{mine.pk}/reinstate/")
    assert r.status_code == 200 and r.json()["lifecycle"] == "proposed"
    r = api.post(f"{env['api']}assets/{mine.pk}/reinstate/")
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition"
    r = api.patch(f"{env['api']}assets/{env['theirs'].pk}/", {"external_id": "dup"})
    assert r.status_code == 200
    r = api.patch(f"{env['api']}assets/{mine.pk}/", {"external_id": "dup"})
    assert r.status_code == 409 and r.json()["code"] == "duplicate"
    with in_tenant(org_a):
        moves = list(
            TransitionRecord.objects.filter(object_id=str(mine.pk))
            .order_by("id")
            .values_list("transition", "from_state", "to_state")
        )
    assert moves == [("retire", "proposed", "retired"), ("reinstate", "retired", "proposed")]


def test_no_role_names_in_the_asset_register():
    """Issue 10: isms/access.py is the one table mapping roles to scopes."""
    root = pathlib.Path(__file__).resolve().parents[2]
    pattern = re.compile(r"\bRole\.|\.role\b|MANAGER_ROLES|is_asset_manager")
    found = [
        f"{path.relative_to(root)}:{n}"
        for folder in ("assets", "templates/assets")
        for path in (root / folder).rglob("*")
        if path.suffix in {".py", ".html"} and "migrations" not in path.parts
        for n, line in enumerate(path.read_text().splitlines(), start=1)
        if pattern.search(line)
    ]
    assert found == []
