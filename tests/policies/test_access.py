"""The policies' authorization rules (policies/access.py, issue 10): who may approve, who is
named approver, segregation of duties, API keys without an owner, auditors' pages.

ISO/IEC 27001:2022 A.5.1 (policies approved by management) and A.5.3 (segregation of
duties): the approver holds `policies:approve` when approving, and never wrote or reviewed
the version."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from isms import permissions
from isms.errors import NotPermitted
from isms.models import Membership, Role
from isms.services.organizations import membership_set
from policies import services
from policies.models import VersionStatus
from tests.policies.factories import actor_for, make_draft, make_published, new_actor

pytestmark = pytest.mark.django_db


def test_a_contributor_or_auditor_cannot_be_named_approver_in_the_service(org_a, in_tenant):
    with in_tenant(org_a):
        officer = new_actor(org_a)
        version = make_draft(org_a, officer=officer)
        for role in (Role.CONTRIBUTOR, Role.AUDITOR):
            named = new_actor(org_a, role)
            with pytest.raises(ValidationError) as error:
                services.version_submit(actor=officer, version=version, approver=named.user)
            assert list(error.value.message_dict) == ["approver"]
            version.refresh_from_db()
            assert version.status == VersionStatus.DRAFT


def test_a_contributor_named_approver_is_a_400_naming_the_field_in_the_api(
    org_a, member, api_for, in_tenant
):
    officer, contributor = member(org_a, Role.OFFICER), member(org_a, Role.CONTRIBUTOR)
    with in_tenant(org_a):
        version = make_draft(org_a, officer=actor_for(officer, org_a))
    response = api_for(officer).post(
        f"/api/v1/orgs/{org_a.slug}/policy-versions/{version.pk}/submit/",
        {"approver": contributor.pk},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and "approver" in response.json()["errors"]


def test_a_contributor_named_approver_is_a_form_error_in_the_ui(
    org_a, member, client_for, in_tenant
):
    officer, contributor = member(org_a, Role.OFFICER), member(org_a, Role.CONTRIBUTOR)
    approver = member(org_a, Role.ADMIN)
    with in_tenant(org_a):
        version = make_draft(org_a, officer=actor_for(officer, org_a))
    client = client_for(officer)
    address = f"/o/{org_a.slug}/policies/versions/{version.pk}/submit/"
    form = client.get(address)
    # The picker offers only members who may approve policies.
    choices = {c[0].value for c in form.context["form"].fields["approver"].choices if c[0]}
    assert approver.pk in choices and contributor.pk not in choices
    refused = client.post(address, {"approver": contributor.pk})
    assert refused.status_code == 400
    assert refused.context["form"].errors["approver"]
    with in_tenant(org_a):
        version.refresh_from_db()
    assert version.status == VersionStatus.DRAFT


def test_neither_author_nor_reviewer_approves_even_when_granted(org_a, in_tenant):
    with in_tenant(org_a):
        author = new_actor(org_a)
        reviewer = new_actor(org_a, Role.OFFICER)
        approver = new_actor(org_a, Role.OFFICER)
        version = make_draft(org_a, officer=author)
        services.version_submit(
            actor=author, version=version, approver=approver.user, reviewers=[reviewer.user]
        )
        for participant in (author, reviewer):
            permissions.grant(participant.user, "policies.approve_policyversion", version)
            with pytest.raises(NotPermitted) as refused:
                services.version_approve(actor=participant, version=version)
            assert refused.value.code == "segregation_of_duties"
        # naming the approver among the reviewers is refused when named
        second = make_draft(org_a, officer=author)
        with pytest.raises(ValidationError) as error:
            services.version_submit(
                actor=author, version=second, approver=approver.user, reviewers=[approver.user]
            )
        assert list(error.value.message_dict) == ["reviewers"]
        services.version_approve(actor=approver, version=version)
        assert version.status == VersionStatus.APPROVED


def test_an_approver_who_lost_the_scope_cannot_approve(org_a, in_tenant):
    with in_tenant(org_a):
        officer = new_actor(org_a)
        approver = new_actor(org_a, Role.OFFICER)
        version = make_draft(org_a, officer=officer)
        services.version_submit(actor=officer, version=version, approver=approver.user)
    membership_set(organization=org_a, user=approver.user, role=Role.CONTRIBUTOR)
    with in_tenant(org_a):
        demoted = actor_for(approver.user, org_a)
        with pytest.raises(NotPermitted) as refused:
            services.version_approve(actor=demoted, version=version)
        assert refused.value.code == "missing_scope"
        version.refresh_from_db()
        assert version.status == VersionStatus.IN_REVIEW
    assert Membership.objects.get(user=approver.user).role == Role.CONTRIBUTOR


def test_from_template_with_an_api_key_and_no_owner_is_a_400_naming_owner(
    org_a, api_for, api_key_for
):
    client = api_for(api_token=api_key_for(org_a))
    response = client.post(
        f"/api/v1/orgs/{org_a.slug}/policies/from-template/",
        {"template": "ai-acceptable-use"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and "owner" in response.json()["errors"]


def test_the_owner_grant_follows_the_owner(org_a, in_tenant):
    with in_tenant(org_a):
        officer = new_actor(org_a)
        first, second = new_actor(org_a, Role.CONTRIBUTOR), new_actor(org_a, Role.CONTRIBUTOR)
        policy = services.policy_create(actor=officer, title="Owned", owner=first.user)
        services.policy_update(actor=first, policy=policy, review_interval_months=6)
        services.policy_update(actor=officer, policy=policy, owner=second.user)
        with pytest.raises(NotPermitted):
            services.policy_update(actor=first, policy=policy, review_interval_months=3)
        services.policy_update(actor=second, policy=policy, review_interval_months=3)


def test_auditor_pages_show_no_write_controls(org_a, member, client_for, in_tenant):
    auditor = member(org_a, Role.AUDITOR)
    with in_tenant(org_a):
        published = make_published(org_a)
        draft = make_draft(org_a)
    client = client_for(auditor)
    base = f"/o/{org_a.slug}/policies/"
    pages = [
        base,
        f"{base}{published.policy_id}/",
        f"{base}versions/{published.pk}/",
        f"{base}versions/{draft.pk}/",
        f"{base}templates/",
        f"{base}to-read/",
    ]
    for address in pages:
        response = client.get(address)
        assert response.status_code == 200, address
        html = response.content.decode()
        assert html.count('method="post"') == 1, address  # the log-out button only
        for control in (
            ">New policy<",
            ">Edit policy details<",
            ">Edit draft<",
            ">Submit for review<",
            ">Approve<",
            ">Publish<",
            ">Retire<",
            ">Delete draft<",
            "Create a draft from",
            "I have read",
        ):
            assert control not in html, (address, control)
