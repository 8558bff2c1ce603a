"""The demo organisation's Clause 9.2, 9.3 and 10 records, and the certification auditor's
question "show me your last incident, what you learned, and how you know the fix worked",
answered in three clicks from the organisation's home page by a read-only auditor."""

from __future__ import annotations

import re
from html import escape

import pytest
from django.test import Client
from django.utils import timezone

from isms.controls.loader import load_control_library
from isms.demo import load_demo
from isms.tenancy import tenant_context
from monitoring.audits.models import Audit
from monitoring.improvement.models import Nonconformity
from monitoring.incidents.demo import CLOSED_TITLE
from monitoring.incidents.models import AI_CATEGORIES, Incident
from monitoring.management.models import ManagementReview

pytestmark = pytest.mark.django_db


def _records(organization_id: int) -> dict:
    year = timezone.localdate().year
    with tenant_context(organization_id):
        closed = Incident.objects.filter(status="closed", category__in=AI_CATEGORIES).exclude(
            lessons_learned=""
        )
        open_ncs = Nonconformity.objects.filter(status="open", actions__isnull=False).distinct()
        audits = Audit.objects.filter(
            status="reported", planned_start__year=year - 1, findings__isnull=False
        ).distinct()
        reviews = ManagementReview.objects.filter(status="approved")
        return {
            "closed_ai_incidents": list(closed.values_list("title", flat=True)),
            "open_ncs_with_actions": open_ncs.count(),
            "verified_actions": list(
                open_ncs.filter(actions__status="verified").values_list("title", flat=True)
            ),
            "last_years_audits": audits.count(),
            "approved_reviews": [(r.title, r.inputs) for r in reviews],
        }


def _link(html: str, pattern: str) -> str:
    found = re.search(rf'href="({pattern})"', html)
    assert found, f"no link matching {pattern}"
    return found.group(1)


def test_the_demo_holds_the_records_and_an_auditor_answers_in_three_clicks():
    load_control_library()
    demo = load_demo()
    org = demo.organization
    records = _records(org.pk)
    assert records["closed_ai_incidents"] == [CLOSED_TITLE]
    assert records["open_ncs_with_actions"] == 1 and len(records["verified_actions"]) == 1
    assert records["last_years_audits"] == 1
    ((_, inputs),) = records["approved_reviews"]
    # The minutes show inputs nobody typed: the incident's lessons, the audit, the NCs.
    assert [x["title"] for x in inputs["incidents"]["lessons_learned"]] == [CLOSED_TITLE]
    assert inputs["nonconformities"]["open"] >= 1 and inputs["audits"]
    assert load_demo() and _records(org.pk) == records  # idempotent

    auditor = Client()
    auditor.force_login(demo.user("auditor"))
    home = auditor.get(f"/o/{org.slug}/", follow=True).content.decode()
    # Click 1: Monitoring (opens My tasks, whose tabs name the Clause 9-10 registers).
    monitoring = auditor.get(_link(home, f"/o/{org.slug}/monitoring/"), follow=True)
    # Click 2: Incidents.
    incidents = auditor.get(
        _link(monitoring.content.decode(), rf"/o/{org.slug}/monitoring/incidents/")
    )
    with tenant_context(org.pk):
        incident = Incident.objects.get(title=CLOSED_TITLE)
        nc = incident.nonconformities.get()
        fix = nc.actions.get(status="verified")
    # Click 3: the incident: what happened, what we learned, and how the fix was verified.
    page = auditor.get(_link(incidents.content.decode(), incident.get_absolute_url()))
    assert page.status_code == 200
    body = page.content.decode()
    for shown in (
        "Lessons learned",
        incident.lessons_learned,
        nc.title,
        nc.root_cause,
        "verified effective",
        fix.verification_note,
        fix.verified_by.get_full_name(),
    ):
        assert escape(shown) in body, shown
