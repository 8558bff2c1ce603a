import pytest

from assets.models import Asset, AssetType, Lifecycle
from isms.models import Membership, Role
from tests.assets.factories import AssetFactory
from tests.risks.factories import actor_for


class People(dict):
    __getattr__ = dict.__getitem__


@pytest.fixture
def people(org_a, member):
    """Members of org A and their Actors: admin, officer, approver (officer), contributor,
    other (contributor), auditor, and board: a contributor designated top management (the
    designation, not a role, carries risks:accept_above_appetite; the admin has none)."""
    found = People()
    for name, role in [
        ("admin", Role.ADMIN),
        ("officer", Role.OFFICER),
        ("approver", Role.OFFICER),
        ("contributor", Role.CONTRIBUTOR),
        ("other", Role.CONTRIBUTOR),
        ("auditor", Role.AUDITOR),
        ("board", Role.CONTRIBUTOR),
    ]:
        user = member(org_a, role)
        if name == "board":
            Membership.objects.filter(organization=org_a, user=user).update(top_management=True)
        found[name] = user
        found[f"{name}_actor"] = actor_for(org_a, user=user)
    return found


@pytest.fixture
def pilot_tool(org_a, in_tenant, people) -> Asset:
    """An AI SaaS tool in pilot, owned by the contributor: compliance debt until approved."""
    with in_tenant(org_a):
        return AssetFactory(
            organization=org_a,
            name="Support reply assistant",
            asset_type=AssetType.AI_SAAS_TOOL,
            lifecycle=Lifecycle.PILOT,
            owner=people.contributor,
        )
