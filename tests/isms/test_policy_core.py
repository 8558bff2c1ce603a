"""The authorization policy layer (isms.policy), members and the shared write helpers.

Generic over every registered policy: an approval needs a named person holding the approve
scope at that moment, and whoever prepared, requested, sent or reviewed the object never
approves it (segregation of duties, ISO/IEC 27001:2022 Annex A 5.3).
"""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from assets.models import Asset, AssetUserObjectPermission
from isms import policy
from isms.access import ROLE_SCOPES, Actor
from isms.errors import Duplicate, ErrorCode, NotPermitted
from isms.members import active_members, validate_member
from isms.models import Membership, Organization, Role
from isms.tenancy import tenant_context
from isms.writes import model_update, unique_or_conflict
from suppliers.models import Supplier
from tests.assets.factories import AssetFactory
from tests.factories import MembershipFactory
from tests.suppliers.factories import SupplierFactory


def _declare_all_policies() -> None:
    for config in apps.get_app_configs():
        try:
            importlib.import_module(f"{config.name}.access")
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.access":
                raise


def _actor(role: str, user_id: int = 1, organization=None) -> Actor:
    membership = Membership(role=role, user_id=user_id)
    user = SimpleNamespace(pk=user_id, is_authenticated=True, email=f"u{user_id}@x.test")
    return Actor(
        organization=organization or Organization(pk=1, slug="x", name="X"),
        scopes=ROLE_SCOPES[role],
        user=user,
        membership=membership,
    )


def _sod_cases():
    _declare_all_policies()
    for model, rules in policy.registered().items():
        for action, fields in rules.separation_of_duties.items():
            for field in fields:
                yield pytest.param(rules, action, field, id=f"{model.__name__}.{action}.{field}")


@pytest.mark.parametrize(("rules", "action", "field"), list(_sod_cases()))
def test_segregation_of_duties_refuses_the_participant_as_approver(rules, action, field):
    approver = _actor(Role.ADMIN, user_id=7)
    obj = rules.model()
    setattr(obj, f"{field}_id", 7)
    refused = rules.approval_refusal(approver, action, obj)
    assert refused is not None and refused.code == ErrorCode.SEGREGATION_OF_DUTIES
    # Someone else with the approve scope passes this rule.
    other = _actor(Role.ADMIN, user_id=8)
    assert rules.approval_refusal(other, action, obj) is None


def _approval_cases():
    _declare_all_policies()
    for model, rules in policy.registered().items():
        for action in sorted(rules.approvals):
            if hasattr(rules, f"rule_{action}"):
                yield pytest.param(rules, action, id=f"{model.__name__}.{action}")


@pytest.mark.parametrize(("rules", "action"), list(_approval_cases()))
def test_an_approval_needs_a_named_person_with_the_approve_scope(rules, action):
    obj = rules.model()
    for role, scopes in ROLE_SCOPES.items():
        refused = rules.approval_refusal(_actor(role, user_id=9), action, obj)
        if rules.approve_scope in scopes:
            assert refused is None, role
        else:
            assert refused is not None and refused.code == ErrorCode.MISSING_SCOPE, role
    key_actor = Actor(organization=Organization(pk=1), scopes=frozenset(ROLE_SCOPES[Role.ADMIN]))
    assert rules.approval_refusal(key_actor, action, obj) is not None


class _AssetRules(policy.ModelPolicy):
    model = Asset
    domain = "assets"
    owner_grant = "change_asset"
    separation_of_duties = {"approve": {"owner": "own"}}


@pytest.fixture
def asset_rules(monkeypatch):
    """A policy for Asset in this test only (the assets app registers its own)."""
    rules = _AssetRules()
    monkeypatch.setitem(policy._registry, Asset, rules)
    return rules


def test_change_needs_manage_scope_or_ownership(org_a, asset_rules):
    officer = MembershipFactory(organization=org_a, role=Role.OFFICER)
    contributor = MembershipFactory(organization=org_a, role=Role.CONTRIBUTOR)
    auditor = MembershipFactory(organization=org_a, role=Role.AUDITOR)
    with tenant_context(org_a.pk):
        thing = AssetFactory(owner=contributor.user)
        others = AssetFactory(owner=officer.user)
        AssetUserObjectPermission.objects.all().delete()
        asset_rules.grant_owner(thing, contributor.user)
        as_officer, as_contributor, as_auditor = (
            Actor.for_membership(m) for m in (officer, contributor, auditor)
        )
        assert policy.can(as_officer, "change", thing)
        assert policy.can(as_contributor, "change", thing)
        assert not policy.can(as_contributor, "change", others)
        assert not policy.can(as_auditor, "change", thing)
        with pytest.raises(NotPermitted) as refused:
            policy.require(as_auditor, "change", thing)
        assert refused.value.code == ErrorCode.MISSING_SCOPE
        everyone = Asset.objects.all()
        assert set(policy.restrict(as_contributor, "change", everyone)) == {thing}
        assert set(policy.restrict(as_officer, "change", everyone)) == {thing, others}
        assert not policy.restrict(as_auditor, "change", everyone).exists()
        assert set(policy.restrict(as_auditor, "view", everyone)) == {thing, others}
        # Transfer: the grant moves with ownership.
        policy.attach_grants(as_contributor, [thing, others])
        assert thing._my_grants == {"change_asset"} and others._my_grants == frozenset()
        asset_rules.grant_owner(thing, officer.user, previous=contributor.user)
        fresh = Asset.objects.get(pk=thing.pk)
        assert not policy.can(Actor.for_membership(contributor), "change", fresh)


def test_segregation_of_duties_through_require(org_a, asset_rules):
    officer = MembershipFactory(organization=org_a, role=Role.OFFICER)
    admin = MembershipFactory(organization=org_a, role=Role.ADMIN)
    with tenant_context(org_a.pk):
        thing = AssetFactory(owner=officer.user)
        with pytest.raises(NotPermitted) as refused:
            policy.require(Actor.for_membership(officer), "approve", thing)
        assert refused.value.code == ErrorCode.SEGREGATION_OF_DUTIES
        policy.require(Actor.for_membership(admin), "approve", thing)


def test_auditors_are_never_owners_and_other_organisations_members_are_unknown(org_a, org_b):
    officer = MembershipFactory(organization=org_a, role=Role.OFFICER).user
    auditor = MembershipFactory(organization=org_a, role=Role.AUDITOR).user
    outsider = MembershipFactory(organization=org_b, role=Role.OFFICER).user
    with tenant_context(org_a.pk):
        assert validate_member(officer.pk, "owner") == officer
        with pytest.raises(ValidationError) as refused:
            validate_member(auditor, "owner")
        assert "auditors" in str(refused.value.message_dict["owner"])
        with pytest.raises(ValidationError) as unknown:
            validate_member(outsider.pk, "owner")
        assert unknown.value.message_dict["owner"] == [
            f"No active member with user id {outsider.pk} in this organisation."
        ]
        assert set(active_members()) == {officer}
        assert set(active_members(scope=None)) == {officer, auditor}


def test_model_update_writes_only_changed_fields(org_a):
    with tenant_context(org_a.pk):
        thing = SupplierFactory(owner=_owner(org_a), provides="old", website="https://a.example")
        Supplier.objects.filter(pk=thing.pk).update(website="https://meanwhile.example")
        changed = model_update(
            thing, data={"provides": "new", "name": thing.name}, fields=["provides", "name"]
        )
        assert changed == ["provides"]
        thing.refresh_from_db()
        assert (thing.provides, thing.website) == ("new", "https://meanwhile.example")
        assert model_update(thing, data={"provides": "new"}, fields=["provides"]) == []
        with pytest.raises(ValueError):
            model_update(thing, data={"status": "terminated"}, fields=["provides"])


def test_unique_or_conflict_names_the_field(org_a):
    from django.db import connection

    with tenant_context(org_a.pk):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")  # the tenant transaction is open
        messages = {"isms_test_unique": ("name", "That name is taken.")}
        with pytest.raises(Duplicate) as refused:
            with unique_or_conflict(messages):
                with connection.cursor() as cursor:
                    cursor.execute(
                        "CREATE TEMP TABLE t (name text CONSTRAINT isms_test_unique UNIQUE)"
                    )
                    cursor.execute("INSERT INTO t VALUES ('a'), ('a')")
        assert (refused.value.field, refused.value.code) == ("name", ErrorCode.DUPLICATE)
        # The savepoint was rolled back: the transaction goes on.
        assert SupplierFactory(owner=_owner(org_a))


def _owner(organization):
    return MembershipFactory(organization=organization, role=Role.OFFICER).user
