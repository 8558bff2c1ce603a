"""The policy workflow through its services: every transition, who may make it, what it
records, and immutability down to raw SQL."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connections, transaction

from isms import permissions
from isms.access import Actor
from isms.errors import Conflict, Duplicate, NotPermitted, TransitionRefused
from isms.models import Role
from isms.services.api_keys import api_key_create
from policies import selectors, services
from policies.models import Policy, PolicyKind, PolicyVersion, VersionStatus
from policies.workflows import TRANSITIONS
from tests.factories import MembershipFactory
from tests.policies.factories import (
    actor_for,
    make_draft,
    make_policy_with,
    make_published,
    new_actor,
)

pytestmark = pytest.mark.django_db

ALL_ACTIONS = ["submit", "return_to_draft", "approve", "publish", "retire"]


def _version_in(status: str, organization):
    """A version in `status`, with the people around it: (version, officer, approver)."""
    officer = new_actor(organization)
    approver = new_actor(organization, Role.OFFICER)
    version = make_draft(organization, officer=officer)
    if status == VersionStatus.DRAFT:
        return version, officer, approver
    services.version_submit(actor=officer, version=version, approver=approver.user)
    if status == VersionStatus.IN_REVIEW:
        return version, officer, approver
    services.version_approve(actor=approver, version=version)
    if status == VersionStatus.APPROVED:
        return version, officer, approver
    services.version_publish(actor=officer, version=version)
    if status == VersionStatus.PUBLISHED:
        return version, officer, approver
    if status == VersionStatus.RETIRED:
        services.version_retire(actor=officer, version=version)
        return version, officer, approver
    # superseded: publish a second version
    second = services.version_create_draft(actor=officer, policy=version.policy)
    services.version_submit(actor=officer, version=second, approver=approver.user)
    services.version_approve(actor=approver, version=second)
    services.version_publish(actor=officer, version=second)
    version.refresh_from_db()
    return version, officer, approver


def _run(action: str, version, officer, approver):
    actor = approver if action == "approve" else officer
    if action == "submit":
        return services.version_submit(actor=actor, version=version, approver=approver.user)
    if action == "return_to_draft":
        return services.version_return_to_draft(actor=actor, version=version, note="Fix it")
    return services.TRANSITION_SERVICES[action](actor=actor, version=version)


FORBIDDEN = [
    (status, action)
    for status in VersionStatus.values
    for action in ALL_ACTIONS
    if status not in TRANSITIONS[action].sources
]
ALLOWED = [
    (status, action)
    for status in VersionStatus.values
    for action in ALL_ACTIONS
    if status in TRANSITIONS[action].sources
]


@pytest.mark.parametrize(("status", "action"), FORBIDDEN)
def test_every_forbidden_transition_is_refused(org_a, in_tenant, status, action):
    with in_tenant(org_a):
        version, officer, approver = _version_in(status, org_a)
        # The policy is asked first (isms.workflow): where the actor may not act on the
        # object at all (an approver not yet named), the refusal is a 403; otherwise 409.
        with pytest.raises((TransitionRefused, NotPermitted)) as refused:
            _run(action, version, officer, approver)
        version.refresh_from_db()
        assert version.status == status, "a refused transition changes nothing"
    if isinstance(refused.value, TransitionRefused):
        assert refused.value.code == "invalid_transition"
    else:
        assert action == "approve" and status == VersionStatus.DRAFT


@pytest.mark.parametrize(("status", "action"), ALLOWED)
def test_every_allowed_transition_moves_and_records_who_and_when(org_a, in_tenant, status, action):
    with in_tenant(org_a):
        version, officer, approver = _version_in(status, org_a)
        result = _run(action, version, officer, approver)
        result.refresh_from_db()
    assert result.status == TRANSITIONS[action].target
    stamp = {
        "submit": ("submitted_by", "submitted_at", officer),
        "return_to_draft": ("returned_by", "returned_at", officer),
        "approve": ("approved_by", "approved_at", approver),
        "publish": ("published_by", "published_at", officer),
        "retire": ("retired_by", "retired_at", officer),
    }[action]
    assert getattr(result, stamp[0]) == stamp[2].user
    assert getattr(result, stamp[1]) is not None


def test_the_transition_table_is_the_documented_workflow():
    assert {a: (sorted(t.sources), t.target) for a, t in TRANSITIONS.items()} == {
        "submit": (["draft"], "in_review"),
        "return_to_draft": (["in_review"], "draft"),
        "approve": (["in_review"], "approved"),
        "publish": (["approved"], "published"),
        "supersede": (["published"], "superseded"),
        "retire": (["approved", "published"], "retired"),
    }


def test_publishing_supersedes_the_previous_version_and_sets_the_review_date(org_a, in_tenant):
    with in_tenant(org_a):
        first, officer, approver = _version_in(VersionStatus.PUBLISHED, org_a)
        second = services.version_create_draft(actor=officer, policy=first.policy)
        assert second.number == 2 and second.body_markdown == first.body_markdown
        services.version_submit(actor=officer, version=second, approver=approver.user)
        services.version_approve(actor=approver, version=second)
        services.version_publish(actor=officer, version=second)
        first.refresh_from_db()
        policy = Policy.objects.get(pk=first.policy_id)
    assert first.status == VersionStatus.SUPERSEDED
    assert first.superseded_by == officer.user
    assert abs((first.superseded_at - second.published_at).total_seconds()) < 5
    assert policy.next_review_date == services._add_months(second.published_at.date(), 12)


def test_add_months_clamps_to_the_month_end():
    assert services._add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert services._add_months(date(2025, 11, 15), 14) == date(2027, 1, 15)


# --- segregation of duties and per-version grants -----------------------------------------


def test_the_author_cannot_approve_even_when_granted(org_a, in_tenant):
    with in_tenant(org_a):
        version, officer, _approver = _version_in(VersionStatus.IN_REVIEW, org_a)
        permissions.grant(officer.user, "policies.approve_policyversion", version)
        with pytest.raises(NotPermitted, match="segregation of duties"):
            services.version_approve(actor=officer, version=version)
        assert PolicyVersion.objects.get(pk=version.pk).status == VersionStatus.IN_REVIEW


def test_the_author_cannot_be_named_approver_or_reviewer(org_a, in_tenant):
    with in_tenant(org_a):
        version, officer, approver = _version_in(VersionStatus.DRAFT, org_a)
        with pytest.raises(ValidationError) as error:
            services.version_submit(actor=officer, version=version, approver=officer.user)
        assert "segregation" in error.value.message_dict["approver"][0]
        with pytest.raises(ValidationError) as error:
            services.version_submit(
                actor=officer, version=version, approver=approver.user, reviewers=[officer.user]
            )
        assert "reviewers" in error.value.message_dict


def test_only_the_granted_approver_may_approve_not_an_officer_by_role(org_a, in_tenant):
    with in_tenant(org_a):
        version, officer, approver = _version_in(VersionStatus.IN_REVIEW, org_a)
        other_officer = new_actor(org_a, Role.OFFICER)
        admin = new_actor(org_a, Role.ADMIN)
        reviewer = new_actor(org_a, Role.CONTRIBUTOR)
        services.version_return_to_draft(actor=officer, version=version, note="one more pass")
        services.version_submit(
            actor=officer, version=version, approver=approver.user, reviewers=[reviewer.user]
        )
        # Officers and admins hold policies:approve but were not named: refused. The reviewer
        # is refused twice over (no approve scope; segregation of duties).
        for someone in (other_officer, admin, reviewer):
            with pytest.raises(NotPermitted) as refused:
                services.version_approve(actor=someone, version=version)
            expected = "missing_scope" if someone is reviewer else "permission_denied"
            assert refused.value.code == expected
        services.version_approve(actor=approver, version=version)
        assert version.approved_by == approver.user


def test_grants_are_per_version(org_a, in_tenant):
    with in_tenant(org_a):
        one, _officer, approver = _version_in(VersionStatus.IN_REVIEW, org_a)
        two, _, _ = _version_in(VersionStatus.IN_REVIEW, org_a)
        with pytest.raises(NotPermitted):
            services.version_approve(actor=approver, version=two)
        assert selectors.version_grants(one)["approvers"] == [approver.user]
        assert list(selectors.versions_awaiting_review(approver)) == [one]


def test_an_api_key_and_an_auditor_cannot_approve(org_a, in_tenant):
    with in_tenant(org_a):
        version, _officer, _approver = _version_in(VersionStatus.IN_REVIEW, org_a)
        key = api_key_create(organization=org_a, actor=None, name="k", access="read_write")
        with pytest.raises(NotPermitted) as refused:
            services.version_approve(actor=Actor.for_api_key(key.api_key), version=version)
        assert refused.value.code == "permission_denied"
        auditor = new_actor(org_a, Role.AUDITOR)
        permissions.grant(auditor.user, "policies.approve_policyversion", version)
        with pytest.raises(NotPermitted) as refused:
            services.version_approve(actor=auditor, version=version)
        assert refused.value.code == "missing_scope"


def test_an_auditor_or_non_member_cannot_be_named_approver(org_a, org_b, in_tenant):
    outsider = MembershipFactory(organization=org_b).user
    with in_tenant(org_a):
        version, officer, _ = _version_in(VersionStatus.DRAFT, org_a)
        auditor = new_actor(org_a, Role.AUDITOR)
        for who, message in [(auditor.user, "policies:approve"), (outsider, "active member")]:
            with pytest.raises(ValidationError) as error:
                services.version_submit(actor=officer, version=version, approver=who)
            assert message in error.value.message_dict["approver"][0]


def test_contributors_cannot_publish_or_retire(org_a, in_tenant):
    with in_tenant(org_a):
        version, _officer, _approver = _version_in(VersionStatus.APPROVED, org_a)
        contributor = new_actor(org_a, Role.CONTRIBUTOR)
        for action in ("publish", "retire"):
            with pytest.raises(NotPermitted) as refused:
                services.TRANSITION_SERVICES[action](actor=contributor, version=version)
            assert refused.value.code == "missing_scope"


def test_reviewers_may_return_to_draft_others_may_not(org_a, in_tenant):
    with in_tenant(org_a):
        version, officer, approver = _version_in(VersionStatus.DRAFT, org_a)
        reviewer = new_actor(org_a, Role.CONTRIBUTOR)
        bystander = new_actor(org_a, Role.CONTRIBUTOR)
        services.version_submit(
            actor=officer, version=version, approver=approver.user, reviewers=[reviewer.user]
        )
        with pytest.raises(NotPermitted):
            services.version_return_to_draft(actor=bystander, version=version, note="no")
        with pytest.raises(ValidationError):
            services.version_return_to_draft(actor=reviewer, version=version, note="  ")
        services.version_return_to_draft(actor=reviewer, version=version, note="Add section 5")
    assert version.status == VersionStatus.DRAFT
    assert (version.returned_by, version.return_note) == (reviewer.user, "Add section 5")


def test_a_contributor_edits_only_policies_they_own(org_a, in_tenant):
    with in_tenant(org_a):
        contributor = new_actor(org_a, Role.CONTRIBUTOR)
        officer = new_actor(org_a)
        theirs = make_policy_with(org_a, officer=officer, owner=contributor.user)
        other = make_policy_with(org_a, officer=officer)
        services.policy_update(actor=contributor, policy=theirs, review_interval_months=6)
        with pytest.raises(NotPermitted):
            services.policy_update(actor=contributor, policy=other, review_interval_months=6)
        with pytest.raises(NotPermitted):
            services.version_create_draft(actor=contributor, policy=other, body_markdown="x")
        auditor = new_actor(org_a, Role.AUDITOR)
        with pytest.raises(NotPermitted):
            services.policy_create(actor=auditor, title="Nope", owner=auditor.user)


# --- content and immutability -------------------------------------------------------------


def test_drafts_are_hashed_and_editable_and_one_open_version_at_a_time(org_a, in_tenant):
    with in_tenant(org_a):
        version, officer, _ = _version_in(VersionStatus.DRAFT, org_a)
        services.version_update_draft(actor=officer, version=version, body_markdown="New\r\ntext")
        # One spelling of a text: LF line ends and one final newline, whatever sent it.
        assert version.body_markdown == "New\ntext\n"
        assert version.content_sha256 == hashlib.sha256(b"New\ntext\n").hexdigest()
        services.version_update_draft(actor=officer, version=version, body_markdown="New\ntext")
        assert version.content_sha256 == hashlib.sha256(b"New\ntext\n").hexdigest()
        with pytest.raises(Conflict, match="still draft"):
            services.version_create_draft(actor=officer, policy=version.policy)


@pytest.mark.parametrize(
    "status", [VersionStatus.APPROVED, VersionStatus.PUBLISHED, VersionStatus.SUPERSEDED]
)
def test_services_refuse_to_change_or_delete_a_frozen_version(org_a, in_tenant, status):
    with in_tenant(org_a):
        version, officer, _ = _version_in(status, org_a)
        with pytest.raises(Conflict, match="can no longer change"):
            services.version_update_draft(actor=officer, version=version, body_markdown="edit")
        with pytest.raises(Conflict, match="only a draft"):
            services.version_delete_draft(actor=officer, version=version)


def test_an_orm_save_of_changed_content_is_refused_by_the_database(org_a, in_tenant):
    with in_tenant(org_a):
        version, _, _ = _version_in(VersionStatus.APPROVED, org_a)
        version.body_markdown = "tampered"
        with pytest.raises(DatabaseError, match="immutable"):
            with transaction.atomic():
                version.save()
        with pytest.raises(DatabaseError, match="immutable"):
            with transaction.atomic():
                PolicyVersion.objects.filter(pk=version.pk).update(change_summary="tampered")


RAW_TAMPERING = [
    ("body", "UPDATE policies_policyversion SET body_markdown = 'tampered' WHERE id = %s"),
    ("hash", "UPDATE policies_policyversion SET content_sha256 = repeat('0', 64) WHERE id = %s"),
    ("approver", "UPDATE policies_policyversion SET approved_by_id = NULL WHERE id = %s"),
    ("number", "UPDATE policies_policyversion SET number = number + 10 WHERE id = %s"),
    ("back to draft", "UPDATE policies_policyversion SET status = 'draft' WHERE id = %s"),
    (
        "rewrite stamp",
        "UPDATE policies_policyversion SET published_at = now() - interval '1 day' WHERE id = %s",
    ),
    ("delete", "DELETE FROM policies_policyversion WHERE id = %s"),
]


@pytest.mark.parametrize(("what", "statement"), RAW_TAMPERING, ids=[w for w, _ in RAW_TAMPERING])
def test_raw_sql_as_the_app_role_cannot_change_a_published_version(
    org_a, in_tenant, what, statement
):
    with in_tenant(org_a):
        version, _, _ = _version_in(VersionStatus.PUBLISHED, org_a)
        with pytest.raises(DatabaseError, match=r"immutable|cannot become"):
            with transaction.atomic(), connections["default"].cursor() as cursor:
                cursor.execute(statement, [version.pk])
        version.refresh_from_db()
        assert version.status == VersionStatus.PUBLISHED and version.body_markdown


@pytest.mark.django_db(transaction=True, databases=["default", "owner"])
def test_even_the_table_owner_cannot_change_an_approved_version(org_a, in_tenant):
    with in_tenant(org_a):
        version, _, _ = _version_in(VersionStatus.APPROVED, org_a)
    with pytest.raises(DatabaseError, match="immutable"):
        with transaction.atomic(using="owner"), connections["owner"].cursor() as cursor:
            cursor.execute("SELECT set_config('app.organization_id', %s, true)", [str(org_a.pk)])
            cursor.execute(RAW_TAMPERING[0][1], [version.pk])


def test_raw_sql_may_only_move_the_workflow_forward(org_a, in_tenant):
    with in_tenant(org_a):
        version, officer, _ = _version_in(VersionStatus.APPROVED, org_a)
        with transaction.atomic(), connections["default"].cursor() as cursor:
            cursor.execute(
                "UPDATE policies_policyversion SET status = 'published', published_at = now(),"
                " published_by_id = %s WHERE id = %s",
                [officer.user_id, version.pk],
            )
        version.refresh_from_db()
        assert version.status == VersionStatus.PUBLISHED


def test_raw_sql_cannot_insert_a_version_that_skips_approval(org_a, in_tenant):
    with in_tenant(org_a):
        version, _, _ = _version_in(VersionStatus.DRAFT, org_a)
        with pytest.raises(DatabaseError, match="must start as a draft"):
            with transaction.atomic(), connections["default"].cursor() as cursor:
                cursor.execute(
                    "INSERT INTO policies_policyversion SELECT (jsonb_populate_record("
                    "NULL::policies_policyversion, to_jsonb(t) || jsonb_build_object("
                    "'id', -t.id, 'number', 99, 'status', 'published'))).*"
                    " FROM policies_policyversion t WHERE t.id = %s",
                    [version.pk],
                )


def test_raw_sql_may_still_edit_a_draft(org_a, in_tenant):
    with in_tenant(org_a):
        version, _, _ = _version_in(VersionStatus.DRAFT, org_a)
        with connections["default"].cursor() as cursor:
            cursor.execute(
                "UPDATE policies_policyversion SET body_markdown = 'edited' WHERE id = %s",
                [version.pk],
            )
        version.refresh_from_db()
    assert version.body_markdown == "edited"


# --- templates, policies ------------------------------------------------------------------


def test_creating_from_a_template_starts_a_draft_covering_ai(org_a, in_tenant):
    with in_tenant(org_a):
        officer = new_actor(org_a)
        version = services.policy_create_from_template(
            actor=officer, template_key="ai-acceptable-use"
        )
        policy = version.policy
        with pytest.raises(ValidationError) as error:
            services.policy_create_from_template(actor=officer, template_key="nope")
    assert version.status == VersionStatus.DRAFT and version.number == 1
    assert version.author == officer.user
    assert policy.kind == PolicyKind.AI_ACCEPTABLE_USE and policy.covers_ai
    assert "## 3. Acceptable uses" in version.body_markdown
    assert "## 4. Prohibited practices" in version.body_markdown
    assert "template" in error.value.message_dict


def test_a_section_template_is_appended_to_a_new_draft(org_a, in_tenant):
    with in_tenant(org_a):
        published, officer, _ = _version_in(VersionStatus.PUBLISHED, org_a)
        draft = services.version_create_draft(
            actor=officer, policy=published.policy, append_template="supplier-ai-section"
        )
    assert draft.body_markdown.startswith(published.body_markdown.rstrip())
    assert "Suppliers that provide AI" in draft.body_markdown


def test_policy_validation_names_the_field(org_a, in_tenant):
    with in_tenant(org_a):
        officer = new_actor(org_a)
        make_policy_with(org_a, officer=officer, title="Access")
        with pytest.raises(Duplicate) as duplicate:
            services.policy_create(actor=officer, owner=officer.user, title=" ACCESS ")
        assert (duplicate.value.code, duplicate.value.field) == ("duplicate", "title")
        cases = [
            ({"title": "X", "audience": "roles", "audience_roles": []}, "audience_roles"),
            ({"title": "Y", "review_interval_months": 0}, "review_interval_months"),
        ]
        for fields, field in cases:
            with pytest.raises(ValidationError) as error:
                services.policy_create(actor=officer, owner=officer.user, **fields)
            assert field in error.value.message_dict


# --- acknowledgements -----------------------------------------------------------------------


def test_acknowledging_records_user_version_time_and_ip_once(org_a, in_tenant):
    with in_tenant(org_a):
        version = make_published(org_a)
        reader = new_actor(org_a, Role.CONTRIBUTOR)
        first = services.acknowledge(actor=reader, version=version, ip_address="203.0.113.5")
        again = services.acknowledge(actor=reader, version=version, ip_address="198.51.100.1")
    assert first.pk == again.pk
    assert (first.user, first.version, first.ip_address) == (reader.user, version, "203.0.113.5")
    assert first.acknowledged_at is not None


@pytest.mark.parametrize(
    "status",
    [VersionStatus.DRAFT, VersionStatus.APPROVED, VersionStatus.SUPERSEDED, VersionStatus.RETIRED],
)
def test_only_a_published_version_can_be_acknowledged(org_a, in_tenant, status):
    with in_tenant(org_a):
        version, officer, _ = _version_in(status, org_a)
        with pytest.raises(Conflict, match="only the published version"):
            services.acknowledge(actor=officer, version=version)


def test_audience_by_role(org_a, in_tenant):
    with in_tenant(org_a):
        officer = new_actor(org_a)
        contributor = new_actor(org_a, Role.CONTRIBUTOR)
        auditor = new_actor(org_a, Role.AUDITOR)
        for_all = make_published(org_a, officer=officer, title="For everyone")
        for_contributors = make_published(
            org_a,
            officer=officer,
            title="For contributors",
            audience="roles",
            audience_roles=[Role.CONTRIBUTOR],
        )
        to_read = {
            who: {v.pk for v in selectors.versions_to_acknowledge(actor)}
            for who, actor in [
                ("officer", officer),
                ("contributor", contributor),
                ("auditor", auditor),
            ]
        }
        assert to_read["officer"] == {for_all.pk}
        assert to_read["contributor"] == {for_all.pk, for_contributors.pk}
        assert to_read["auditor"] == set()
        with pytest.raises(NotPermitted) as refused:
            services.acknowledge(actor=officer, version=for_contributors)
        assert refused.value.code == "permission_denied"
        with pytest.raises(NotPermitted) as refused:
            services.acknowledge(actor=auditor, version=for_all)
        assert refused.value.code == "missing_scope"
        services.acknowledge(actor=contributor, version=for_all)
        assert {v.pk for v in selectors.versions_to_acknowledge(contributor)} == {
            for_contributors.pk
        }


def test_acknowledgement_counts_and_who_has_not_read(org_a, org_b, in_tenant):
    with in_tenant(org_a):
        officer = new_actor(org_a)
        version = make_published(
            org_a, officer=officer, audience="roles", audience_roles=[Role.CONTRIBUTOR]
        )
        readers = [new_actor(org_a, Role.CONTRIBUTOR) for _ in range(4)]
        expired = MembershipFactory(
            organization=org_a, role=Role.CONTRIBUTOR, expires_at="2000-01-01T00:00Z"
        )
        # the approver made by make_published is an officer: 4 contributors in the audience
        for reader in readers[:2]:
            services.acknowledge(actor=reader, version=version)
        status = selectors.acknowledgement_status(version)
        pending = {m.user for m in selectors.members_not_acknowledged(version)}
        counted = selectors.versions_with_acknowledgements(version.policy).get(pk=version.pk)
    MembershipFactory(organization=org_b, role=Role.CONTRIBUTOR)  # another tenant: not counted
    assert (status.audience_count, status.acknowledged_count, status.rate) == (4, 2, 50)
    assert {r.user for r in readers[2:]} == pending
    assert expired.user not in pending
    assert counted.acknowledged_count == 2


def test_ai_acceptable_use_gap(org_a, in_tenant):
    with in_tenant(org_a):
        officer = new_actor(org_a)
        assert selectors.ai_acceptable_use_gap(0) is None
        assert selectors.ai_acceptable_use_gap(3) == selectors.AI_GAP_MESSAGE
        draft = services.policy_create_from_template(
            actor=officer, template_key="ai-acceptable-use"
        )
        assert (
            selectors.ai_acceptable_use_gap(3) == selectors.AI_GAP_MESSAGE
        )  # a draft is not enough
        approver = new_actor(org_a, Role.OFFICER)
        services.version_submit(actor=officer, version=draft, approver=approver.user)
        services.version_approve(actor=approver, version=draft)
        services.version_publish(actor=officer, version=draft)
        assert selectors.ai_acceptable_use_gap(3) is None
        assert selectors.ai_acceptable_use_version() == draft


def test_reads_of_another_tenant_see_nothing(org_a, org_b, in_tenant):
    with in_tenant(org_a):
        version = make_published(org_a)
    with in_tenant(org_b):
        reader = new_actor(org_b, Role.CONTRIBUTOR)
        assert not PolicyVersion.objects.filter(pk=version.pk).exists()
        assert list(selectors.versions_to_acknowledge(reader)) == []
        assert selectors.ai_acceptable_use_version() is None


def test_actor_for_helper_matches_membership(org_a):
    user = MembershipFactory(organization=org_a, role=Role.CONTRIBUTOR).user
    assert actor_for(user, org_a).role == Role.CONTRIBUTOR
