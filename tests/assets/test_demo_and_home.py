import pytest

from assets.models import Asset, AssetDependency, Triage
from isms.demo import load_demo
from isms.models import AuditEvent, Organization
from isms.tenancy import tenant_context

pytestmark = pytest.mark.django_db


def test_demo_is_idempotent_and_complete():
    load_demo()
    demo = Organization.objects.get(slug="demo")
    with tenant_context(demo.pk):
        first = (Asset.objects.count(), AssetDependency.objects.count(), AuditEvent.objects.count())
    load_demo()
    with tenant_context(demo.pk):
        assert (
            Asset.objects.count(),
            AssetDependency.objects.count(),
            AuditEvent.objects.count(),
        ) == first
        assert Asset.objects.filter(triage_status=Triage.PENDING).count() == 1
        model = Asset.objects.get(external_id="demo-churn-model")
        assert model.dependencies.get().depends_on.name == "Churn training dataset"
        assert not Asset.objects.filter(
            asset_type__in=["ai_model", "ai_system"], lifecycle="production"
        ).exists()


def test_home_shows_asset_figures(org_a, member, client_for, in_tenant):
    from assets import services
    from isms.access import Actor
    from isms.models import Membership, Role

    user = member(org_a, Role.CONTRIBUTOR)
    with in_tenant(org_a):
        actor = Actor.for_membership(Membership.objects.get(user=user))
        services.shadow_ai_report(actor=actor, name="X", used_by="", purpose="p", data_going_in="")
    page = client_for(user).get(f"/o/{org_a.slug}/")
    assert b"Reported AI tools awaiting triage" in page.content
    triage = next(f for f in page.context["figures"] if f.label.startswith("Reported AI tools"))
    assert triage.value == 1


def test_home_shows_the_ai_policy_gap_until_a_policy_is_published(
    org_a, member, client_for, in_tenant
):
    from policies.models import PolicyKind
    from tests.assets.factories import make_asset
    from tests.policies.factories import make_published

    client = client_for(member(org_a, "officer"))
    label = b"AI assets with no published AI acceptable use policy"
    assert label not in client.get(f"/o/{org_a.slug}/").content, "no AI assets, no gap"
    with in_tenant(org_a):
        make_asset(org_a)
        make_asset(org_a)
    page = client.get(f"/o/{org_a.slug}/")
    gap = next(f for f in page.context["figures"] if f.label == label.decode())
    assert gap.value == 2 and gap.tone == "danger" and "no published policy" in gap.note
    with in_tenant(org_a):
        make_published(org_a, kind=PolicyKind.AI_ACCEPTABLE_USE)
    assert label not in client.get(f"/o/{org_a.slug}/").content
