"""EU AI Act obligations as tracked work (risks.models.obligations): per role, article by
article, with the date each applies from (Art. 113), an owner and a due date; reminders;
reclassification keeps the history."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from isms.models import OrganizationProfile
from monitoring.inbox.due_sources import ai_act_obligations
from risks.models import AIActObligation
from risks.services import change as gate

pytestmark = pytest.mark.django_db

FEB_2025, AUG_2025, AUG_2026 = date(2025, 2, 2), date(2025, 8, 2), date(2026, 8, 2)

# The "Done when" table: what the product lists for each case, article by article.
PROVIDER_HR = [
    ("Art. 4", FEB_2025),
    ("Art. 9", AUG_2026),
    ("Art. 10", AUG_2026),
    ("Art. 11", AUG_2026),
    ("Art. 12", AUG_2026),
    ("Art. 13", AUG_2026),
    ("Art. 14", AUG_2026),
    ("Art. 15", AUG_2026),
    ("Art. 16(c), 17", AUG_2026),
    ("Art. 16(d), 18", AUG_2026),
    ("Art. 16(e), 19", AUG_2026),
    ("Art. 16(f), 43", AUG_2026),
    ("Art. 16(g), 47, 48", AUG_2026),
    ("Art. 16(i), 49(1)", AUG_2026),
    ("Art. 16(j), 20", AUG_2026),
    ("Art. 16(b)", AUG_2026),
    ("Art. 16(k)", AUG_2026),
    ("Art. 16(l)", AUG_2026),
    ("Art. 72", AUG_2026),
    ("Art. 73", AUG_2026),
]
DEPLOYER_HR = [
    ("Art. 4", FEB_2025),
    ("Art. 26(1)", AUG_2026),
    ("Art. 26(2)", AUG_2026),
    ("Art. 26(4)", AUG_2026),
    ("Art. 26(5)", AUG_2026),
    ("Art. 26(6)", AUG_2026),
    ("Art. 26(7)", AUG_2026),
    ("Art. 26(9)", AUG_2026),
    ("Art. 26(11)", AUG_2026),
    ("Art. 86", AUG_2026),
]
PUBLIC_BODY_HR = [
    *DEPLOYER_HR[:-1],
    ("Art. 26(8), 49(3)", AUG_2026),
    ("Art. 27", AUG_2026),
    ("Art. 27(3)", AUG_2026),
    ("Art. 86", AUG_2026),
]
GPAI_DOWNSTREAM_CHATBOT = [
    ("Art. 4", FEB_2025),
    ("Art. 53(1)(b)", AUG_2025),
    ("Art. 50(1)", AUG_2026),
    ("Art. 50(2)", AUG_2026),
]

CASES = {
    "provider": ("other", {"ai_act_role": "provider", "annex_iii_use_cases": ["4a"]}, PROVIDER_HR),
    "deployer": ("other", {"ai_act_role": "deployer", "annex_iii_use_cases": ["4a"]}, DEPLOYER_HR),
    "public body": (
        "public_body",
        {"ai_act_role": "deployer", "annex_iii_use_cases": ["4a"]},
        PUBLIC_BODY_HR,
    ),
    "GPAI downstream provider": (
        "other",
        {
            "ai_act_role": "provider",
            "gpai": "built_on",
            "transparency_duties": ["chatbot", "synthetic_content"],
        },
        GPAI_DOWNSTREAM_CHATBOT,
    ),
}


def _approved(people, asset, **screens):
    assessment = gate.impact_assessment_create(
        actor=people.officer_actor,
        asset=asset,
        intended_purpose="Screen job applications",
        affected_people="Job applicants",
        foreseeable_misuse="Ranking people on criteria the role does not need",
        human_oversight_measures="A recruiter reviews every ranking",
        **screens,
    )
    return gate.impact_assessment_approve(actor=people.approver_actor, assessment=assessment)


@pytest.mark.parametrize("case", list(CASES))
def test_obligations_per_role_article_by_article_with_dates(
    case, org_a, in_tenant, people, pilot_tool
):
    legal_type, screens, expected = CASES[case]
    with in_tenant(org_a):
        OrganizationProfile.objects.filter().update(legal_type=legal_type)
        assessment = _approved(people, pilot_tool, **screens)
        rows = list(AIActObligation.objects.filter(asset=pilot_tool).order_by("id"))
        assert [(r.article, r.applies_from) for r in rows] == expected
        today = timezone.localdate()
        for row in rows:
            assert row.owner_id == pilot_tool.owner_id  # the system's accountable owner
            assert row.assessment_id == assessment.pk and row.date_source
            assert row.due_on == (
                row.applies_from if row.applies_from > today else today + timedelta(days=30)
            )


def test_reclassification_updates_the_list_and_keeps_its_history(
    org_a, in_tenant, people, pilot_tool
):
    with in_tenant(org_a):
        first = _approved(people, pilot_tool, annex_iii_use_cases=["4a"])
        art4 = AIActObligation.objects.get(asset=pilot_tool, code="art4")
        done = AIActObligation.objects.get(asset=pilot_tool, code="art26_1")
        from risks.services.obligations import obligation_complete

        obligation_complete(actor=people.contributor_actor, obligation=done)  # the owner
        # Reclassified: the 4(a) use turns out to be a preparatory task (Art. 6(3)(d)).
        second = _approved(
            people,
            pilot_tool,
            annex_iii_use_cases=["4a"],
            derogation_conditions=["preparatory"],
            derogation_documentation="Provider's Art. 6(4) assessment, filed with the contract",
        )
        rows = {r.code: r for r in AIActObligation.objects.filter(asset=pilot_tool)}
        assert rows["art4"].pk == art4.pk and rows["art4"].status == "open"  # kept
        assert rows["art26_1"].status == "done"  # history of what was met stays
        superseded = [r for r in rows.values() if r.status == "superseded"]
        assert {r.code for r in superseded} == {
            "art26_2",
            "art26_4",
            "art26_5",
            "art26_6",
            "art26_7",
            "art26_9",
            "art26_11",
            "art86",
        }
        assert {r.superseded_by_id for r in superseded} == {second.pk}
        assert {r.assessment_id for r in superseded} == {first.pk}


def test_relying_on_the_derogation_needs_the_art6_4_assessment(
    org_a, in_tenant, people, pilot_tool
):
    with in_tenant(org_a):
        with pytest.raises(ValidationError) as error:
            _approved(
                people,
                pilot_tool,
                ai_act_role="provider",
                annex_iii_use_cases=["4a"],
                derogation_conditions=["narrow_procedural"],
            )
        assert "derogation_documentation" in error.value.message_dict
        assert not AIActObligation.objects.exists()


def test_approval_is_refused_without_the_foreseeable_misuse(org_a, in_tenant, people, pilot_tool):
    """ISO/IEC 42001 6.1.4 and ISO/IEC 42005: intended use and foreseeable misuse first."""
    with in_tenant(org_a):
        draft = gate.impact_assessment_create(
            actor=people.officer_actor,
            asset=pilot_tool,
            intended_purpose="Screen job applications",
            affected_people="Job applicants",
            human_oversight_measures="A recruiter reviews every ranking",
        )
        with pytest.raises(ValidationError) as error:
            gate.impact_assessment_approve(actor=people.approver_actor, assessment=draft)
        assert "foreseeable_misuse" in error.value.message_dict
        draft.refresh_from_db()
        assert draft.status == "draft"


def test_open_obligations_remind_their_owner(org_a, in_tenant, people, pilot_tool):
    with in_tenant(org_a):
        _approved(people, pilot_tool, annex_iii_use_cases=["4a"])
        today = timezone.localdate()
        items = list(ai_act_obligations(org_a.pk, today))
        due = AIActObligation.objects.filter(status="open", due_on__lte=today + timedelta(days=60))
        assert {i.key.split(":")[1] for i in items} >= {str(r.pk) for r in due if r.overdue}
        assert all(i.recipient_ids == [pilot_tool.owner_id] for i in items)
        assert all(f"asset={pilot_tool.pk}" in i.url for i in items)


def test_obligations_api_lists_and_the_owner_completes(
    org_a, org_b, in_tenant, people, pilot_tool, api_for, member, django_assert_max_num_queries
):
    with in_tenant(org_a):
        _approved(people, pilot_tool, annex_iii_use_cases=["4a"])
        row = AIActObligation.objects.get(asset=pilot_tool, code="art26_2")
    url = f"/api/v1/orgs/{org_a.slug}/ai-act-obligations/"
    auditor = api_for(user=people.auditor)
    with django_assert_max_num_queries(12):
        listed = auditor.get(url, {"asset": pilot_tool.pk})
    assert listed.status_code == 200 and listed.json()["count"] == 10
    assert auditor.post(f"{url}{row.pk}/complete/").status_code == 403
    other = api_for(user=people.other).post(f"{url}{row.pk}/complete/")
    assert other.status_code == 403  # a contributor who does not own it
    done = api_for(user=people.contributor).post(f"{url}{row.pk}/complete/")
    assert done.status_code == 200 and done.json()["status"] == "done"
    again = api_for(user=people.contributor).post(f"{url}{row.pk}/complete/")
    assert again.status_code == 409
    outsider = api_for(user=member(org_b, "admin"))
    assert (
        outsider.get(f"/api/v1/orgs/{org_b.slug}/ai-act-obligations/{row.pk}/").status_code == 404
    )


def test_obligations_page_pins_its_queries(
    org_a, in_tenant, people, pilot_tool, client_for, django_assert_max_num_queries
):
    with in_tenant(org_a):
        _approved(people, pilot_tool, annex_iii_use_cases=["4a"])
    client = client_for(people.contributor)
    with django_assert_max_num_queries(20):
        page = client.get(f"/o/{org_a.slug}/risks/obligations/")
    body = page.content.decode()
    assert page.status_code == 200 and "Art. 26(2)" in body and "Mark done" in body
