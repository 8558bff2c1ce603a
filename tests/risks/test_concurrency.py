"""Races on the risks workflows (issue 11): 8 requests released together by a barrier
(tests.concurrency.run_together), each on its own connection, through the whole stack
(middleware, tenant context, API). No mocks, no sleeps: PostgreSQL's locks referee.

Invariants, each over REPS repetitions:
- an AI change request's approval racing 7 PATCHes of its asset: every request answers
  (no 5xx), the approval succeeds, and an approved request leaves its asset in production (the
  approval locks the asset and writes only its lifecycle);
- 8 parallel change requests for one asset: one 201, seven 409 `duplicate`;
- 8 parallel approvals of one change request: one 200, seven 409 `invalid_transition`, one
  TransitionRecord and one audit event of the approval;
- 8 parallel approvals of one impact assessment: one 200, seven 409, one TransitionRecord;
- 8 parallel acceptances of one risk by its owner, with non-owners trying too (service
  layer): one success, one record, the others refused;
- an above-appetite acceptance with 4 endorsements racing 4 owner acceptances: whenever it
  ends approved, it carries the endorsement of the very score it accepted (never an
  acceptance above appetite without the authority).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from assets.models import Asset, AssetType, Lifecycle
from isms.errors import ErrorCode, NotPermitted, TransitionRefused
from isms.models import AuditEvent, Role, TransitionRecord
from isms.tenancy import tenant_context
from risks.models import AIChangeRequest, ImpactAssessment, RiskAcceptance
from risks.services import register
from tests.assets.factories import AssetFactory
from tests.concurrency import run_together, statuses
from tests.factories import MembershipFactory, OrganizationFactory
from tests.risks.conftest import People
from tests.risks.factories import actor_for
from tests.risks.test_gate_services import _assessment, _complete, _request

pytestmark = pytest.mark.django_db(transaction=True)

REPS = 5
N = 8
TIMEOUT = 60


def _setup():
    org = OrganizationFactory()
    people = People()
    for name, role in [
        ("admin", Role.ADMIN),
        ("officer", Role.OFFICER),
        ("approver", Role.OFFICER),
        ("contributor", Role.CONTRIBUTOR),
        ("board", Role.CONTRIBUTOR),
    ]:
        user = MembershipFactory(organization=org, role=role, top_management=name == "board").user
        people[name] = user
        people[f"{name}_actor"] = actor_for(org, user=user)
    return org, people


def _tool(org, people) -> Asset:
    return AssetFactory(
        organization=org,
        asset_type=AssetType.AI_SAAS_TOOL,
        lifecycle=Lifecycle.PILOT,
        owner=people.contributor,
    )


def _client(user=None, token=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    if token:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def _api(org, path: str) -> str:
    return f"/api/v1/orgs/{org.slug}/{path}"


def test_change_request_approval_racing_asset_patches_leaves_the_asset_in_production(
    api_key_for,
):
    org, people = _setup()
    token = api_key_for(org)
    for rep in range(REPS):
        with tenant_context(org.pk):
            tool = _tool(org, people)
            request = _request(people, tool)
            _complete(people, request)
        approver = _client(people.approver)
        patchers = [_client(token=token) for _ in range(N - 1)]
        approve_url = _api(org, f"ai-change-requests/{request.pk}/approve/")
        asset_url = _api(org, f"assets/{tool.pk}/")
        calls = [lambda a=approver, u=approve_url: a.post(u)]
        calls += [
            lambda c=c, u=asset_url, d=f"edit {rep}.{i}": c.patch(
                u, {"description": d}, format="json"
            )
            for i, c in enumerate(patchers)
        ]
        codes = statuses(run_together(calls, timeout=TIMEOUT))
        assert all(code < 500 for code in codes), codes
        assert codes[0] == 200, codes
        with tenant_context(org.pk):
            assert AIChangeRequest.objects.get(pk=request.pk).status == "approved"
            assert Asset.objects.get(pk=tool.pk).lifecycle == Lifecycle.PRODUCTION, rep


def test_parallel_change_requests_for_one_asset_one_is_created_the_rest_409():
    org, people = _setup()
    for _ in range(REPS):
        with tenant_context(org.pk):
            tool = _tool(org, people)
        clients = [_client(people.contributor) for _ in range(N)]
        body = {
            "title": "Roll out the assistant",
            "justification": "Speed",
            "data_going_in": "Tickets",
            "affected_people": "Customers",
            "approver": people.approver.pk,
            "asset": tool.pk,
        }
        outcomes = run_together(
            [
                lambda c=c, b=body: c.post(_api(org, "ai-change-requests/"), b, format="json")
                for c in clients
            ],
            timeout=TIMEOUT,
        )
        codes = statuses(outcomes)
        assert sorted(codes) == [201] + [409] * (N - 1), codes
        assert {o.value.json()["code"] for o in outcomes if o.value.status_code == 409} == {
            ErrorCode.DUPLICATE
        }
        with tenant_context(org.pk):
            assert AIChangeRequest.objects.filter(asset=tool).count() == 1


def test_parallel_approvals_of_a_change_request_one_success_one_record_one_event():
    org, people = _setup()
    for _ in range(REPS):
        with tenant_context(org.pk):
            request = _request(people, _tool(org, people))
            _complete(people, request)
        clients = [_client(people.approver) for _ in range(N)]
        url = _api(org, f"ai-change-requests/{request.pk}/approve/")
        outcomes = run_together([lambda c=c, u=url: c.post(u) for c in clients], timeout=TIMEOUT)
        codes = statuses(outcomes)
        assert sorted(codes) == [200] + [409] * (N - 1), codes
        assert {o.value.json()["code"] for o in outcomes if o.value.status_code == 409} == {
            ErrorCode.INVALID_TRANSITION
        }
        with tenant_context(org.pk):
            records = TransitionRecord.objects.filter(
                table_name=AIChangeRequest._meta.db_table, object_id=str(request.pk)
            )
            assert [r.transition for r in records] == ["approve"]
            approvals = [
                e
                for e in AuditEvent.objects.for_object(request).filter(action="update")
                if "status" in e.changes
            ]
            assert len(approvals) == 1


def test_parallel_approvals_of_an_impact_assessment_one_success_one_record():
    org, people = _setup()
    for _ in range(REPS):
        with tenant_context(org.pk):
            assessment = _assessment(people, _tool(org, people))
        clients = [_client(people.approver) for _ in range(N)]
        url = _api(org, f"impact-assessments/{assessment.pk}/approve/")
        codes = statuses(
            run_together([lambda c=c, u=url: c.post(u) for c in clients], timeout=TIMEOUT)
        )
        assert sorted(codes) == [200] + [409] * (N - 1), codes
        with tenant_context(org.pk):
            assert ImpactAssessment.objects.get(pk=assessment.pk).status == "approved"
            assert (
                TransitionRecord.objects.filter(
                    table_name=ImpactAssessment._meta.db_table, object_id=str(assessment.pk)
                ).count()
                == 1
            )


def _acceptance(people, *, likelihood=2, impact=2):
    risk = register.risk_create(
        actor=people.officer_actor,
        title="Prompts leak data",
        category="data_leakage",
        owner=people.contributor,
        inherent_likelihood=likelihood,
        inherent_impact=impact,
    )
    acceptance = register.acceptance_request(
        actor=people.officer_actor,
        risk=risk,
        rationale="Low exposure",
        expires_on=timezone.localdate() + timedelta(days=30),
    )
    return risk, RiskAcceptance(pk=acceptance.pk, risk_id=risk.pk)


def _as(org, actor, call):
    with tenant_context(org.pk, actor_id=actor.user_id):
        return call()


def test_parallel_acceptances_by_the_owner_one_success_one_record():
    org, people = _setup()
    for _ in range(REPS):
        with tenant_context(org.pk):
            _risk, target = _acceptance(people)
        deciders = [people.contributor_actor] * 6 + [people.approver_actor, people.admin_actor]
        outcomes = run_together(
            [
                lambda a=a, t=target: _as(
                    org, a, lambda: register.acceptance_approve(actor=a, acceptance=t)
                )
                for a in deciders
            ],
            timeout=TIMEOUT,
        )
        assert sum(o.ok for o in outcomes) == 1
        assert outcomes[-1].error is not None and outcomes[-2].error is not None  # non-owners
        assert all(
            isinstance(o.error, (TransitionRefused, NotPermitted)) for o in outcomes if not o.ok
        )
        with tenant_context(org.pk):
            accepted = RiskAcceptance.objects.get(pk=target.pk)
            assert (accepted.status, accepted.decided_by_id) == (
                "approved",
                people.contributor.pk,
            )
            assert (
                TransitionRecord.objects.filter(
                    table_name=RiskAcceptance._meta.db_table, object_id=str(target.pk)
                ).count()
                == 1
            )


def test_endorsements_racing_acceptances_above_appetite_never_skip_the_authority():
    org, people = _setup()
    for _ in range(REPS):
        with tenant_context(org.pk):
            _risk, target = _acceptance(people, likelihood=4, impact=4)
        calls = []
        for i in range(N):
            if i % 2:
                calls.append(
                    lambda t=target: _as(
                        org,
                        people.board_actor,
                        lambda: register.acceptance_endorse(actor=people.board_actor, acceptance=t),
                    )
                )
            else:
                calls.append(
                    lambda t=target: _as(
                        org,
                        people.contributor_actor,
                        lambda: register.acceptance_approve(
                            actor=people.contributor_actor, acceptance=t
                        ),
                    )
                )
        outcomes = run_together(calls, timeout=TIMEOUT)
        assert all(
            isinstance(o.error, (TransitionRefused, NotPermitted)) for o in outcomes if not o.ok
        ), [o.error for o in outcomes]
        with tenant_context(org.pk):
            final = RiskAcceptance.objects.get(pk=target.pk)
            assert final.authority_id == people.board.pk  # some endorsement always lands
            if final.status == "approved":
                assert final.authority_score == final.accepted_score == 16
                assert final.authority_at <= final.decided_at
