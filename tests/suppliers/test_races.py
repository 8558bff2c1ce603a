"""Supplier invariants under concurrent requests (issue 11): the same or conflicting requests
released together by a barrier (tests.concurrency.run_together), 8 at once, on separate
database connections through the whole stack (middleware, views, services, PostgreSQL locks).

Invariants (repetitions per test in REPEAT_*):
- a submitted assessment never changes afterwards: every answer save (UI, API, supplier
  portal) racing a submission either lands before it, and is scored, or is refused with 409
  `immutable` (portal: a clear page); the stored score is the frozen answers' score;
- supplier names are unique per organisation ignoring case: one 201, the rest 409 `duplicate`;
- question sets: parallel "new version" makes one draft, parallel "publish" publishes once
  (one transition record); the starter question set is installed once per organisation.
No request ends in a 5xx. No sleeps and no mocks: PostgreSQL's locks decide who wins.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from isms.models import Role, TransitionRecord
from isms.tenancy import tenant_context
from suppliers.models import Question, QuestionSet, Supplier, SupplierAnswer, SupplierAssessment
from suppliers.services import assessments as svc
from suppliers.services import portal
from suppliers.services.question_sets import starter_question_set_install
from tests.concurrency import run_together
from tests.factories import MembershipFactory, OrganizationFactory
from tests.suppliers.factories import SupplierFactory, officer_actor

pytestmark = pytest.mark.django_db(transaction=True)

WORKERS = 8
REPEAT_SUBMIT = 8
REPEAT_NAMES = 5
REPEAT_QUESTION_SETS = 5
REPEAT_STARTER = 5
TIMEOUT = 60


def _officer(org):
    user = MembershipFactory(organization=org, role=Role.OFFICER).user
    return user


def _web(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _api(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def _good_values(question: Question) -> dict:
    if question.answer_type == Question.AnswerType.CHOICE:
        return {"choice": question.good_answer}
    if question.answer_type == Question.AnswerType.DATE:
        return {"date": timezone.localdate() - timedelta(days=30)}
    return {"text": "Hosted in the EU."}


def _sent_assessment(org, officer) -> tuple[SupplierAssessment, str]:
    """A sent assessment with every question answered well, and a supplier link's token."""
    with tenant_context(org.pk):
        actor = officer_actor(org, officer)
        assessment = svc.assessment_create(actor=actor, supplier=SupplierFactory(owner=officer))
        for answer in assessment.answers.select_related("question"):
            svc.answer_set(actor=actor, answer=answer, **_good_values(answer.question))
        svc.assessment_send(actor=actor, assessment=assessment)
        token = portal.portal_link_create(actor=actor, assessment=assessment).token
    return assessment, token


def _submit_race(org, officer, submitter, webs, apis, statuses: list[int]) -> None:
    """One repetition: a submission and seven answer saves released together."""
    assessment, token = _sent_assessment(org, officer)
    with tenant_context(org.pk):
        answers = list(assessment.answers.select_related("question"))
    knockout = next(a for a in answers if a.question.knockout)
    choices = [a for a in answers if a.question.answer_type == "choice"]
    org_page = f"/o/{org.slug}/suppliers/assessments/{assessment.pk}/"
    # Saves that would change the score: the knockout question answered badly.
    bad = "yes" if knockout.question.good_answer == "no" else "no"

    def submit():
        return submitter.post(org_page + "transition/", {"action": "submit"})

    def save_ui(client, answer=knockout):
        return lambda: client.post(org_page + "answers/", {f"a{answer.pk}": bad})

    def save_api(client, answer=choices[1]):
        return lambda: client.patch(
            f"/api/v1/orgs/{org.slug}/supplier-answers/{answer.pk}/",
            {"choice": "partial"},
            format="json",
        )

    def save_portal():
        data = {}
        for a in answers:
            values = _good_values(a.question)
            value = next(iter(values.values()))
            data[f"a{a.pk}_value"] = bad if a.pk == knockout.pk else str(value)
        return Client().post(f"/supplier-portal/{token}/", data)

    callables = [
        submit,
        *(save_ui(c) for c in webs),
        *(save_api(c) for c in apis),
        save_portal,
        save_portal,
    ]
    assert len(callables) == WORKERS
    outcomes = run_together(callables, timeout=TIMEOUT)
    for outcome in outcomes:
        assert outcome.ok, outcome.error
        statuses.append(outcome.value.status_code)
    assert outcomes[0].value.status_code == 302  # the submission succeeded
    for outcome in outcomes[1:]:
        # before the submission (saved) or refused after it (409; the portal's closed
        # page is 409 while open, 404 once the link no longer opens a sent assessment)
        assert outcome.value.status_code in {200, 302, 404, 409}
        if outcome.value.status_code == 409 and "application/json" in outcome.value.get(
            "Content-Type", ""
        ):
            # refused after the submission; never a deadlock between the audit chain's
            # lock and a row lock (isms.chain_lock: the chain lock is always taken first)
            assert outcome.value.json()["code"] == "immutable"
    with tenant_context(org.pk):
        stored = SupplierAssessment.objects.get(pk=assessment.pk)
        assert stored.status == SupplierAssessment.Status.SUBMITTED
        late = SupplierAnswer.objects.filter(assessment=stored, answered_at__gt=stored.submitted_at)
        assert not late.exists(), "an answer changed after the submission"
        # The stored score is the score of the answers as frozen.
        assert stored.score == svc.assessment_scoring(stored).score


def test_a_submitted_assessment_never_changes_afterwards():
    """Issue 11 finding 4: submit in one tab while others save answers (UI, API, portal)."""
    org = OrganizationFactory()
    officer = _officer(org)
    # One logged-in client per concurrent caller, made before the barrier.
    submitter, webs, apis = (
        _web(officer),
        [_web(officer) for _ in range(3)],
        [_api(officer) for _ in range(2)],
    )
    statuses: list[int] = []
    for _ in range(REPEAT_SUBMIT):
        _submit_race(org, officer, submitter, webs, apis, statuses)
    assert all(status < 500 for status in statuses)


def test_supplier_names_differing_only_in_case_are_one_supplier():
    """Issue 11 finding 5: "Race Case" and "RACE CASE" created at the same moment."""
    org = OrganizationFactory()
    officer = _officer(org)
    clients = [_api(officer) for _ in range(WORKERS)]
    for round_ in range(REPEAT_NAMES):
        names = [f"Race Case {round_}", f"RACE CASE {round_}", f"race case {round_}"]

        def create(client, name):
            return lambda: client.post(
                f"/api/v1/orgs/{org.slug}/suppliers/",
                {"name": name, "owner": officer.pk},
                format="json",
            )

        outcomes = run_together(
            [create(c, names[i % len(names)]) for i, c in enumerate(clients)], timeout=TIMEOUT
        )
        responses = [o.value for o in outcomes if o.ok]
        assert len(responses) == WORKERS, [o.error for o in outcomes if not o.ok]
        assert sorted(r.status_code for r in responses) == [201] + [409] * (WORKERS - 1)
        for refused in (r for r in responses if r.status_code == 409):
            body = refused.json()
            assert body["code"] == "duplicate" and "name" in body["errors"]
        with tenant_context(org.pk):
            assert Supplier.objects.filter(name__iexact=names[0]).count() == 1


def test_parallel_new_version_makes_one_draft_and_parallel_publish_publishes_once():
    """Issue 11 finding 6: question-set versions under concurrent requests."""
    org = OrganizationFactory()
    officer = _officer(org)
    clients = [_api(officer) for _ in range(WORKERS)]
    base = f"/api/v1/orgs/{org.slug}/question-sets/"
    with tenant_context(org.pk):
        published = starter_question_set_install(organization_id=org.pk)
    for _ in range(REPEAT_QUESTION_SETS):
        outcomes = run_together(
            [lambda c=c, p=published: c.post(f"{base}{p.pk}/new-version/") for c in clients],
            timeout=TIMEOUT,
        )
        responses = [o.value for o in outcomes]
        assert all(o.ok for o in outcomes)
        assert sorted(r.status_code for r in responses) == [201] + [409] * (WORKERS - 1)
        assert {r.json()["code"] for r in responses if r.status_code == 409} == {"duplicate"}
        draft_id = next(r.json()["id"] for r in responses if r.status_code == 201)
        with tenant_context(org.pk):
            assert QuestionSet.objects.filter(name=published.name, status="draft").count() == 1

        outcomes = run_together(
            [lambda c=c, d=draft_id: c.post(f"{base}{d}/publish/") for c in clients],
            timeout=TIMEOUT,
        )
        responses = [o.value for o in outcomes]
        assert all(o.ok for o in outcomes)
        assert sorted(r.status_code for r in responses) == [200] + [409] * (WORKERS - 1)
        assert {r.json()["code"] for r in responses if r.status_code == 409} == {
            "invalid_transition"
        }
        with tenant_context(org.pk):
            assert QuestionSet.objects.filter(name=published.name, status="published").count() == 1
            assert QuestionSet.objects.get(pk=draft_id).status == "published"
            records = TransitionRecord.objects.filter(
                table_name=QuestionSet._meta.db_table, object_id=str(draft_id)
            )
            assert list(records.values_list("transition", flat=True)) == ["publish"]
        published = QuestionSet(pk=draft_id, name=published.name)


def test_the_starter_question_set_is_installed_once_per_organisation():
    """Issue 11: "the starter question set installed twice in a new organisation"."""
    for _ in range(REPEAT_STARTER):
        org = OrganizationFactory()
        with tenant_context(org.pk):
            QuestionSet.objects.all().delete()  # as for an organisation older than the signal

        def install(org=org):
            with tenant_context(org.pk):
                return starter_question_set_install(organization_id=org.pk).pk

        outcomes = run_together([install] * WORKERS, timeout=TIMEOUT)
        assert all(o.ok for o in outcomes), [o.error for o in outcomes if not o.ok]
        assert len({o.value for o in outcomes}) == 1
        with tenant_context(org.pk):
            assert QuestionSet.objects.count() == 1
            assert Question.objects.count() == QuestionSet.objects.get().questions.count() > 0


def test_a_new_organisation_gets_the_starter_question_set_once():
    """Installed when the organisation is created (isms.signals.organization_created)."""
    org = OrganizationFactory()
    with tenant_context(org.pk):
        assert QuestionSet.objects.filter(status="published").count() == 1
        first = QuestionSet.objects.get()
        assert starter_question_set_install(organization_id=org.pk) == first
        assert QuestionSet.objects.count() == 1
