"""Issue 17, items 2 and 3, on the very screens where they were found: multi-check-box fields
are drawn as Bootstrap check boxes (form-check), never as a `form-control` box that hides
which are ticked (the change request's data categories, the impact assessment's EU AI Act
screens, the SoA's inclusion reasons); and the gate checklist says each step's status in
words with an icon from the vendored Bootstrap Icons, not with emoji alone."""

from __future__ import annotations

import re

import pytest

from isms.models import Role
from risks.models import SoARow
from tests.risks.factories import library_control, make_change_request, make_impact_assessment

pytestmark = pytest.mark.django_db
EMOJI = re.compile("[\u2600-\u27bf\U0001f300-\U0001faff]")


def _checkboxes(html: str) -> list[str]:
    return re.findall(r'<input[^>]*type="checkbox"[^>]*>', html)


def _assert_form_check(html: str, at_least: int) -> None:
    boxes = _checkboxes(html)
    assert len(boxes) >= at_least, html[:2000]
    for tag in boxes:
        assert "form-control" not in tag, tag
        assert "form-check-input" in tag, tag
        found = re.search(r'id="([^"]+)"', tag)
        assert found and f'for="{found.group(1)}"' in html, f"{tag} has no label"


def test_the_change_requests_data_categories_are_check_boxes(org_a, member, client_for):
    html = client_for(member(org_a, Role.OFFICER)).get("/o/alpha/risks/changes/new/")
    _assert_form_check(html.content.decode(), at_least=5)


def test_the_eu_ai_act_screens_are_check_boxes(org_a, member, client_for, in_tenant):
    officer = member(org_a, Role.OFFICER)
    with in_tenant(org_a):
        assessment = make_impact_assessment(org_a)
    page = client_for(officer).get(f"/o/alpha/risks/assessments/{assessment.pk}/?step=screens")
    assert page.status_code == 200
    _assert_form_check(page.content.decode(), at_least=3)


def test_the_soa_inclusion_reasons_are_check_boxes(org_a, member, client_for, in_tenant):
    officer = member(org_a, Role.OFFICER)
    with in_tenant(org_a):
        library_control("T.9")
        row = SoARow.objects.get(control__ref="T.9")
    page = client_for(officer).get(
        f"/o/alpha/risks/soa/rows/{row.pk}/", {"edit": "1"}, HTTP_HX_REQUEST="true"
    )
    assert page.status_code == 200
    _assert_form_check(page.content.decode(), at_least=2)


def test_the_gate_checklist_says_each_status_in_words_with_an_icon(
    org_a, member, client_for, in_tenant
):
    officer = member(org_a, Role.OFFICER)
    with in_tenant(org_a):
        change = make_change_request(org_a)
    html = client_for(officer).get(f"/o/alpha/risks/changes/{change.pk}/").content.decode()
    checklist = html.split('id="checklist"', 1)[1].split("</ul>", 1)[0]
    steps = re.findall(r'data-status="(\w+)">(.*?)</li>', checklist, re.S)
    assert steps
    words = {"passed": "Passed", "failed": "Failed", "not_applicable": "Not needed"}
    for status, body in steps:
        badge = body.split("</span>", 1)[0]
        assert words.get(status, "Not needed") in badge, badge
        assert re.search(r'<i class="bi bi-[a-z-]+[^"]*" aria-hidden="true"></i>', badge)
        assert "visually-hidden" not in badge  # the word is shown, not only announced
    assert not EMOJI.search(checklist)
    # The icons are the vendored font: nothing from a CDN.
    assert "/static/vendor/bootstrap-icons-" in html and "cdn." not in html
