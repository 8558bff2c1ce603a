"""The AI impact assessment (ISO/IEC 42001 6.1.4, ISO/IEC 42005): any number of harms and
benefits per affected party with severity, likelihood, scale, reversibility, vulnerable groups
and jurisdiction; each significant harm becomes a risk in one click; reassessment reminded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from isms.errors import Conflict
from monitoring.inbox.due_sources import impact_reassessments
from risks.models import ImpactAssessment, Risk
from risks.services import change as gate
from risks.services import register

pytestmark = pytest.mark.django_db

HARMS = [
    {
        "kind": "harm",
        "to": "individuals",
        "party": "Job applicants",
        "description": "Qualified applicants rejected by a biased ranking",
        "severity": "high",
        "likelihood": "medium",
        "scale": "many",
        "reversibility": "hard",
        "vulnerable_groups": "Older applicants; people with disabilities",
        "jurisdiction": "EU (Belgium, France)",
    },
    {
        "kind": "harm",
        "to": "individuals",
        "party": "Job applicants",
        "description": "Applicants not told why they were rejected",
        "severity": "medium",
        "likelihood": "low",
    },
    {
        "kind": "benefit",
        "to": "individuals",
        "party": "Job applicants",
        "description": "Faster answers to every applicant",
        "severity": "medium",
        "likelihood": "high",
    },
    {
        "kind": "harm",
        "to": "society",
        "party": "Labour market",
        "description": "Exclusion patterns repeated across employers",
        "severity": "medium",
        "likelihood": "high",
        "scale": "widespread",
    },
]


def _assessment(people, asset, **extra):
    return gate.impact_assessment_create(
        actor=people.officer_actor,
        asset=asset,
        intended_purpose="Screen job applications",
        affected_people="Job applicants",
        foreseeable_misuse="Ranking on criteria the job does not need",
        human_oversight_measures="A recruiter reviews every ranking",
        harms=HARMS,
        **extra,
    )


def test_many_harms_and_benefits_per_party_are_kept_with_their_dimensions(
    org_a, in_tenant, people, pilot_tool
):
    with in_tenant(org_a):
        assessment = _assessment(
            people,
            pilot_tool,
            environmental_effects="GPU inference in an EU region, about 2 MWh a year",
            reassessment_triggers="A new model version; a new country",
            reassess_by=timezone.localdate() + timedelta(days=180),
        )
        assessment.refresh_from_db()
        assert len(assessment.harms) == 4
        assert [h["party"] for h in assessment.harms[:3]] == ["Job applicants"] * 3
        assert assessment.harms[2]["kind"] == "benefit"
        assert assessment.harms[0]["vulnerable_groups"].startswith("Older applicants")
        assert assessment.harms[0]["jurisdiction"] == "EU (Belgium, France)"
        assert assessment.environmental_effects.startswith("GPU")


def test_a_bad_entry_is_refused_naming_it(org_a, in_tenant, people, pilot_tool):
    with in_tenant(org_a):
        with pytest.raises(ValidationError) as error:
            gate.impact_assessment_create(
                actor=people.officer_actor,
                asset=pilot_tool,
                harms=[*HARMS, {"to": "planet", "description": "x", "severity": "high"}],
            )
        assert "Entry 5" in error.value.message_dict["harms"][0]


def test_each_significant_harm_becomes_a_risk_once(org_a, in_tenant, people, pilot_tool):
    with in_tenant(org_a):
        assessment = _assessment(people, pilot_tool)
        risk = register.risk_from_harm(
            actor=people.contributor_actor, assessment_id=assessment.pk, harm_index=0
        )
        assert risk.source_assessment_id == assessment.pk and risk.source_harm == 0
        assert risk.owner_id == pilot_tool.owner_id and risk.harm_to == ["individuals"]
        assert list(risk.assets.values_list("pk", flat=True)) == [pilot_tool.pk]
        assert "Vulnerable groups: Older applicants" in risk.description
        assert risk.inherent_impact > risk.inherent_likelihood  # high severity, medium odds
        with pytest.raises(Conflict, match="already the risk"):
            register.risk_from_harm(
                actor=people.officer_actor, assessment_id=assessment.pk, harm_index=0
            )
        for not_significant in (1, 2):  # a low-odds medium harm; a benefit
            with pytest.raises(ValidationError):
                register.risk_from_harm(
                    actor=people.officer_actor,
                    assessment_id=assessment.pk,
                    harm_index=not_significant,
                )
        society = register.risk_from_harm(
            actor=people.officer_actor, assessment_id=assessment.pk, harm_index=3
        )
        assert society.category == "regulatory"
        assert Risk.objects.filter(source_assessment=assessment).count() == 2


def test_one_click_on_the_summary_and_another_org_cannot(
    org_a, org_b, in_tenant, people, pilot_tool, client_for, member
):
    with in_tenant(org_a):
        assessment = _assessment(people, pilot_tool)
    client = client_for(people.officer)
    summary = client.get(f"/o/{org_a.slug}/risks/assessments/{assessment.pk}/").content.decode()
    assert summary.count(">Create risk<") == 2  # the two significant harms
    made = client.post(f"/o/{org_a.slug}/risks/from-harm/{assessment.pk}/", {"harm": "0"})
    assert made.status_code == 302 and "/risks/" in made["Location"]
    summary = client.get(f"/o/{org_a.slug}/risks/assessments/{assessment.pk}/").content.decode()
    assert summary.count(">Create risk<") == 1 and "Qualified applicants rejected" in summary
    outsider = client_for(member(org_b, "admin"))
    refused = outsider.post(f"/o/{org_b.slug}/risks/from-harm/{assessment.pk}/", {"harm": "3"})
    assert refused.status_code == 404
    with in_tenant(org_a):
        assert Risk.objects.filter(source_assessment=assessment).count() == 1


def test_reassessment_date_reminds_the_owner(org_a, in_tenant, people, pilot_tool):
    with in_tenant(org_a):
        assessment = _assessment(
            people, pilot_tool, reassess_by=timezone.localdate() + timedelta(days=3)
        )
        gate.impact_assessment_approve(actor=people.approver_actor, assessment=assessment)
        items = list(impact_reassessments(org_a.pk, timezone.localdate()))
        assert [i.recipient_ids for i in items] == [[pilot_tool.owner_id]]
        assert ImpactAssessment.objects.get(pk=assessment.pk).status == "approved"
