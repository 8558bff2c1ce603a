"""The risk method gives comparable results (ISO/IEC 27001:2022 6.1.2): every likelihood and
impact level defined in words and an example; risks tagged with the confidentiality,
integrity and availability they threaten and, for AI, who could be harmed (ISO/IEC
42001:2023 6.1.4)."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.exceptions import ValidationError

from risks.models import Risk
from risks.services import register

pytestmark = pytest.mark.django_db


def url(org, path: str) -> str:
    return f"/api/v1/orgs/{org.slug}/{path}"


def _levels(n: int, prefix: str = "L") -> list[dict]:
    return [{"meaning": f"{prefix}{i} means", "example": f"{prefix}{i} e.g."} for i in range(n)]


# --- 6.1.2 b: criteria define each level -----------------------------------------------------


def test_6_1_2_new_criteria_define_every_level_with_meaning_and_example(org_a, in_tenant):
    with in_tenant(org_a):
        criteria = register.criteria_get()
        for scale in (criteria.likelihood_scale, criteria.impact_scale):
            assert len(scale) == 5
            assert all(level["meaning"] and level["example"] for level in scale)
        assert criteria.likelihood_scale[0]["label"] == "Rare"


def test_6_1_2_service_refuses_a_level_without_meaning_or_example(org_a, in_tenant, people):
    with in_tenant(org_a):
        incomplete = _levels(5)
        incomplete[2]["example"] = " "
        with pytest.raises(ValidationError) as error:
            register.criteria_update(actor=people.officer_actor, likelihood_definitions=incomplete)
        assert "Possible" in error.value.message_dict["likelihood_definitions"][0]
        # Four labels but five definitions: every level, no more, no less.
        with pytest.raises(ValidationError) as error:
            register.criteria_update(
                actor=people.officer_actor, impact_labels=["Low", "Some", "High", "Grave"]
            )
        assert "impact_definitions" in error.value.message_dict
        criteria = register.criteria_update(
            actor=people.officer_actor,
            impact_labels=["Low", "Some", "High", "Grave"],
            impact_definitions=_levels(4, "I"),
        )
        assert [lv["meaning"] for lv in criteria.impact_scale] == [
            "I0 means",
            "I1 means",
            "I2 means",
            "I3 means",
        ]


def test_6_1_2_api_refuses_undefined_levels_with_code(org_a, people, api_for, in_tenant):
    client = api_for(user=people.officer)
    criteria = client.get(url(org_a, "risk-criteria/")).json()["results"][0]
    assert len(criteria["likelihood_definitions"]) == 5
    bad = client.patch(
        url(org_a, f"risk-criteria/{criteria['id']}/"),
        {"likelihood_definitions": _levels(3)},
        format="json",
    )
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"
    assert "likelihood_definitions" in bad.json()["errors"]
    ok = client.patch(
        url(org_a, f"risk-criteria/{criteria['id']}/"),
        {"likelihood_definitions": _levels(5, "API")},
        format="json",
    )
    assert ok.status_code == 200 and ok.json()["likelihood_definitions"][4] == {
        "meaning": "API4 means",
        "example": "API4 e.g.",
    }


def test_6_1_2_criteria_page_shows_meanings_and_saves_per_level(
    org_a, people, client_for, in_tenant
):
    auditor_page = client_for(people.auditor).get(f"/o/{org_a.slug}/risks/criteria/")
    html = auditor_page.content.decode()
    assert auditor_page.status_code == 200 and 'id="scale-likelihood"' in html
    with in_tenant(org_a):
        meaning = register.criteria_get().impact_scale[2]["meaning"]
    assert meaning in html and "Save criteria" not in html
    data = {"medium_from": 5, "high_from": 10, "critical_from": 16, "acceptance_threshold": 9}
    labels = ["Very low", "Low", "Medium", "High", "Very high"]
    for scale in ("likelihood", "impact"):
        for level, label in enumerate(labels, start=1):
            data[f"{scale}_label_{level}"] = label
            data[f"{scale}_meaning_{level}"] = f"{label} {scale} in words"
            data[f"{scale}_example_{level}"] = f"{label} {scale} example"
    missing = dict(data, likelihood_example_3="")
    officer = client_for(people.officer)
    refused = officer.post(f"/o/{org_a.slug}/risks/criteria/", missing)
    assert refused.status_code == 400 and "missing for: Medium" in refused.content.decode()
    saved = officer.post(f"/o/{org_a.slug}/risks/criteria/", data)
    assert saved.status_code == 302
    with in_tenant(org_a):
        criteria = register.criteria_get()
        assert criteria.likelihood_labels == labels
        assert criteria.impact_scale[2]["example"] == "Medium impact example"


# --- 6.1.2 c 1 / 42001 6.1.4: what a risk threatens and who it could harm ---------------------


def test_6_1_2_risk_tags_are_validated_and_stored_as_sets(org_a, in_tenant, people):
    with in_tenant(org_a):
        with pytest.raises(ValidationError) as error:
            register.risk_create(
                actor=people.officer_actor,
                title="Leak",
                category="data_leakage",
                owner=people.contributor,
                threatens=["secrecy"],
            )
        assert "threatens" in error.value.message_dict
        risk = register.risk_create(
            actor=people.officer_actor,
            title="Leak",
            category="data_leakage",
            owner=people.contributor,
            threatens=["integrity", "confidentiality", "integrity"],
            harm_to=["society", "individuals"],
        )
        risk.refresh_from_db()
        assert risk.threatens == ["confidentiality", "integrity"]
        assert risk.harm_to == ["individuals", "society"]


def test_6_1_2_risk_tags_in_api_filter_and_export(org_a, people, api_for, client_for, in_tenant):
    client = api_for(user=people.officer)
    bad = client.post(
        url(org_a, "risks/"),
        {
            "title": "Bad tag",
            "category": "privacy",
            "owner": people.contributor.pk,
            "harm_to": ["planet"],
        },
        format="json",
    )
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"
    assert "harm_to" in bad.json()["errors"]
    made = client.post(
        url(org_a, "risks/"),
        {
            "title": "Chat leaks prompts",
            "category": "privacy",
            "owner": people.contributor.pk,
            "threatens": ["confidentiality"],
            "harm_to": ["individuals"],
        },
        format="json",
    )
    assert made.status_code == 201 and made.json()["threatens"] == ["confidentiality"]
    client.post(
        url(org_a, "risks/"),
        {"title": "Outage", "category": "availability", "owner": people.contributor.pk},
        format="json",
    )
    listed = client.get(url(org_a, "risks/"), {"threatens": "confidentiality"}).json()
    assert [r["title"] for r in listed["results"]] == ["Chat leaks prompts"]
    listed = client.get(url(org_a, "risks/"), {"harm_to": "society"}).json()
    assert listed["count"] == 0
    exported = client_for(people.officer).get(f"/o/{org_a.slug}/risks/export.csv")
    rows = list(csv.DictReader(io.StringIO(exported.content.decode())))
    leak = next(r for r in rows if r["title"] == "Chat leaks prompts")
    assert (leak["threatens"], leak["harm_to"]) == ("Confidentiality", "Individuals")
    with in_tenant(org_a):
        assert Risk.objects.filter(threatens__contains=["confidentiality"]).count() == 1
