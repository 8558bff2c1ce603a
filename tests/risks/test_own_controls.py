"""The SoA as a certification auditor reads it (ISO/IEC 27001:2022 6.1.3):

- b–c: an organisation adds its own controls (another framework's or its own) beside the
  library's; they appear in its SoA, exports and snapshots, and no other organisation ever
  sees them;
- d: a control included for "risk treatment" names at least one risk it treats;
- e (the plan): a control not yet implemented has an owner and a target date;
- the snapshot diff compares sets as sets and speaks in labels.
"""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.core.exceptions import ValidationError

from isms.errors import Duplicate
from risks import selectors
from risks.models import SoARow
from risks.services import register
from risks.services import soa as services
from tests.risks.factories import library_control

pytestmark = pytest.mark.django_db

PLAN = {"implementation_status": "partial", "target_date": date(2027, 6, 30)}


def url(org, path: str) -> str:
    return f"/api/v1/orgs/{org.slug}/{path}"


def page(org, path: str = "") -> str:
    return f"/o/{org.slug}/risks/{path}"


@pytest.fixture
def control():
    return library_control("T.1")


def _soa(control):
    return services.soa_for_framework(control.framework)


def test_6_1_3_risk_treatment_needs_a_linked_risk(org_a, in_tenant, people, control):
    with in_tenant(org_a):
        row = SoARow.objects.get(control=control)
        with pytest.raises(ValidationError) as error:
            services.soa_row_update(
                actor=people.officer_actor,
                row=row,
                inclusion_reasons=["risk_treatment"],
                implementation_status="implemented",
            )
        assert "linked risk" in error.value.message_dict["inclusion_reasons"][0]
        register.risk_create(
            actor=people.officer_actor,
            title="Data leak",
            category="data_leakage",
            owner=people.contributor,
            controls=[control.pk],
        )
        services.soa_row_update(
            actor=people.officer_actor,
            row=row,
            inclusion_reasons=["risk_treatment"],
            implementation_status="implemented",
        )
        row.refresh_from_db()
        assert row.inclusion_reasons == ["risk_treatment"]


def test_6_1_3_a_control_not_yet_implemented_has_an_owner_and_target_date(
    org_a, in_tenant, people, control
):
    with in_tenant(org_a):
        row = SoARow.objects.get(control=control)
        with pytest.raises(ValidationError) as error:
            services.soa_row_update(
                actor=people.officer_actor,
                row=row,
                inclusion_reasons=["legal"],
                implementation_status="partial",
            )
        assert set(error.value.message_dict) == {"owner", "target_date"}
        services.soa_row_update(
            actor=people.officer_actor,
            row=row,
            inclusion_reasons=["legal"],
            owner=people.contributor,
            **PLAN,
        )
        # An excluded control needs no plan, only its reason.
        services.soa_row_update(
            actor=people.officer_actor,
            row=row,
            applicable=False,
            justification="No development outsourced",
            owner=None,
            target_date=None,
        )


def test_6_1_3_api_rules_answer_400_with_code(org_a, people, api_for, control):
    client = api_for(user=people.officer)
    row = client.get(url(org_a, "soa-rows/"), {"framework": control.framework.code}).json()
    row_id = row["results"][0]["id"]
    unplanned = client.patch(
        url(org_a, f"soa-rows/{row_id}/"),
        {"inclusion_reasons": ["business"], "implementation_status": "not_started"},
        format="json",
    )
    assert unplanned.status_code == 400 and unplanned.json()["code"] == "invalid"
    assert set(unplanned.json()["errors"]) == {"owner", "target_date"}
    untreated = client.patch(
        url(org_a, f"soa-rows/{row_id}/"),
        {"inclusion_reasons": ["risk_treatment"], "implementation_status": "implemented"},
        format="json",
    )
    assert untreated.status_code == 400 and "inclusion_reasons" in untreated.json()["errors"]


def test_6_1_3_own_control_in_soa_snapshot_and_export(
    org_a, in_tenant, people, control, client_for
):
    with in_tenant(org_a):
        soa = _soa(control)
        with pytest.raises(ValidationError):
            services.soa_own_control_add(
                actor=people.officer_actor, soa=soa, own_ref=" ", own_title="x"
            )
        risk = register.risk_create(
            actor=people.officer_actor,
            title="Jailbreak prompts",
            category="prompt_injection",
            owner=people.contributor,
        )
        row = services.soa_own_control_add(
            actor=people.officer_actor,
            soa=soa,
            own_ref="AI-RT-1",
            own_title="Red-team every model release",
            own_source="NIST AI RMF MEASURE 2.7",
        )
        with pytest.raises(Duplicate):
            services.soa_own_control_add(
                actor=people.officer_actor, soa=soa, own_ref="AI-RT-1", own_title="Again"
            )
        with pytest.raises(ValidationError) as error:
            services.soa_row_update(
                actor=people.officer_actor,
                row=row,
                inclusion_reasons=["risk_treatment"],
                owner=people.contributor,
                **PLAN,
            )
        assert "inclusion_reasons" in error.value.message_dict
        services.soa_row_update(
            actor=people.officer_actor,
            row=row,
            inclusion_reasons=["risk_treatment"],
            linked_risks=[risk.pk],
            owner=people.contributor,
            justification="Our models face jailbreak attempts weekly.",
            **PLAN,
        )
        library_row = SoARow.objects.get(control=control)
        with pytest.raises(ValidationError) as error:
            services.soa_row_update(
                actor=people.officer_actor, row=library_row, own_title="Renamed"
            )
        assert "own_title" in error.value.message_dict
        services.soa_row_update(
            actor=people.officer_actor,
            row=library_row,
            inclusion_reasons=["business"],
            implementation_status="implemented",
        )
        listed = list(selectors.soa_rows(soa))
        assert [r.ref for r in listed] == ["T.1", "AI-RT-1"]  # own controls after the library
        assert listed[1].linked_risk_ids == [risk.pk]
        services.soa_submit(actor=people.officer_actor, soa=soa)
        snapshot = services.soa_approve(actor=people.approver_actor, soa=soa)
        assert not [r.ref for r in selectors.soa_rows(soa) if r.is_stale]
        register.risk_update(
            actor=people.officer_actor, risk=risk, inherent_likelihood=4, inherent_impact=4
        )
        # Its linked risk changed after approval: the own control's row is stale too.
        assert [r.ref for r in selectors.soa_rows(soa) if r.is_stale] == ["AI-RT-1"]
    own = snapshot.rows[-1]
    assert (own["ref"], own["source"], own["linked_risks"]) == (
        "AI-RT-1",
        "NIST AI RMF MEASURE 2.7",
        [f"R-{risk.pk} Jailbreak prompts"],
    )
    body = (
        client_for(people.auditor)
        .get(page(org_a, f"soa/{control.framework.code}/export.csv"))
        .content.decode()
    )
    exported = {r["Control"]: r for r in csv.DictReader(io.StringIO(body))}
    assert exported["AI-RT-1"]["Source"] == "NIST AI RMF MEASURE 2.7"
    assert exported["AI-RT-1"]["Target date"] == "2027-06-30"


def test_6_1_3_own_controls_never_reach_another_organisation(
    org_a, org_b, in_tenant, people, control, member, api_for, client_for
):
    """Isolation through the UI, the API and the exports (DESIGN: tenancy)."""
    with in_tenant(org_a):
        secret = services.soa_own_control_add(
            actor=people.officer_actor,
            soa=_soa(control),
            own_ref="ALPHA-9",
            own_title="Alpha's secret control",
        )
    outsider = member(org_b)
    code = control.framework.code
    browser = client_for(outsider)
    table = browser.get(f"/o/{org_b.slug}/risks/soa/{code}/").content.decode()
    assert "ALPHA-9" not in table and "secret" not in table
    export = browser.get(f"/o/{org_b.slug}/risks/soa/{code}/export.csv").content.decode()
    assert "ALPHA-9" not in export
    assert browser.get(f"/o/{org_b.slug}/risks/soa/rows/{secret.pk}/").status_code == 404
    api = api_for(user=outsider)
    rows = api.get(url(org_b, "soa-rows/"), {"framework": code, "page_size": 500}).json()
    assert secret.pk not in {r["id"] for r in rows["results"]}
    assert api.get(url(org_b, f"soa-rows/{secret.pk}/")).status_code == 404
    patched = api.patch(url(org_b, f"soa-rows/{secret.pk}/"), {"own_title": "x"}, format="json")
    assert patched.status_code == 404
    # Org B may use the same reference for its own control: references are per organisation.
    made = api_for(user=member(org_b, "admin")).post(
        url(org_b, "soa-rows/"),
        {"framework": code, "own_ref": "ALPHA-9", "own_title": "Bravo's own"},
        format="json",
    )
    assert made.status_code == 201 and made.json()["is_own"] is True
    with in_tenant(org_a):
        assert SoARow.objects.get(pk=secret.pk).own_title == "Alpha's secret control"


def test_6_1_3_own_control_api_and_page(org_a, people, api_for, client_for, control, in_tenant):
    code = control.framework.code
    client = api_for(user=people.officer)
    refused = api_for(user=people.contributor).post(
        url(org_a, "soa-rows/"),
        {"framework": code, "own_ref": "X-1", "own_title": "X"},
        format="json",
    )
    assert refused.status_code == 403
    made = client.post(
        url(org_a, "soa-rows/"),
        {"framework": code, "own_ref": "X-1", "own_title": "Prompt logging"},
        format="json",
    )
    assert made.status_code == 201 and made.json()["control_ref"] == "X-1"
    again = client.post(
        url(org_a, "soa-rows/"),
        {"framework": code, "own_ref": "X-1", "own_title": "Again"},
        format="json",
    )
    assert again.status_code == 409 and again.json()["code"] == "duplicate"
    officer = client_for(people.officer)
    added = officer.post(
        page(org_a, f"soa/{code}/own/new/"),
        {"own_ref": "X-2", "own_title": "Model cards", "own_source": ""},
    )
    assert added.status_code == 302
    table = officer.get(page(org_a, f"soa/{code}/")).content.decode()
    assert 'data-ref="X-2"' in table and "Own control" in table
    assert (
        "Add an own control"
        not in client_for(people.auditor).get(page(org_a, f"soa/{code}/")).content.decode()
    )


def test_6_1_3_soa_diff_of_a_reordered_set_is_empty_and_speaks_labels(
    org_a, in_tenant, people, control
):
    with in_tenant(org_a):
        soa = _soa(control)
        row = SoARow.objects.get(control=control)
        services.soa_row_update(
            actor=people.officer_actor,
            row=row,
            inclusion_reasons=["legal", "contractual"],
            implementation_status="implemented",
            evidence_links=["https://a.example/1", "https://a.example/2"],
        )
        services.soa_submit(actor=people.officer_actor, soa=soa)
        first = services.soa_approve(actor=people.approver_actor, soa=soa)
    reordered = [
        dict(
            r,
            inclusion_reasons=list(reversed(r["inclusion_reasons"])),
            evidence_links=list(reversed(r["evidence_links"])),
        )
        for r in first.rows
    ]
    assert selectors.snapshot_diff(first.rows, reordered) == {
        "added": [],
        "removed": [],
        "changed": [],
    }
    changed = [dict(r, inclusion_reasons=["legal"]) for r in first.rows]
    (row_change,) = selectors.snapshot_diff(first.rows, changed)["changed"]
    (change,) = row_change["changes"]
    assert (change["label"], change["removed"], change["added"]) == (
        "Reasons for inclusion",
        ["Contractual"],
        [],
    )


def test_soa_table_with_own_controls_has_a_constant_number_of_queries(
    org_a, in_tenant, people, control, client_for
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    browser = client_for(people.auditor)

    def add(count: int, risk) -> int:
        with in_tenant(org_a):
            soa = _soa(control)
            start = SoARow.objects.filter(control__isnull=True).count()
            for i in range(start, start + count):
                row = services.soa_own_control_add(
                    actor=people.officer_actor, soa=soa, own_ref=f"OWN-{i:02d}", own_title=f"C{i}"
                )
                services.soa_row_update(
                    actor=people.officer_actor,
                    row=row,
                    linked_risks=[risk.pk],
                    inclusion_reasons=["risk_treatment"],
                    implementation_status="implemented",
                )
        with CaptureQueriesContext(connection) as queries:
            html = browser.get(page(org_a, f"soa/{control.framework.code}/")).content.decode()
        assert html.count(f">R-{risk.pk}<") == start + count
        return len(queries)

    with in_tenant(org_a):
        risk = register.risk_create(
            actor=people.officer_actor, title="R", category="privacy", owner=people.contributor
        )
    assert add(1, risk) == add(30, risk)  # no query per row


def test_an_own_control_has_a_monitoring_page_like_a_library_control(
    org_a, in_tenant, people, control, client_for
):
    """9.1 applies to every control in the SoA, the organisation's own included: its
    monitoring page and evidence form name it by its own reference (it has no library row)."""
    with in_tenant(org_a):
        row = services.soa_own_control_add(
            actor=people.officer_actor,
            soa=_soa(control),
            own_ref="DC-AI-9",
            own_title="Red-team every model release",
        )
    browser = client_for(people.officer)
    monitoring = browser.get(f"/o/{org_a.slug}/monitoring/checks/controls/{row.pk}/")
    assert monitoring.status_code == 200
    assert "DC-AI-9 Red-team every model release" in monitoring.content.decode()
    evidence = browser.get(f"/o/{org_a.slug}/monitoring/checks/controls/{row.pk}/evidence/add/")
    assert evidence.status_code == 200 and "DC-AI-9" in evidence.content.decode()
