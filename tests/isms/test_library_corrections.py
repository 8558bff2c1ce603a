"""Control library corrections (issue 16): ISO/IEC 42001:2023 Annex A groups as the standard
numbers and names them (A.6 in its two sub-groups A.6.1 and A.6.2; A.8 "Information for
interested parties of AI systems"), group codes stored for both frameworks, the 42001→27001
mapping corrected (A.3.2→5.2, A.6.2.8→8.15 and A.10.3→5.19 partial; A.8.2→5.10 and
A.7.4→5.9 reviewed and dropped), and controls without a counterpart shown as such."""

from __future__ import annotations

import pytest

from isms.models import Control, ControlMapping, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def controls(db):
    from isms.controls.loader import load_control_library

    load_control_library()


ISO42001, ISO27001 = "iso42001-2023", "iso27001-2022"


def _control(framework: str, ref: str) -> Control:
    return Control.objects.get(framework__code=framework, ref=ref)


def test_42001_annex_a_groups_have_their_codes_and_names(controls):
    groups = {(c.group_code, c.group) for c in Control.objects.filter(framework__code=ISO42001)}
    assert groups == {
        ("A.2", "Policies related to AI"),
        ("A.3", "Internal organization"),
        ("A.4", "Resources for AI systems"),
        ("A.5", "Assessing impacts of AI systems"),
        ("A.6.1", "Management guidance for AI system development"),
        ("A.6.2", "AI system life cycle"),
        ("A.7", "Data for AI systems"),
        ("A.8", "Information for interested parties of AI systems"),
        ("A.9", "Use of AI systems"),
        ("A.10", "Third-party and customer relationships"),
    }
    assert _control(ISO42001, "A.6.1.2").group_code == "A.6.1"
    assert _control(ISO42001, "A.6.2.8").group_code == "A.6.2"
    assert _control(ISO42001, "A.10.3").group_code == "A.10"


def test_27001_annex_a_groups_have_their_theme_numbers(controls):
    codes = {c.group_code: c.group for c in Control.objects.filter(framework__code=ISO27001)}
    assert codes == {
        "5": "Organizational controls",
        "6": "People controls",
        "7": "Physical controls",
        "8": "Technological controls",
    }


def test_corrected_mappings(controls):
    def relation(source: str, target: str) -> str | None:
        found = ControlMapping.objects.filter(
            source=_control(ISO42001, source), target=_control(ISO27001, target)
        ).first()
        return found.relation if found else None

    assert relation("A.3.2", "5.2") == "partial"
    assert relation("A.6.2.8", "8.15") == "partial"
    assert relation("A.10.3", "5.19") == "partial"
    assert relation("A.8.2", "5.10") is None  # reviewed: user documentation is not acceptable use
    assert relation("A.8.2", "5.37") == "related"
    assert relation("A.7.4", "5.9") is None  # reviewed: data quality is not the inventory
    assert not ControlMapping.objects.filter(relation="equivalent").exists()


def test_unmapped_controls_show_no_counterpart(controls, org_a, member, client_for):
    client = client_for(member(org_a, Role.AUDITOR))
    quality = _control(ISO42001, "A.7.4")
    assert not quality.mappings_out.exists() and not quality.mappings_in.exists()
    rows = client.get(f"/o/{org_a.slug}/controls/", {"q": "A.7.4"}, HTTP_HX_REQUEST="true")
    assert "no counterpart" in rows.content.decode()
    mapped = client.get(f"/o/{org_a.slug}/controls/", {"q": "A.2.2"}, HTTP_HX_REQUEST="true")
    assert "no counterpart" not in mapped.content.decode()
    detail = client.get(f"/o/{org_a.slug}/controls/{quality.pk}/").content.decode()
    assert "No counterpart in the other framework" in detail and "A.7 Data for AI systems" in detail
    listed = client.get(f"/o/{org_a.slug}/controls/", {"framework": ISO42001}).content.decode()
    assert "A.6.1 Management guidance for AI system development" in listed
