"""AI supplier content (issue 16; ISO 27001 5.19-5.22, ISO 42001 A.10.2-A.10.3): the starter
questionnaire asks about prompt-injection and red-team testing, abuse-monitoring retention,
IP indemnity, the supplier's EU AI Act role and documentation, AI incident notification,
access to our own usage logs and tenant segregation, and scores them (knock-outs rate the
supplier at least high risk); the contract checklist has the AI-era clauses; a SOC 2 Type
II report is an attestation over a period (period end, bridge letter), relied on for twelve
months after its period or until its bridge letter's date, while ISO certificates keep their
validity date."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from isms.models import Role
from monitoring.inbox.due_sources import supplier_certificates
from suppliers.models import ContractClause, SupplierCertification
from suppliers.scoring import score_assessment
from suppliers.services import register
from suppliers.services.question_sets import starter_question_set_install
from tests.suppliers.factories import SupplierFactory, officer_actor

pytestmark = pytest.mark.django_db

NEW_QUESTIONS = {
    "prompt injection": False,
    "role under the EU AI Act": False,
    "abuse": False,
    "kept apart from other customers": True,  # tenant segregation: a knock-out
    "usage and audit logs": False,
    "AI incidents": True,  # AI incident notification: a knock-out
    "indemnify": False,
}


def _good(question):
    if question.answer_type == "choice":
        return SimpleNamespace(pk=None, choice=question.good_answer or "yes")
    if question.answer_type == "date":
        return SimpleNamespace(pk=None, date=timezone.localdate())
    return SimpleNamespace(pk=None, text="Answered in full.")


def test_the_starter_questionnaire_asks_the_ai_supplier_questions(org_a, in_tenant):
    with in_tenant(org_a):
        questions = list(starter_question_set_install(organization_id=org_a.pk).questions.all())
    for words, knockout in NEW_QUESTIONS.items():
        found = [q for q in questions if words in q.text]
        assert len(found) == 1, words
        assert found[0].knockout is knockout, words
        assert found[0].bad_answer_meaning, words


def test_the_new_questions_are_scored_and_knock_outs_rate_high(org_a, in_tenant):
    today = timezone.localdate()
    with in_tenant(org_a):
        questions = list(starter_question_set_install(organization_id=org_a.pk).questions.all())
    perfect = score_assessment([(q, _good(q)) for q in questions], today=today)
    assert perfect.score == 100 and perfect.rating == "low" and perfect.gaps == []
    for words, knockout in NEW_QUESTIONS.items():
        pairs = []
        for q in questions:
            if words in q.text:
                bad = (
                    SimpleNamespace(pk=None, choice="no")
                    if q.answer_type == "choice"
                    else SimpleNamespace(pk=None, text="")
                )
                pairs.append((q, bad))
            else:
                pairs.append((q, _good(q)))
        scored = score_assessment(pairs, today=today)
        assert len(scored.gaps) == 1 and words in scored.gaps[0].question, words
        assert scored.score < 100
        if knockout:
            assert scored.rating == "high", words  # the score alone would say "low"
        else:
            assert scored.rating == "low", words


def test_the_contract_checklist_has_the_ai_era_clauses_5_20(org_a, member, in_tenant):
    for clause in [
        "confidentiality",
        "subcontractor_flowdown",
        "continuity_service_levels",
        "termination_exit",
        "liability_indemnity",
        "ai_responsibilities",
        "use_restrictions",
        "ai_documentation",
    ]:
        assert clause in ContractClause.values
    with in_tenant(org_a):
        supplier = SupplierFactory(owner=member(org_a, Role.CONTRIBUTOR))
        rows = register.contract_clauses_ensure(supplier=supplier)
    assert {r.clause for r in rows} == set(ContractClause.values)


def test_soc2_type_ii_is_an_attestation_over_a_period(org_a, member, in_tenant):
    with in_tenant(org_a):
        actor = officer_actor(org_a)
        supplier = SupplierFactory(owner=member(org_a, Role.CONTRIBUTOR))

        def soc2(**fields):
            return register.certification_create(
                actor=actor, supplier=supplier, type="soc2_type2", **fields
            )

        with pytest.raises(ValidationError) as refused:
            soc2(valid_until=date(2027, 1, 1), period_end=date(2026, 3, 31))
        assert "valid_until" in refused.value.message_dict  # no validity date to give
        with pytest.raises(ValidationError) as refused:
            soc2()
        assert "period_end" in refused.value.message_dict
        with pytest.raises(ValidationError) as refused:
            soc2(period_end=date(2026, 3, 31), bridge_letter_until=date(2026, 3, 1))
        assert "bridge_letter_until" in refused.value.message_dict
        report = soc2(period_start=date(2025, 4, 1), period_end=date(2026, 3, 31))
        assert report.valid_until == date(2027, 3, 31)  # relied on twelve months after
        bridged = soc2(period_end=date(2025, 12, 31), bridge_letter_until=date(2027, 2, 28))
        assert bridged.valid_until == date(2027, 2, 28)  # the bridge letter reaches further
        moved = register.certification_update(
            actor=actor, certification=report, bridge_letter_until=date(2027, 6, 30)
        )
        assert moved.valid_until == date(2027, 6, 30)
        # ISO certificates keep their validity date, and have no report period.
        with pytest.raises(ValidationError) as refused:
            register.certification_create(
                actor=actor, supplier=supplier, type="iso27001", period_end=date(2026, 1, 1)
            )
        assert "period_end" in refused.value.message_dict
        with pytest.raises(ValidationError) as refused:
            register.certification_create(actor=actor, supplier=supplier, type="iso42001")
        assert "valid_until" in refused.value.message_dict
        iso = register.certification_create(
            actor=actor, supplier=supplier, type="iso42001", valid_until=date(2028, 5, 1)
        )
        assert iso.valid_until == date(2028, 5, 1) and iso.period_end is None


def test_an_expiring_soc2_report_is_reminded_by_its_derived_date(org_a, member, in_tenant):
    today = timezone.localdate()
    owner = member(org_a, Role.CONTRIBUTOR)
    with in_tenant(org_a):
        supplier = SupplierFactory(owner=owner)
        report = register.certification_create(
            actor=officer_actor(org_a),
            supplier=supplier,
            type="soc2_type2",
            period_end=today - timedelta(days=350),
        )
        items = list(supplier_certificates(org_a.pk, today))
    assert [i.due_on for i in items] == [report.valid_until]
    assert items[0].recipient_ids == [owner.pk]


def test_the_api_answers_the_soc2_rule_in_its_error_shape(org_a, member, api_for, in_tenant):
    user = member(org_a, Role.OFFICER)
    with in_tenant(org_a):
        supplier = SupplierFactory(owner=user)
    api = api_for(user)
    url = f"/api/v1/orgs/{org_a.slug}/supplier-certifications/"
    refused = api.post(
        url,
        {"supplier": supplier.pk, "type": "soc2_type2", "valid_until": "2027-01-01"},
        format="json",
    )
    assert refused.status_code == 400 and "valid_until" in refused.json()["errors"]
    created = api.post(
        url,
        {
            "supplier": supplier.pk,
            "type": "soc2_type2",
            "period_end": "2026-06-30",
            "bridge_letter_until": "2027-09-30",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["valid_until"] == "2027-09-30" and body["period_end"] == "2026-06-30"
    with in_tenant(org_a):
        assert SupplierCertification.objects.get(pk=body["id"]).is_attestation
