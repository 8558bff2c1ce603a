"""The suppliers policies (suppliers.access): ownership, segregation of duties, auditors.

- Segregation of duties on supplier assessments (ISO/IEC 27001:2022 Annex A 5.3, applied to
  the supplier assessments of 5.19–5.21): whoever sent the assessment, returned it, filled in
  its answers or reviewed it never approves or rejects it; another officer can.
- A contributor changes the suppliers they own (guardian grant), and nothing else; the grant
  moves with the owner.
- Auditors are read-only and never own (records:own); their pages show no write controls.
Error codes are asserted, not English.
"""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from isms import policy
from isms.errors import ErrorCode, NotPermitted
from isms.models import Role
from suppliers.models import Supplier, SupplierAnswer, SupplierAssessment
from suppliers.services import assessments as svc
from suppliers.services import portal, register
from suppliers.services.portal import PortalSession
from tests.suppliers.factories import SupplierFactory, officer_actor
from tests.suppliers.test_services import actor_for, good_answers


def _under_review(org, sender, reviewer, *, returned_by=None):
    supplier = SupplierFactory(owner=sender.user)
    assessment = svc.assessment_create(actor=sender, supplier=supplier)
    good_answers(assessment)
    svc.assessment_send(actor=sender, assessment=assessment)
    if returned_by is not None:
        # Round trip: submitted, reviewed, returned by someone, submitted again.
        svc.assessment_submit(actor=sender, assessment=assessment)
        svc.assessment_start_review(actor=reviewer, assessment=assessment)
        svc.assessment_return(actor=returned_by, assessment=assessment, note="Fix the date")
    svc.assessment_submit(actor=sender, assessment=assessment)
    svc.assessment_start_review(actor=reviewer, assessment=assessment)
    return assessment


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_sender_and_reviewer_never_decide_someone_else_does(org_a, in_tenant, decision):
    with in_tenant(org_a):
        sender, reviewer, other = actor_for(org_a), actor_for(org_a), actor_for(org_a)
        assessment = _under_review(org_a, sender, reviewer)
        decide = {
            "approve": lambda actor: svc.assessment_approve(actor=actor, assessment=assessment),
            "reject": lambda actor: svc.assessment_reject(
                actor=actor, assessment=assessment, note="Trains on our data"
            ),
        }[decision]
        for participant in (sender, reviewer):
            assert not policy.can(participant, decision, assessment)
            with pytest.raises(NotPermitted) as refused:
                decide(participant)
            assert refused.value.code == ErrorCode.SEGREGATION_OF_DUTIES
        assert SupplierAssessment.objects.get(pk=assessment.pk).status == "under_review"
        assert policy.can(other, decision, assessment)
        decided = decide(other)
        assert decided.status == ("approved" if decision == "approve" else "rejected")
        assert decided.decided_by == other.user
        assert (decided.sent_by, decided.reviewer) == (sender.user, reviewer.user)


def test_whoever_returned_an_assessment_never_approves_it(org_a, in_tenant):
    with in_tenant(org_a):
        sender, reviewer, returner, other = (actor_for(org_a) for _ in range(4))
        assessment = _under_review(org_a, sender, reviewer, returned_by=returner)
        assert assessment.returned_by == returner.user
        with pytest.raises(NotPermitted) as refused:
            svc.assessment_approve(actor=returner, assessment=assessment)
        assert refused.value.code == ErrorCode.SEGREGATION_OF_DUTIES
        # A reviewer of an earlier round is a participant too (the history, not only fields).
        second_reviewer = actor_for(org_a)
        assessment = SupplierAssessment.objects.get(pk=assessment.pk)
        SupplierAssessment.objects.filter(pk=assessment.pk).update(reviewer=second_reviewer.user)
        assert not policy.can(reviewer, "approve", SupplierAssessment.objects.get(pk=assessment.pk))
        assert svc.assessment_approve(actor=other, assessment=assessment).status == "approved"


def test_contributor_approver_is_refused_for_the_missing_scope(org_a, in_tenant):
    with in_tenant(org_a):
        assessment = _under_review(org_a, actor_for(org_a), actor_for(org_a))
        with pytest.raises(NotPermitted) as refused:
            svc.assessment_approve(actor=actor_for(org_a, Role.CONTRIBUTOR), assessment=assessment)
        assert refused.value.code == ErrorCode.MISSING_SCOPE


def test_contributor_owner_edits_own_supplier_only_and_the_grant_moves(org_a, in_tenant):
    with in_tenant(org_a):
        officer = actor_for(org_a)
        first, second = actor_for(org_a, Role.CONTRIBUTOR), actor_for(org_a, Role.CONTRIBUTOR)
        supplier = register.supplier_create(actor=officer, name="Voice AI", owner=first.user)
        other = register.supplier_create(actor=officer, name="Other", owner=officer.user)
        register.supplier_update(actor=first, supplier=supplier, provides="Speech to text")
        cert = register.certification_create(
            actor=first, supplier=supplier, type="iso27001", valid_until="2030-01-01"
        )
        assert policy.can(first, "change", cert)
        for target in (other,):
            with pytest.raises(NotPermitted) as refused:
                register.supplier_update(actor=first, supplier=target, provides="x")
            assert refused.value.code == ErrorCode.PERMISSION_DENIED
        owned = policy.restrict(first, "change", Supplier.objects.all())
        assert list(owned) == [supplier]
        # The officer hands the supplier to another contributor: the grant moves with it.
        register.supplier_update(actor=officer, supplier=supplier, owner=second.user)
        supplier = Supplier.objects.get(pk=supplier.pk)
        assert not policy.can(first, "change", supplier)
        assert not policy.can(first, "change", cert)
        assert policy.can(second, "change", supplier)
        with pytest.raises(NotPermitted):
            register.supplier_update(actor=first, supplier=supplier, provides="y")


def test_an_auditor_can_never_own_a_supplier(org_a, in_tenant, member, api_for):
    auditor = member(org_a, Role.AUDITOR)
    with in_tenant(org_a):
        officer = actor_for(org_a)
        with pytest.raises(ValidationError) as error:
            register.supplier_create(actor=officer, name="Audited", owner=auditor)
        assert "owner" in error.value.message_dict
        supplier = register.supplier_create(actor=officer, name="Owned", owner=officer.user)
        with pytest.raises(ValidationError) as error:
            register.supplier_update(actor=officer, supplier=supplier, owner=auditor)
        assert "owner" in error.value.message_dict
    response = api_for(user=officer.user).post(
        f"/api/v1/orgs/{org_a.slug}/suppliers/",
        {"name": "Audited", "owner": auditor.pk},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and "owner" in response.json()["errors"]


def test_auditor_pages_show_no_write_controls(org_a, in_tenant, member, client_for):
    with in_tenant(org_a):
        officer = actor_for(org_a)
        supplier = SupplierFactory(owner=officer.user)
        sent = svc.assessment_create(actor=officer, supplier=supplier)
        svc.assessment_send(actor=officer, assessment=sent)
        portal.portal_link_create(actor=officer, assessment=sent)
        reviewed = _under_review(org_a, actor_for(org_a), actor_for(org_a))
    auditor = client_for(member(org_a, Role.AUDITOR))
    base = f"/o/{org_a.slug}/suppliers/"
    pages = [
        base,
        f"{base}{supplier.pk}/",
        f"{base}{supplier.pk}/?tab=assessments",
        f"{base}{supplier.pk}/?tab=contract",
        f"{base}assessments/{sent.pk}/",
        f"{base}assessments/{reviewed.pk}/",
    ]
    for url in pages:
        response = auditor.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        # The only forms are the menu's log-out and the register's column choice (the
        # auditor's own view, isms.list_columns).
        own = len(re.findall(r'action="(/accounts/logout/|[^"]*/suppliers/columns/)"', body))
        assert body.count('method="post"') == own, url
        for control in ("Add supplier", "Import CSV", ">Edit<", "Save", "Approve", "Revoke"):
            assert control not in body, (url, control)
    # The same pages show the officer's controls (positive control of the check above).
    officer_web = client_for(officer.user)
    assert "Add supplier" in officer_web.get(base).content.decode()
    assert 'value="approve"' in officer_web.get(pages[-1]).content.decode()


def test_the_portal_shows_a_clear_page_when_the_answers_were_submitted_meanwhile(
    org_a, in_tenant, monkeypatch
):
    """The link was open when the supplier loaded the page; the officer submitted meanwhile.
    The save is refused with a page that says so (409), not a server error."""
    with in_tenant(org_a):
        officer = officer_actor(org_a)
        assessment = svc.assessment_create(
            actor=officer, supplier=SupplierFactory(owner=officer.user)
        )
        good_answers(assessment)
        svc.assessment_send(actor=officer, assessment=assessment)
        token = portal.portal_link_create(actor=officer, assessment=assessment).token
        answers = list(assessment.answers.all())
    client = Client()
    assert client.get(f"/supplier-portal/{token}/").status_code == 200
    with in_tenant(org_a):
        svc.assessment_submit(actor=officer, assessment=assessment)
    # The view's early check ran before the submission (as in the race): only the service's
    # check under the assessment's lock stands between the save and the frozen answers.
    monkeypatch.setattr(PortalSession, "editable", property(lambda session: True))
    response = client.post(f"/supplier-portal/{token}/", {f"a{a.pk}_value": "" for a in answers})
    assert response.status_code == 409
    assert 'id="portal-conflict"' in response.content.decode()
    with in_tenant(org_a):
        assert SupplierAssessment.objects.get(pk=assessment.pk).status == "submitted"
    with in_tenant(org_a):
        assert not SupplierAnswer.objects.filter(
            assessment=assessment, choice="", text="", date=None
        ).exists()


def test_contributor_pages_offer_edit_on_own_supplier_only(org_a, in_tenant, member, client_for):
    contributor = member(org_a, Role.CONTRIBUTOR)
    with in_tenant(org_a):
        mine = SupplierFactory(owner=contributor)
        theirs = SupplierFactory(owner=actor_for(org_a).user)
    web = client_for(contributor)
    base = f"/o/{org_a.slug}/suppliers/"
    assert f'href="{base}{mine.pk}/edit/"' in web.get(f"{base}{mine.pk}/").content.decode()
    assert f'href="{base}{theirs.pk}/edit/"' not in web.get(f"{base}{theirs.pk}/").content.decode()
    assert web.get(f"{base}{mine.pk}/edit/").status_code == 200
    assert web.get(f"{base}{theirs.pk}/edit/").status_code == 403
    refused = web.post(f"{base}{theirs.pk}/contract/", {}, follow=True)
    assert "Nothing was changed: Only the owner" in refused.content.decode()
    with in_tenant(org_a):
        assert not theirs.contract_clauses.exclude(status="missing").exists()
