"""The due source "supplier link to e-mail" (issue 12's approvals list; supplier
relationships, ISO/IEC 27001:2022 controls 5.19-5.21): a portal link the supplier has not
opened reminds whoever issued it; it stops once the supplier opens it or the link is revoked;
set-based; never across organisations."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from isms.models import Membership, Role
from monitoring.inbox import services as inbox
from monitoring.inbox import sources
from monitoring.inbox.due_sources import SUPPLIER_LINK_DAYS
from monitoring.inbox.models import Notification
from suppliers.models import SupplierPortalLink
from suppliers.services import assessments as svc
from suppliers.services.portal import portal_link_create, portal_link_revoke
from tests.suppliers.factories import SupplierFactory, officer_actor

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
KIND = "supplier_link_to_send"


def issue(org, in_tenant, *, days_ago=3, name="Vendor"):
    with in_tenant(org):
        actor = officer_actor(org)
        supplier = SupplierFactory(owner=actor.user, name=name)
        assessment = svc.assessment_create(actor=actor, supplier=supplier)
        svc.assessment_send(actor=actor, assessment=assessment)
        link = portal_link_create(
            actor=actor, assessment=assessment, recipient_email="sec@vendor.example"
        ).link
        SupplierPortalLink.objects.filter(pk=link.pk).update(
            created=timezone.now() - timedelta(days=days_ago)
        )
        link.refresh_from_db()
    return actor, link


def items(org, in_tenant):
    with in_tenant(org):
        return sources.gather(org.pk, TODAY, kinds=[KIND])


def test_an_unopened_link_reminds_its_issuer_until_the_supplier_opens_it(org_a, in_tenant):
    actor, link = issue(org_a, in_tenant)
    (item,) = items(org_a, in_tenant)
    assert item.recipient_ids == [actor.user_id]
    assert item.due_on == link.created.date() + timedelta(days=SUPPLIER_LINK_DAYS) < TODAY
    assert "sec@vendor.example" in item.subject and link.token_prefix in item.subject
    assert item.url.endswith(f"/suppliers/assessments/{link.assessment_id}/")
    with in_tenant(org_a):
        SupplierPortalLink.objects.filter(pk=link.pk).update(last_used_at=timezone.now())
    assert items(org_a, in_tenant) == []


def test_a_revoked_or_expired_link_is_not_reminded(org_a, in_tenant):
    actor, revoked = issue(org_a, in_tenant, name="A")
    _, expired = issue(org_a, in_tenant, name="B")
    with in_tenant(org_a):
        portal_link_revoke(actor=actor, link=revoked)
        SupplierPortalLink.objects.filter(pk=expired.pk).update(
            expires_at=timezone.now() - timedelta(minutes=1)
        )
    assert items(org_a, in_tenant) == []


def test_an_issuer_who_left_hands_the_reminder_to_the_supplier_officers(org_a, in_tenant, member):
    actor, _ = issue(org_a, in_tenant)
    officer = member(org_a, Role.OFFICER)
    Membership.objects.filter(organization=org_a, user_id=actor.user_id).update(
        expires_at=timezone.now() - timedelta(days=1)
    )
    (item,) = items(org_a, in_tenant)
    assert actor.user_id not in item.recipient_ids and officer.pk in item.recipient_ids


def test_the_sweep_notifies_the_issuer_once_and_never_another_organisation(org_a, org_b, in_tenant):
    actor, link = issue(org_a, in_tenant)
    other, _ = issue(org_b, in_tenant)
    for _ in range(2):
        with in_tenant(org_a):
            inbox.sweep_organization(today=TODAY, send=False)
    with in_tenant(org_a):
        mine = Notification.objects.filter(key__startswith=f"{KIND}:{link.pk}")
        assert list(mine.values_list("recipient_id", flat=True)) == [actor.user_id]
        assert not Notification.objects.filter(recipient_id=other.user_id).exists()
    assert [i.recipient_ids for i in items(org_b, in_tenant)] == [[other.user_id]]


def test_the_source_is_set_based(org_a, in_tenant):
    def count():
        with in_tenant(org_a):
            sources.gather(org_a.pk, TODAY, kinds=[KIND])
            with CaptureQueriesContext(connection) as captured:
                list(sources.registered()[KIND](org_a.pk, TODAY))
        return len(captured)

    issue(org_a, in_tenant, name="first")
    one = count()
    for n in range(5):
        issue(org_a, in_tenant, name=f"more {n}")
    assert count() == one == 1
