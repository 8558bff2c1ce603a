import datetime
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from assets import selectors, services
from assets.models import Asset, AssetDependency, AssetType, Lifecycle, Triage
from isms import permissions, policy
from isms.errors import Conflict, ErrorCode, NotPermitted, TransitionRefused
from isms.models import AuditEvent, Membership, Role
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(org_a, member, actor_for):
    officer = member(org_a, Role.OFFICER)
    owner = member(org_a, Role.CONTRIBUTOR)
    other = member(org_a, Role.CONTRIBUTOR)
    auditor = member(org_a, Role.AUDITOR)
    return {
        "officer": officer,
        "owner": owner,
        "other": other,
        "auditor": auditor,
        "officer_actor": actor_for(officer, org_a),
        "owner_actor": actor_for(owner, org_a),
        "other_actor": actor_for(other, org_a),
        "auditor_actor": actor_for(auditor, org_a),
    }


def _asset(actor, owner, **kw):
    kw.setdefault("name", "Chat assistant")
    kw.setdefault("asset_type", AssetType.AI_SAAS_TOOL)
    return services.asset_create(actor=actor, owner=owner, **kw)


def test_create_records_owner_grants_and_history(org_a, in_tenant, people):
    with in_tenant(org_a):
        asset = _asset(people["officer_actor"], people["owner"], data_categories=["personal"])
        assert asset.owner == people["owner"]
        assert permissions.has_object_permission(people["owner"], "change_asset", asset)
        assert policy.can(people["owner_actor"], "change", asset)
        assert not policy.can(people["other_actor"], "change", asset)
        assert not policy.can(people["auditor_actor"], "change", asset)
        assert AuditEvent.objects.for_object(asset).filter(action="insert").count() == 1


def test_owner_is_required(org_a, in_tenant, people):
    with in_tenant(org_a), pytest.raises(ValidationError) as error:
        _asset(people["officer_actor"], None)
    assert "owner" in error.value.message_dict


def test_owner_of_another_org_refused_like_a_missing_user(org_a, org_b, in_tenant, people, member):
    stranger = member(org_b, Role.OFFICER)
    with in_tenant(org_a):
        with pytest.raises(ValidationError) as foreign:
            _asset(people["officer_actor"], stranger)
        with pytest.raises(ValidationError) as missing:
            _asset(people["officer_actor"], 987654)
    assert foreign.value.message_dict["owner"] == [
        f"No active member with user id {stranger.pk} in this organisation."
    ]
    assert missing.value.message_dict["owner"] == [
        "No active member with user id 987654 in this organisation."
    ]
    assert stranger.email not in str(foreign.value)


def test_expired_member_cannot_become_owner(org_a, in_tenant, people):
    expired = MembershipFactory(
        organization=org_a, role=Role.CONTRIBUTOR, expires_at=timezone.now() - timedelta(days=1)
    ).user
    with in_tenant(org_a), pytest.raises(ValidationError):
        _asset(people["officer_actor"], expired)


def test_custodian_optional_but_must_be_member(org_a, org_b, in_tenant, people, member):
    with in_tenant(org_a):
        asset = _asset(people["officer_actor"], people["owner"])
        assert asset.custodian is None
        with pytest.raises(ValidationError) as error:
            services.asset_update(
                actor=people["officer_actor"], asset=asset, custodian=member(org_b)
            )
        assert "custodian" in error.value.message_dict


def test_contributor_cannot_edit_someone_elses_asset(org_a, in_tenant, people):
    with in_tenant(org_a):
        asset = _asset(people["officer_actor"], people["owner"])
        services.asset_update(actor=people["owner_actor"], asset=asset, description="mine")
        with pytest.raises(NotPermitted):
            services.asset_update(actor=people["other_actor"], asset=asset, description="x")
        with pytest.raises(NotPermitted):
            services.asset_update(actor=people["auditor_actor"], asset=asset, description="x")
        asset.refresh_from_db()
        assert asset.description == "mine"


def test_owner_change_moves_the_grants(org_a, in_tenant, people):
    with in_tenant(org_a):
        asset = _asset(people["officer_actor"], people["owner"])
        services.asset_update(actor=people["officer_actor"], asset=asset, owner=people["other"])
        asset = Asset.objects.get(pk=asset.pk)
        assert policy.can(people["other_actor"], "change", asset)
        assert not permissions.has_object_permission(people["owner"], "change_asset", asset)


def test_owner_grants_move_in_one_statement_each_way(org_a, in_tenant, people):
    """Every create gives its owner their grants: one read of the permissions and one INSERT
    (guardian's assign_perm cost five statements a permission), and giving them again keeps
    one row each; a change of owner takes them in one DELETE."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from assets.access import ASSET_POLICY
    from assets.models import AssetUserObjectPermission

    with in_tenant(org_a):
        asset = _asset(people["officer_actor"], people["owner"])
        AssetUserObjectPermission.objects.filter(content_object=asset).delete()
        with CaptureQueriesContext(connection) as granting:
            ASSET_POLICY.grant_owner(asset, people["owner"])
        assert len(granting.captured_queries) == 2
        ASSET_POLICY.grant_owner(asset, people["owner"])  # already held: nothing doubles
        held = AssetUserObjectPermission.objects.filter(content_object=asset)
        assert sorted(held.values_list("user_id", "permission__codename")) == [
            (people["owner"].pk, "change_asset"),
            (people["owner"].pk, "record_evaluation"),
        ]
        assert {g.organization_id for g in held} == {org_a.pk}
        with CaptureQueriesContext(connection) as moving:
            ASSET_POLICY.grant_owner(asset, people["other"], previous=people["owner"])
        assert len(moving.captured_queries) == 4  # each way: the permissions, then the rows
        assert sorted(held.values_list("user_id", "permission__codename")) == [
            (people["other"].pk, "change_asset"),
            (people["other"].pk, "record_evaluation"),
        ]
        with pytest.raises(permissions.Permission.DoesNotExist, match="no_such_grant"):
            permissions.grant_all(people["owner"], ["no_such_grant"], asset)


@pytest.mark.parametrize("ai_type", [AssetType.AI_MODEL, AssetType.AI_SAAS_TOOL, AssetType.PROMPT])
def test_ai_asset_cannot_be_edited_into_production(org_a, in_tenant, people, ai_type):
    with in_tenant(org_a):
        asset = _asset(people["officer_actor"], people["owner"], asset_type=ai_type)
        with pytest.raises(Conflict, match="AI change request"):
            services.asset_update(
                actor=people["officer_actor"], asset=asset, lifecycle=Lifecycle.PRODUCTION
            )
        with pytest.raises(Conflict, match="AI change request"):
            _asset(people["officer_actor"], people["owner"], name="B", lifecycle="production")
        with pytest.raises(Conflict, match="AI change request"):
            services.asset_promote_to_production(actor=people["officer_actor"], asset=asset)
        assert Asset.objects.get(pk=asset.pk).lifecycle == Lifecycle.PROPOSED


def test_conventional_production_asset_cannot_be_retyped_to_ai(org_a, in_tenant, people):
    with in_tenant(org_a):
        app = _asset(
            people["officer_actor"],
            people["owner"],
            asset_type="application",
            lifecycle="production",
        )
        with pytest.raises(Conflict):
            services.asset_update(actor=people["officer_actor"], asset=app, asset_type="ai_system")


def test_conventional_assets_move_freely(org_a, in_tenant, people):
    with in_tenant(org_a):
        app = _asset(people["officer_actor"], people["owner"], asset_type="database")
        services.asset_update(actor=people["owner_actor"], asset=app, lifecycle="production")
        services.asset_promote_to_production(actor=people["officer_actor"], asset=app)
        assert Asset.objects.get(pk=app.pk).lifecycle == "production"


@pytest.mark.parametrize(
    "start,target",
    [("production", "proposed"), ("retired", "pilot"), ("retired", "production")],
)
def test_forbidden_lifecycle_moves(org_a, in_tenant, people, start, target):
    with in_tenant(org_a):
        app = _asset(
            people["officer_actor"], people["owner"], asset_type="service", lifecycle=start
        )
        with pytest.raises(TransitionRefused):
            services.asset_update(actor=people["officer_actor"], asset=app, lifecycle=target)


def test_retire_keeps_record_dependencies_and_history(org_a, in_tenant, people):
    with in_tenant(org_a):
        model = _asset(
            people["officer_actor"], people["owner"], name="Model", asset_type="ai_model"
        )
        data = _asset(
            people["officer_actor"], people["owner"], name="Data", asset_type="training_dataset"
        )
        services.dependency_add(
            actor=people["officer_actor"], asset=model, depends_on=data, kind="trained_on"
        )
        services.asset_retire(actor=people["owner_actor"], asset=data)
        data = Asset.objects.get(pk=data.pk)
        assert data.lifecycle == "retired" and data.retired_at is not None
        assert AssetDependency.objects.filter(depends_on=data).count() == 1
        assert AuditEvent.objects.for_object(data).count() == 2


def test_dependency_cycle_is_refused_with_its_path(org_a, in_tenant, people):
    with in_tenant(org_a):
        a, b, c = (
            _asset(people["officer_actor"], people["owner"], name=n) for n in ("A", "B", "C")
        )
        add = services.dependency_add
        add(actor=people["officer_actor"], asset=a, depends_on=b, kind="uses")
        add(actor=people["officer_actor"], asset=b, depends_on=c, kind="feeds")
        with pytest.raises(ValidationError) as error:
            add(actor=people["officer_actor"], asset=c, depends_on=a, kind="hosted_on")
        assert error.value.message_dict["depends_on"] == [
            "This dependency would make a cycle: C → A → B → C."
        ]
        with pytest.raises(ValidationError, match="itself"):
            add(actor=people["officer_actor"], asset=a, depends_on=a, kind="uses")
        with pytest.raises(ValidationError, match="already"):
            add(actor=people["officer_actor"], asset=a, depends_on=b, kind="uses")
        with pytest.raises(NotPermitted):
            add(actor=people["other_actor"], asset=c, depends_on=b, kind="uses")
        assert AssetDependency.objects.count() == 2


def test_dependency_graph_both_directions(org_a, in_tenant, people):
    with in_tenant(org_a):
        model, data, app = (
            _asset(people["officer_actor"], people["owner"], name=n)
            for n in ("Model", "Data", "App")
        )
        services.dependency_add(
            actor=people["officer_actor"], asset=model, depends_on=data, kind="trained_on"
        )
        services.dependency_add(
            actor=people["officer_actor"], asset=app, depends_on=model, kind="uses"
        )
        graph = selectors.dependency_graph(data)
        assert [n.name for n in graph.downstream] == ["Model", "App"]
        graph = selectors.dependency_graph(model)
        assert [n.name for n in graph.upstream] == ["Data"]
        assert [n.name for n in graph.downstream] == ["App"]
        assert len(graph.edges) == 2


def test_removed_member_assets_need_new_owner_and_bulk_reassign(org_a, in_tenant, people):
    with in_tenant(org_a):
        assets = [_asset(people["officer_actor"], people["owner"], name=f"T{i}") for i in range(3)]
        kept = _asset(people["officer_actor"], people["other"], name="Kept")
    Membership.objects.filter(user=people["owner"], organization=org_a).delete()
    with in_tenant(org_a):
        needing = selectors.needing_new_owner()
        assert sorted(a.name for a in needing) == ["T0", "T1", "T2"]
        assert Asset.objects.count() == 4  # nothing deleted
        with pytest.raises(NotPermitted):
            services.assets_reassign_owner(
                actor=people["other_actor"],
                asset_ids=[a.pk for a in assets],
                new_owner=people["other"],
            )
        count = services.assets_reassign_owner(
            actor=people["officer_actor"],
            asset_ids=[a.pk for a in assets],
            new_owner=people["other"],
        )
        assert count == 3
        assert not selectors.needing_new_owner().exists()
        assert kept.pk in set(
            Asset.objects.filter(owner=people["other"]).values_list("pk", flat=True)
        )


def test_expired_owner_is_listed_as_needing_new_owner(org_a, in_tenant, people):
    with in_tenant(org_a):
        _asset(people["officer_actor"], people["owner"])
    Membership.objects.filter(user=people["owner"]).update(
        expires_at=timezone.now() - timedelta(hours=1)
    )
    with in_tenant(org_a):
        assert selectors.needing_new_owner().count() == 1


def test_bulk_update_is_all_or_nothing_and_gated(org_a, in_tenant, people):
    with in_tenant(org_a):
        mine = _asset(
            people["officer_actor"], people["owner"], name="Mine", asset_type="application"
        )
        theirs = _asset(
            people["officer_actor"], people["other"], name="Theirs", asset_type="application"
        )
        ai = _asset(people["officer_actor"], people["owner"], name="Bot", asset_type="ai_agent")
        # Bulk changes are a register-wide act (assets:manage), even on one's own assets.
        with pytest.raises(NotPermitted) as refused:
            services.assets_bulk_update(
                actor=people["owner_actor"],
                asset_ids=[mine.pk, theirs.pk],
                classification="restricted",
            )
        assert refused.value.code == ErrorCode.MISSING_SCOPE
        assert Asset.objects.get(pk=mine.pk).classification == "internal"
        with pytest.raises(Conflict, match="Bot"):
            services.assets_bulk_update(
                actor=people["officer_actor"], asset_ids=[mine.pk, ai.pk], lifecycle="production"
            )
        assert Asset.objects.get(pk=mine.pk).lifecycle == "proposed"
        n = services.assets_bulk_update(
            actor=people["officer_actor"],
            asset_ids=[mine.pk, theirs.pk],
            classification="restricted",
        )
        assert n == 2


def test_evaluation_by_owner_not_by_other(org_a, in_tenant, people):
    with in_tenant(org_a):
        asset = _asset(people["officer_actor"], people["owner"], asset_type="ai_model")
        ev = services.evaluation_record(
            actor=people["owner_actor"],
            asset=asset,
            kind="bias",
            performed_on=datetime.date(2025, 3, 1),
            method="Parity",
            result="0.01 gap",
            passed=True,
        )
        assert ev.recorded_by == people["owner"]
        with pytest.raises(NotPermitted):
            services.evaluation_record(
                actor=people["other_actor"],
                asset=asset,
                kind="bias",
                performed_on=datetime.date(2025, 3, 1),
                method="x",
                result="y",
                passed=False,
            )
        with pytest.raises(ValidationError) as error:
            services.evaluation_record(
                actor=people["owner_actor"],
                asset=asset,
                kind="vibes",
                performed_on=timezone.localdate() + timedelta(days=2),
                method="",
                result="",
                passed=False,
            )
        assert set(error.value.message_dict) == {"kind", "performed_on", "method", "result"}


def test_shadow_ai_intake_and_triage(org_a, in_tenant, people):
    with in_tenant(org_a):
        report = services.shadow_ai_report(
            actor=people["other_actor"],
            name="SlideGenie",
            used_by="Sales team",
            purpose="Pitch decks",
            data_going_in="Customer names",
            data_categories=["personal"],
        )
        assert report.lifecycle == "proposed" and report.triage_status == Triage.PENDING
        assert report.owner is None
        assert list(selectors.triage_queue()) == [report]
        assert report not in selectors.register()
        with pytest.raises(NotPermitted):
            services.shadow_ai_report(
                actor=people["auditor_actor"], name="X", used_by="", purpose="y", data_going_in=""
            )
        with pytest.raises(NotPermitted):
            services.shadow_ai_accept(
                actor=people["owner_actor"], asset=report, owner=people["owner"]
            )
        with pytest.raises(Conflict):
            services.asset_update(actor=people["officer_actor"], asset=report, description="x")
        services.shadow_ai_accept(
            actor=people["officer_actor"], asset=report, owner=people["owner"]
        )
        report = Asset.objects.get(pk=report.pk)
        assert report.triage_status == Triage.ACCEPTED and report.triaged_by == people["officer"]
        assert policy.can(people["owner_actor"], "change", report)
        assert report in selectors.register()
        with pytest.raises(TransitionRefused):
            services.shadow_ai_dismiss(actor=people["officer_actor"], asset=report, reason="late")

        other = services.shadow_ai_report(
            actor=people["owner_actor"],
            name="Free PDF bot",
            used_by="",
            purpose="Summaries",
            data_going_in="",
        )
        with pytest.raises(ValidationError):
            services.shadow_ai_dismiss(actor=people["officer_actor"], asset=other, reason=" ")
        services.shadow_ai_dismiss(actor=people["officer_actor"], asset=other, reason="Duplicate")
        assert Asset.objects.get(pk=other.pk).triage_status == Triage.DISMISSED
        assert not selectors.triage_queue().exists()


def test_upsert_is_idempotent_and_gated(org_a, in_tenant, people):
    payload = {"name": "Notion AI", "asset_type": "ai_saas_tool", "owner": people["owner"]}
    with in_tenant(org_a):
        a1, created1 = services.asset_upsert(
            actor=people["officer_actor"], external_id="sso-42", **payload
        )
        a2, created2 = services.asset_upsert(
            actor=people["officer_actor"], external_id="sso-42", **payload
        )
        assert (created1, created2) == (True, False) and a1.pk == a2.pk
        assert Asset.objects.filter(external_id="sso-42").count() == 1
        assert AuditEvent.objects.for_object(a1).count() == 1  # the second call changed nothing
        with pytest.raises(Conflict):
            services.asset_upsert(
                actor=people["officer_actor"], external_id="sso-42", lifecycle="production"
            )
        with pytest.raises(ValidationError) as error:
            services.asset_upsert(actor=people["officer_actor"], external_id="sso-43", name="x")
        assert set(error.value.message_dict) == {"asset_type", "owner"}


def test_home_counts(org_a, in_tenant, people):
    with in_tenant(org_a):
        _asset(people["officer_actor"], people["owner"])
        _asset(people["officer_actor"], people["owner"], name="DB", asset_type="database")
        services.shadow_ai_report(
            actor=people["owner_actor"], name="X", used_by="", purpose="y", data_going_in=""
        )
        assert selectors.home_counts() == {"ai": 1, "ownerless": 0, "triage": 1}
