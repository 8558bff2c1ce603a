"""The fundamental-rights impact assessment (EU AI Act Art. 27): started only where Art. 27(1)
asks for one, pre-filled from the AI impact assessment, complete only with every Art. 27(1)
part, then the Art. 27(3) notification with its date; each closes its obligation."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from isms.errors import NotPermitted
from isms.models import OrganizationProfile
from risks.models import AIActObligation
from risks.services import change as gate
from risks.services import fria as frias

pytestmark = pytest.mark.django_db

PARTS = {
    "period_and_frequency": "Every recruitment round, about monthly, from March 2027",
    "mitigation_and_complaints": "A recruiter re-reviews on complaint; the works council is told",
}


def _approved(people, asset, **screens):
    draft = gate.impact_assessment_create(
        actor=people.officer_actor,
        asset=asset,
        intended_purpose="Screen job applications for the municipality",
        affected_people="Job applicants",
        foreseeable_misuse="Ranking on criteria the job does not need",
        human_oversight_measures="A recruiter reviews every ranking",
        harms=[
            {
                "to": "individuals",
                "party": "Job applicants",
                "description": "Biased rejection",
                "severity": "high",
                "likelihood": "medium",
            }
        ],
        **screens,
    )
    return gate.impact_assessment_approve(actor=people.approver_actor, assessment=draft)


def _public_body(org, in_tenant):
    with in_tenant(org):
        OrganizationProfile.objects.update(legal_type="public_body")


def test_no_fria_where_art27_does_not_ask_for_one(org_a, in_tenant, people, pilot_tool):
    with in_tenant(org_a):  # a private company deploying an HR screening tool
        assessment = _approved(people, pilot_tool, annex_iii_use_cases=["4a"])
        assert not assessment.fria_required
        with pytest.raises(ValidationError, match="do not need a FRIA"):
            frias.fria_start(actor=people.officer_actor, assessment=assessment)


def test_public_body_fria_prefilled_completed_and_notified(org_a, in_tenant, people, pilot_tool):
    _public_body(org_a, in_tenant)
    with in_tenant(org_a):
        assessment = _approved(people, pilot_tool, annex_iii_use_cases=["4a"])
        assert assessment.fria_required
        record = frias.fria_start(actor=people.officer_actor, assessment=assessment)
        assert frias.fria_start(actor=people.officer_actor, assessment=assessment).pk == record.pk
        assert record.affected_categories == "Job applicants"
        assert "Biased rejection" in record.specific_risks
        assert record.human_oversight == "A recruiter reviews every ranking"
        with pytest.raises(ValidationError) as missing:  # Art. 27(1)(b) and (f) still empty
            frias.fria_complete(actor=people.officer_actor, fria=record)
        assert set(missing.value.message_dict) == set(PARTS)
        with pytest.raises(ValidationError, match="Complete the FRIA"):
            frias.fria_update(
                actor=people.officer_actor,
                fria=record,
                authority="Data protection authority",
                notified_on=date(2027, 3, 1),
            )
        record.refresh_from_db()
        with pytest.raises(NotPermitted):
            frias.fria_update(actor=people.contributor_actor, fria=record, **PARTS)
        frias.fria_update(actor=people.officer_actor, fria=record, **PARTS)
        frias.fria_complete(actor=people.officer_actor, fria=record)
        codes = dict(AIActObligation.objects.filter(asset=pilot_tool).values_list("code", "status"))
        assert codes["art27"] == "done" and codes["art27_3"] == "open"
        frias.fria_update(
            actor=people.officer_actor,
            fria=record,
            authority="National market surveillance authority",
            notified_on=date(2027, 3, 1),
        )
        record.refresh_from_db()
        assert record.notified_on == date(2027, 3, 1)
        assert AIActObligation.objects.get(asset=pilot_tool, code="art27_3").status == "done"


def test_credit_scoring_needs_a_fria_from_any_deployer_via_the_pages(
    org_a, in_tenant, people, pilot_tool, client_for
):
    with in_tenant(org_a):
        assessment = _approved(people, pilot_tool, annex_iii_use_cases=["5b"])
    client = client_for(people.officer)
    summary = client.get(f"/o/{org_a.slug}/risks/assessments/{assessment.pk}/").content.decode()
    assert 'id="ia-fria"' in summary and "Start the fundamental-rights" in summary
    started = client.post(f"/o/{org_a.slug}/risks/assessments/{assessment.pk}/fria/")
    assert started.status_code == 302
    page = client.get(started["Location"]).content.decode()
    assert "27(1)(f)" in page and "Job applicants" in page
    auditor = client_for(people.auditor).get(started["Location"])
    assert auditor.status_code == 200 and b"Complete the FRIA" not in auditor.content
