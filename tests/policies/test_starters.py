"""Starter policies (control 5.1 of ISO 27001; ISO 42001 5.2 and Annex A.2, A.5, A.6, A.7):
each template loads as a policy with a draft, renders, and is linked to controls the
library holds; the SoA row of such a control lists the policy; the AI acceptable use policy
names the EU AI Act Art. 5 prohibited practices, AI literacy (Art. 4), reporting unapproved
tools, rules for AI agents, and treats personal data as its classification section does."""

from __future__ import annotations

import pytest

from isms.controls.loader import load_control_library
from isms.models import Control, Role
from policies import selectors, services
from policies.models import PolicyControl
from policies.rendering import render_markdown
from policies.starters import CLASSIFICATION_AI, ISO27001, ISO42001, TEMPLATES
from tests.incidents.factories import actor_for

pytestmark = pytest.mark.django_db

COMPLETE = ["ai-acceptable-use", "information-security", "ai-policy", "ai-lifecycle",
            "ai-data-governance", "ai-impact-assessment"]  # fmt: skip


@pytest.fixture
def library(db):
    load_control_library()


def test_every_starter_maps_to_controls_the_library_holds(library):
    for key in COMPLETE:
        template = TEMPLATES[key]
        assert template.controls, key
        held = services.template_controls(template)
        assert {(c.framework.code, c.ref) for c in held} == set(template.controls), key
    wanted = {
        "information-security": (ISO27001, "5.1"),
        "ai-policy": (ISO42001, "A.2.2"),
        "ai-lifecycle": (ISO42001, "A.6.1.2"),
        "ai-data-governance": (ISO42001, "A.7.4"),
        "ai-impact-assessment": (ISO42001, "A.5.2"),
    }
    for key, control in wanted.items():
        assert control in TEMPLATES[key].controls, key
    lifecycle = {ref for _, ref in TEMPLATES["ai-lifecycle"].controls}
    assert {"A.6.1.3", "A.6.2.2", "A.6.2.8"} <= lifecycle


@pytest.mark.parametrize("key", COMPLETE)
def test_each_starter_loads_renders_and_links_its_controls(key, library, org_a, in_tenant):
    template = TEMPLATES[key]
    with in_tenant(org_a):
        version = services.policy_create_from_template(actor=actor_for(org_a), template_key=key)
        policy = version.policy
        assert policy.title == template.title and policy.kind == template.kind
        assert version.status == "draft" and version.body_markdown == template.body
        html = render_markdown(version.body_markdown)
        assert f"<h1>{template.title.split(' —')[0]}" in html or "<h1>" in html
        assert html.count("<h2>") >= 3
        linked = {(c.framework.code, c.ref) for c in selectors.policy_controls(policy)}
        assert linked == set(template.controls)
        assert policy.covers_ai == bool(template.ai_sections)


def test_the_ai_acceptable_use_policy_says_what_the_law_and_our_rules_say():
    body = " ".join(TEMPLATES["ai-acceptable-use"].body.split())
    classification = " ".join(CLASSIFICATION_AI.split())
    # EU AI Act Art. 5: the prohibited practices, in our words.
    for practice in ["subliminal", "social behaviour", "facial-recognition databases",
                     "emotions", "biometric data", "real time", "commit a crime"]:  # fmt: skip
        assert practice in body, practice
    assert "Article 5" in body
    assert "AI literacy" in body  # Art. 4
    assert "not approved" in body and "report it" in body  # shadow AI is reported
    assert "AI agent" in body and "prompt injection" in body and "stopped" in body
    # Personal data: by a data protection assessment, as the classification section says.
    assert "data protection assessment" in body
    assert "data protection assessment" in classification
    assert "| Restricted or personal data |" not in body


def test_the_soa_row_of_a_control_shows_its_policies(
    library, org_a, org_b, member, client_for, in_tenant
):
    with in_tenant(org_a):
        version = services.policy_create_from_template(
            actor=actor_for(org_a), template_key="information-security"
        )
    officer = client_for(member(org_a, Role.OFFICER))
    table = officer.get(f"/o/{org_a.slug}/risks/soa/{ISO27001}/").content.decode()
    row = table.split('data-ref="5.1"', 1)[1].split("</tr>", 1)[0]
    assert "Information security policy" in row
    assert f"/policies/{version.policy.pk}/" in row
    other = client_for(member(org_b, Role.OFFICER))
    assert (
        "Information security policy"
        not in other.get(f"/o/{org_b.slug}/risks/soa/{ISO27001}/").content.decode()
    )


def test_controls_are_chosen_through_the_page_and_the_api(
    library, org_a, org_b, member, client_for, api_for, in_tenant
):
    with in_tenant(org_a):
        version = services.policy_create_from_template(
            actor=actor_for(org_a), template_key="ai-policy"
        )
    policy = version.policy
    a12 = Control.objects.get(framework__code=ISO42001, ref="A.3.2")
    officer_user = member(org_a, Role.OFFICER)
    officer = client_for(officer_user)
    url = f"/o/{org_a.slug}/policies/{policy.pk}/controls/"
    assert officer.get(url).status_code == 200
    assert officer.post(url, {"controls": [a12.pk]}).status_code == 302
    with in_tenant(org_a):
        assert list(PolicyControl.objects.values_list("control_id", flat=True)) == [a12.pk]
    assert "A.3.2" in officer.get(f"/o/{org_a.slug}/policies/{policy.pk}/").content.decode()
    api = api_for(officer_user)
    base = f"/api/v1/orgs/{org_a.slug}/policies/{policy.pk}"
    refused = api.post(f"{base}/controls/", {"controls": [10**8]}, format="json")
    assert refused.status_code == 400 and "controls" in refused.json()["errors"]
    done = api.post(f"{base}/controls/", {"controls": []}, format="json")
    assert done.status_code == 200 and done.json()["controls"] == []
    assert api.get(f"{base}/").json()["controls"] == []
    outsider = api_for(member(org_b, Role.ADMIN))
    foreign = f"/api/v1/orgs/{org_b.slug}/policies/{policy.pk}/controls/"
    assert outsider.post(foreign, {"controls": [a12.pk]}, format="json").status_code == 404
    reader = client_for(member(org_a, Role.AUDITOR))
    assert reader.get(url).status_code == 403
