"""Review schedules and AI-system reviews (ISO/IEC 42001 9.1, 9.3; ISO/IEC 27001 9.1, 5.9):
schedules from the registers with tier-based intervals, the checklist prefilled from what the
registers know, the outcomes, and the owner's sign-off."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from assets.models import Asset, EvaluationKind, Lifecycle, ResponsibleAIEvaluation, RiskTier
from isms.access import Actor
from isms.errors import NotPermitted, TransitionRefused
from isms.models import Role
from monitoring.reviews import checklist, services
from monitoring.reviews.models import AIReview, Outcome, ReviewSchedule, SubjectType
from risks.models import AIChangeRequest
from suppliers.models import Supplier, SupplierCertification
from tests.monitoring.factories import actor_of, ai_asset, ai_schedule

TODAY = timezone.localdate()


def _answer_all(review, answer="yes"):
    return {k: {"answer": answer, "note": "checked"} for k in checklist.ITEM_KEYS}


@pytest.fixture
def owned(org_a, member, in_tenant):
    owner = member(org_a, Role.CONTRIBUTOR)
    with in_tenant(org_a):
        asset = ai_asset(
            org_a,
            owner,
            name="Claims triage model",
            intended_purpose="Sort incoming claims",
            model_provider="Acme",
            model_version="2.1",
            transparency_notice_url="https://example.test/ai",
            lifecycle=Lifecycle.PILOT,
        )
        schedule = ai_schedule(org_a, asset, due_in_days=-5)
    return owner, asset, schedule


def test_schedules_for_existing_objects_follow_the_organisations_defaults(org_a, member, in_tenant):
    owner = member(org_a, Role.CONTRIBUTOR)
    with in_tenant(org_a):
        high = ai_asset(org_a, owner, name="High")
        Asset.objects.filter(pk=high.pk).update(risk_tier=RiskTier.HIGH)
        minimal = ai_asset(org_a, owner, name="Minimal")
        Asset.objects.filter(pk=minimal.pk).update(risk_tier=RiskTier.MINIMAL)
        retired = ai_asset(org_a, owner, name="Old", lifecycle=Lifecycle.RETIRED)
        supplier = Supplier.objects.create(name="Vendor", owner=owner, criticality="critical")
        created = services.schedules_ensure()
        assert services.schedules_ensure() == 0  # idempotent
        by_object = {(s.subject_type, s.object_id): s for s in ReviewSchedule.objects.all()}
    assert created == 3
    assert by_object[(SubjectType.AI_SYSTEM, high.pk)].interval_months == 3
    assert by_object[(SubjectType.AI_SYSTEM, minimal.pk)].interval_months == 12
    assert (SubjectType.AI_SYSTEM, retired.pk) not in by_object
    assert by_object[(SubjectType.SUPPLIER, supplier.pk)].interval_months == 6
    assert by_object[(SubjectType.AI_SYSTEM, high.pk)].reviewer_id == owner.pk


def test_the_checklist_is_prefilled_from_the_registers_with_its_source(
    org_a, member, in_tenant, owned
):
    owner, asset, schedule = owned
    with in_tenant(org_a):
        supplier = Supplier.objects.create(name="Acme AI", owner=owner)
        SupplierCertification.objects.create(
            supplier=supplier, type="iso27001", valid_until=TODAY - timedelta(days=1)
        )
        Asset.objects.filter(pk=asset.pk).update(supplier=supplier)
        ResponsibleAIEvaluation.objects.create(
            asset=asset,
            kind=EvaluationKind.BIAS,
            performed_on=TODAY,
            method="m",
            result="r",
            passed=False,
        )
        review = services.review_start(actor=actor_of(org_a, owner), schedule=schedule)
    answers = review.answers
    assert set(answers) == set(checklist.ITEM_KEYS)
    assert answers["supplier_assessment_current"]["computed"] == "no"
    assert "no approved assessment" in answers["supplier_assessment_current"]["source"]
    assert answers["certificates_current"]["computed"] == "no"
    assert answers["evaluations_passed"]["computed"] == "no"
    assert "failed" in answers["evaluations_passed"]["source"]
    assert answers["transparency_notice_live"] == {
        "answer": "yes",
        "note": "",
        "computed": "yes",
        "source": "Register: https://example.test/ai",
    }
    assert answers["impact_assessment_valid"]["computed"] == "no"
    assert answers["linked_risks_reviewed"]["computed"] == "na"
    assert answers["purpose_unchanged"]["answer"] == ""  # first review: the owner answers
    with in_tenant(org_a):  # starting again returns the open review
        again = services.review_start(actor=actor_of(org_a, owner), schedule=schedule)
    assert again.pk == review.pk


def test_sign_off_needs_every_item_answered_a_note_for_no_and_an_outcome(org_a, in_tenant, owned):
    owner, _asset, schedule = owned
    actor = actor_of(org_a, owner)
    with in_tenant(org_a):
        review = services.review_start(actor=actor, schedule=schedule)
        with pytest.raises(ValidationError) as refused:
            services.review_sign_off(actor=actor, review=review)
        assert {"answers", "outcome"} <= set(refused.value.message_dict)
        answers = _answer_all(review)
        answers["evaluations_passed"] = {"answer": "no", "note": ""}
        services.review_update(actor=actor, review=review, answers=answers, outcome="continue")
        with pytest.raises(ValidationError) as refused:
            services.review_sign_off(actor=actor, review=review)
        assert "note" in str(refused.value.message_dict["answers"])


def test_continue_advances_the_schedule_and_stamps_the_asset(org_a, in_tenant, owned):
    owner, asset, schedule = owned
    actor = actor_of(org_a, owner)
    with in_tenant(org_a):
        review = services.review_start(actor=actor, schedule=schedule)
        services.review_update(
            actor=actor, review=review, answers=_answer_all(review), outcome=Outcome.CONTINUE
        )
        review = services.review_sign_off(actor=actor, review=review)
        schedule.refresh_from_db()
        asset.refresh_from_db()
        assert review.status == AIReview.Status.SIGNED_OFF
        assert review.signed_off_by_id == owner.pk
        assert review.snapshot["model_version"] == "2.1"
        assert schedule.last_reviewed_on == TODAY
        assert schedule.next_due == services.add_months(TODAY, 6)
        assert asset.last_reviewed_at.date() == TODAY
        with pytest.raises(TransitionRefused):
            services.review_sign_off(actor=actor, review=review)
        # The next review compares with this one: the model version changed since.
        Asset.objects.filter(pk=asset.pk).update(model_version="3.0")
        nxt = services.review_start(actor=actor, schedule=schedule)
    assert nxt.answers["model_version_unchanged"]["computed"] == "no"
    assert nxt.answers["purpose_unchanged"]["computed"] == "yes"


def test_change_opens_a_prefilled_ai_change_request(org_a, member, in_tenant, owned):
    owner, asset, schedule = owned
    approver = member(org_a, Role.OFFICER)
    actor = actor_of(org_a, owner)
    with in_tenant(org_a):
        review = services.review_start(actor=actor, schedule=schedule)
        answers = _answer_all(review)
        answers["model_version_unchanged"] = {"answer": "no", "note": "Moved to v3"}
        services.review_update(
            actor=actor,
            review=review,
            answers=answers,
            outcome=Outcome.CHANGE,
            outcome_note="Upgrade the model to v3",
        )
        with pytest.raises(ValidationError) as refused:
            services.review_sign_off(actor=actor, review=review)
        assert "approver" in refused.value.message_dict
        review = services.review_sign_off(actor=actor, review=review, approver=approver)
        request = AIChangeRequest.objects.get(pk=review.change_request_id)
    assert request.asset_id == asset.pk
    assert request.approver_id == approver.pk
    assert request.requested_by_id == owner.pk
    assert request.status == AIChangeRequest.Status.SUBMITTED
    assert request.description == "Upgrade the model to v3"
    assert "model and its version" in request.justification


def test_retire_retires_the_asset_and_ends_the_schedule(org_a, in_tenant, owned):
    owner, asset, schedule = owned
    actor = actor_of(org_a, owner)
    with in_tenant(org_a):
        review = services.review_start(actor=actor, schedule=schedule)
        services.review_update(
            actor=actor, review=review, answers=_answer_all(review), outcome=Outcome.RETIRE
        )
        services.review_sign_off(actor=actor, review=review)
        asset.refresh_from_db()
        schedule.refresh_from_db()
    assert asset.lifecycle == Lifecycle.RETIRED
    assert schedule.active is False


def test_suspend_takes_the_system_a_step_back(org_a, in_tenant, owned):
    owner, asset, schedule = owned
    actor = actor_of(org_a, owner)
    with in_tenant(org_a):
        review = services.review_start(actor=actor, schedule=schedule)
        services.review_update(
            actor=actor, review=review, answers=_answer_all(review), outcome=Outcome.SUSPEND
        )
        services.review_sign_off(actor=actor, review=review)
        asset.refresh_from_db()
    assert asset.lifecycle == Lifecycle.PROPOSED  # from pilot


def test_only_the_owner_or_reviewer_signs_off(org_a, member, in_tenant, owned, api_key_for):
    owner, _asset, schedule = owned
    other = member(org_a, Role.CONTRIBUTOR)
    officer = member(org_a, Role.OFFICER)
    with in_tenant(org_a):
        review = services.review_start(actor=actor_of(org_a, owner), schedule=schedule)
        services.review_update(
            actor=actor_of(org_a, owner),
            review=review,
            answers=_answer_all(review),
            outcome=Outcome.CONTINUE,
        )
        for actor in [actor_of(org_a, other), actor_of(org_a, officer)]:
            with pytest.raises(NotPermitted):
                services.review_sign_off(actor=actor, review=review)
        from isms.models import APIKey

        api_key_for(org_a)
        key_actor = Actor.for_api_key(APIKey.objects.filter(organization=org_a).first())
        with pytest.raises(NotPermitted):
            services.review_sign_off(actor=key_actor, review=review)
        # An officer named as the reviewer may sign it off.
        services.schedule_update(
            actor=actor_of(org_a, officer),
            schedule=schedule,
            interval_months=6,
            next_due=schedule.next_due,
            reviewer=officer,
        )
        review.refresh_from_db()
        signed = services.review_sign_off(actor=actor_of(org_a, officer), review=review)
    assert signed.signed_off_by_id == officer.pk


def test_the_daily_task_schedules_new_objects(org_a, member, in_tenant):
    from monitoring.reviews import tasks

    owner = member(org_a, Role.CONTRIBUTOR)
    with in_tenant(org_a):
        asset = ai_asset(org_a, owner)
    assert tasks.ensure_schedules.apply(kwargs={"organization_id": org_a.pk}).get() == 1
    with in_tenant(org_a):
        assert ReviewSchedule.objects.filter(object_id=asset.pk).count() == 1
    # The beat's sweep stores one run per organisation in the task outbox (isms.outbox).
    from isms.models import OutboxTask

    assert tasks.sweep_schedules() >= 1
    with in_tenant(org_a):
        queued = list(OutboxTask.objects.values_list("task_name", "kwargs"))
    assert (tasks.ensure_schedules.name, {"organization_id": org_a.pk}) in queued
