"""Policies and invitations under concurrent requests (issue 11): 8 callables released together
by a barrier (tests/concurrency.py), each on its own database connection, several
repetitions, bounded in time. No mocks, no sleeps: PostgreSQL's locks decide.

Invariants:
- two approved versions of one policy published at once (4 + 4 requests): no deadlock,
  exactly one version published afterwards, one `publish` record per success and one
  `supersede` record per success, every refusal a 409 with a code;
- 8 approvals of one version by its named approver: one success, one TransitionRecord;
- 8 new drafts of one policy: one draft (number 2), the rest 409 `conflict`;
- 8 creations of "Race Case" / "RACE CASE" through the API: one 201, seven 409 `duplicate`;
- 8 sign-ups with one invitation: one user, one membership, the rest refused (409 page);
- 8 acceptances of one invitation by the invited, logged-in user: one membership.
"""

from __future__ import annotations

import itertools

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.test import APIClient

from isms.errors import Conflict, ErrorCode
from isms.models import Invitation, Membership, Role, TransitionRecord
from isms.services import organizations
from isms.tenancy import tenant_context
from policies import services
from policies.models import Policy, PolicyVersion, VersionStatus
from tests.concurrency import run_together
from tests.factories import MembershipFactory, OrganizationFactory
from tests.policies.factories import actor_for, make_published, new_actor

pytestmark = pytest.mark.django_db(transaction=True)

PARALLEL = 8
REPETITIONS = 5
_serial = itertools.count(1)


def _approved(org, officer, approver, policy) -> PolicyVersion:
    version = services.version_create_draft(
        actor=officer, policy=policy, body_markdown=f"# Text {next(_serial)}\n"
    )
    services.version_submit(actor=officer, version=version, approver=approver.user)
    return services.version_approve(actor=approver, version=version)


def _records(version_ids, transition: str) -> int:
    return TransitionRecord.objects.filter(
        table_name=PolicyVersion._meta.db_table,
        object_id__in=[str(pk) for pk in version_ids],
        transition=transition,
    ).count()


def test_publishing_two_versions_of_one_policy_at_once_never_deadlocks():
    """ISO/IEC 27001 A.5.1: one policy text in force at a time, whatever the timing."""
    org = OrganizationFactory()
    for _ in range(REPETITIONS):
        with tenant_context(org.pk):
            officer = new_actor(org)
            approver = new_actor(org, Role.OFFICER)
            first = make_published(org, officer=officer, approver=approver)
            policy = first.policy
            second = _approved(org, officer, approver, policy)
            third = _approved(org, officer, approver, policy)

        def publish(version_id, officer=officer, policy=policy):
            def run():
                with tenant_context(org.pk):
                    return services.version_publish(
                        actor=actor_for(officer.user, org),
                        version=PolicyVersion(pk=version_id, policy_id=policy.pk),
                    )

            return run

        outcomes = run_together(
            [publish(second.pk if i % 2 else third.pk) for i in range(PARALLEL)], timeout=60
        )
        refusals = [o.error for o in outcomes if not o.ok]
        for error in refusals:
            assert isinstance(error, Conflict), repr(error)
            assert error.code in {ErrorCode.INVALID_TRANSITION, ErrorCode.CONCURRENT_UPDATE}
        successes = PARALLEL - len(refusals)
        with tenant_context(org.pk):
            published = PolicyVersion.objects.filter(policy=policy, status=VersionStatus.PUBLISHED)
            assert published.count() == 1
            ids = [first.pk, second.pk, third.pk]
            assert successes >= 1
            assert _records(ids, "publish") == 1 + successes  # + the first publication
            assert _records(ids, "supersede") == successes
            assert Policy.objects.get(pk=policy.pk).next_review_date is not None


def test_parallel_approvals_one_success_one_record():
    org = OrganizationFactory()
    for _ in range(REPETITIONS):
        with tenant_context(org.pk):
            officer = new_actor(org)
            approver = new_actor(org, Role.OFFICER)
            policy = services.policy_create(
                actor=officer, title=f"Approvals {next(_serial)}", owner=officer.user
            )
            version = services.version_create_draft(
                actor=officer, policy=policy, body_markdown="# Text\n"
            )
            services.version_submit(actor=officer, version=version, approver=approver.user)

        def approve(approver=approver, version=version):
            with tenant_context(org.pk):
                return services.version_approve(
                    actor=actor_for(approver.user, org), version=PolicyVersion(pk=version.pk)
                )

        outcomes = run_together([approve] * PARALLEL, timeout=60)
        assert sum(o.ok for o in outcomes) == 1
        assert {o.error.code for o in outcomes if not o.ok} == {ErrorCode.INVALID_TRANSITION}
        with tenant_context(org.pk):
            assert _records([version.pk], "approve") == 1
            assert PolicyVersion.objects.get(pk=version.pk).approved_by == approver.user


def test_parallel_new_drafts_of_one_policy_make_one_draft():
    """One open version per policy, numbers unique: the policy row is locked first."""
    org = OrganizationFactory()
    for _ in range(3):
        with tenant_context(org.pk):
            officer = new_actor(org)
            policy = make_published(org, officer=officer).policy

        def start(officer=officer, policy=policy):
            with tenant_context(org.pk):
                return services.version_create_draft(
                    actor=actor_for(officer.user, org), policy=Policy(pk=policy.pk)
                )

        outcomes = run_together([start] * PARALLEL, timeout=60)
        assert sum(o.ok for o in outcomes) == 1
        assert {o.error.code for o in outcomes if not o.ok} == {ErrorCode.CONFLICT}
        with tenant_context(org.pk):
            drafts = PolicyVersion.objects.filter(policy=policy, status=VersionStatus.DRAFT)
            assert [v.number for v in drafts] == [2]


def test_parallel_creation_of_titles_differing_in_case_one_201_rest_409_duplicate():
    org = OrganizationFactory()
    officer = MembershipFactory(organization=org, role=Role.OFFICER).user
    for repetition in range(3):
        clients = []
        for _ in range(PARALLEL):
            client = APIClient()
            client.force_login(officer)
            clients.append(client)
        title = f"Race Case {repetition}"

        def create(client, index, title=title):
            return lambda: client.post(
                f"/api/v1/orgs/{org.slug}/policies/",
                {"title": title if index % 2 else title.upper(), "owner": officer.pk},
                format="json",
            )

        outcomes = run_together([create(c, i) for i, c in enumerate(clients)], timeout=60)
        for outcome in outcomes:
            assert outcome.ok, repr(outcome.error)
        statuses = sorted(o.value.status_code for o in outcomes)
        assert statuses == [201] + [409] * (PARALLEL - 1), statuses
        for outcome in outcomes:
            if outcome.value.status_code == 409:
                body = outcome.value.json()
                assert body["code"] == "duplicate"
                assert "title" in body["errors"]
        with tenant_context(org.pk):
            assert Policy.objects.filter(title__iexact=title).count() == 1


def _invitation(org, email: str) -> str:
    inviter = MembershipFactory(organization=org, role=Role.ADMIN).user
    sent = organizations.invitation_create(
        organization=org, invited_by=inviter, email=email, role=Role.CONTRIBUTOR
    )
    return sent.url.rstrip("/").rsplit("/", 1)[-1]


def test_parallel_sign_ups_with_one_invitation_make_one_user_and_one_membership():
    org = OrganizationFactory()
    for repetition in range(3):
        email = f"newcomer{repetition}-{next(_serial)}@example.test"
        token = _invitation(org, email)

        def sign_up(token=token, email=email):
            return Client().post(
                f"/invitations/{token}/",
                {
                    "email": email,
                    "full_name": "New Comer",
                    "password1": "a-long-Passphrase-42",
                    "password2": "a-long-Passphrase-42",
                },
            )

        outcomes = run_together([sign_up] * PARALLEL, timeout=60)
        for outcome in outcomes:
            assert outcome.ok, repr(outcome.error)
        statuses = sorted(o.value.status_code for o in outcomes)
        assert statuses.count(302) == 1, statuses
        assert all(s in {409, 410} for s in statuses if s != 302), statuses
        users = get_user_model().objects.filter(email=email)
        assert users.count() == 1
        assert Membership.objects.filter(organization=org, user=users.get()).count() == 1


def test_parallel_acceptance_by_the_invited_user_makes_one_membership():
    org = OrganizationFactory()
    for repetition in range(3):
        email = f"existing{repetition}-{next(_serial)}@example.test"
        user = get_user_model().objects.create_user(username=email, email=email, password="x")
        token = _invitation(org, email)
        clients = []
        for _ in range(PARALLEL):
            client = Client()
            client.force_login(user)
            clients.append(client)

        outcomes = run_together(
            [lambda c=c, t=token: c.post(f"/invitations/{t}/") for c in clients], timeout=60
        )
        for outcome in outcomes:
            assert outcome.ok, repr(outcome.error)
        # The same person accepting twice (two tabs) joins once; every answer sends them in.
        assert {o.value.status_code for o in outcomes} == {302}
        assert Membership.objects.filter(organization=org, user=user).count() == 1
        invitation = Invitation.objects.get(email=email)
        assert invitation.accepted_by == user
