"""The getting-started checklist (issue 16): a small registry of steps that feature apps fill
in their AppConfig.ready(); each step ticks itself when its records exist (scope submitted,
first assets, members invited, applicability decided), the list shows to those who set the
organisation up and disappears once every step is done. The AI roles step (ISO/IEC 42001
4.1) ticks once the organisation profile names at least one role."""

from __future__ import annotations

import pytest
from django.utils import timezone

from isms import getting_started
from isms.models import Invitation, OrganizationProfile, Role
from monitoring.context import services as context_services
from risks.models import SoARow
from tests.assets.factories import AssetFactory
from tests.incidents.factories import actor_for
from tests.risks.factories import library_control

pytestmark = pytest.mark.django_db


def _states(organization) -> dict[str, bool]:
    return {s.step.key: s.done for s in getting_started.checklist(organization)}


def test_the_apps_register_their_steps_in_order():
    keys = [s.key for s in getting_started.steps()]
    assert keys == ["scope", "roles", "assets", "members", "frameworks"]
    orders = [s.order for s in getting_started.steps()]
    assert orders == sorted(orders)


def test_each_step_ticks_itself_as_its_records_appear(org_a, org_b, member, in_tenant):
    admin = member(org_a, Role.ADMIN)
    library_control("T.1")
    with in_tenant(org_a):
        assert _states(org_a) == dict.fromkeys(
            ["scope", "roles", "assets", "members", "frameworks"], False
        )
        officer = actor_for(org_a)  # a second member: the members step is done
        assert _states(org_a)["members"]
        scope = context_services.scope_draft(actor=officer, statement="Our SaaS and its AI.")
        assert not _states(org_a)["scope"]  # a draft is not yet the scope
        context_services.scope_submit(actor=officer, scope=scope)
        AssetFactory(organization=org_a, owner=admin)
        OrganizationProfile.objects.filter(organization=org_a).update(ai_roles=["customer"])
        SoARow.objects.filter(control__ref="T.1").update(justification="Applies: we host data.")
        assert all(_states(org_a).values())
    with in_tenant(org_b):
        assert not any(_states(org_b).values())  # the other organisation's records count not
        Invitation.objects.create(
            organization=org_b,
            email="new@bravo.example",
            role=Role.CONTRIBUTOR,
            token_hash="x" * 64,
            expires_at=timezone.now() + timezone.timedelta(days=7),
        )
        assert _states(org_b)["members"]


def test_the_home_shows_the_checklist_until_it_is_done(org_a, member, client_for, in_tenant):
    admin = member(org_a, Role.ADMIN)
    page = client_for(admin).get(f"/o/{org_a.slug}/").content.decode()
    assert "Getting started" in page and "Write the scope of the management system" in page
    auditor = member(org_a, Role.AUDITOR, expires_at=timezone.now() + timezone.timedelta(days=9))
    assert "Getting started" not in client_for(auditor).get(f"/o/{org_a.slug}/").content.decode()
    library_control("T.1")
    with in_tenant(org_a):
        officer = actor_for(org_a)
        scope = context_services.scope_draft(actor=officer, statement="All of it.")
        context_services.scope_submit(actor=officer, scope=scope)
        AssetFactory(organization=org_a, owner=admin)
        OrganizationProfile.objects.filter(organization=org_a).update(ai_roles=["customer"])
        SoARow.objects.filter(control__ref="T.1").update(justification="Applies.")
    assert "Getting started" not in client_for(admin).get(f"/o/{org_a.slug}/").content.decode()
