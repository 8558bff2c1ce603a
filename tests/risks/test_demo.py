"""The risks demo: idempotent, with the change-request stories, an owner's acceptance and an
approved SoA."""

import pytest

from isms.controls.loader import load_control_library
from isms.demo import load_demo
from isms.tenancy import tenant_context
from risks.models import AIChangeRequest, Risk, RiskAcceptance, SoARow, SoASnapshot
from risks.selectors import change_request_checklist

pytestmark = pytest.mark.django_db


def _state(organization_id):
    with tenant_context(organization_id):
        return {
            "risks": Risk.objects.count(),
            "requests": sorted(
                (c.title, c.status, c.asset.lifecycle)
                for c in AIChangeRequest.objects.select_related("asset")
            ),
            "rows": SoARow.objects.count(),
            "snapshots": SoASnapshot.objects.count(),
        }


def test_demo_is_idempotent_and_tells_the_gate_stories():
    load_control_library()
    demo = load_demo()
    first = _state(demo.organization.pk)
    load_demo()
    assert _state(demo.organization.pk) == first
    assert (
        first["risks"] >= 4 and first["snapshots"] == 1 and first["rows"] == 93 + 38
    )  # ISO 27001 and ISO 42001 SoAs
    with tenant_context(demo.organization.pk):
        by_title = {c.title: c for c in AIChangeRequest.objects.all()}
        approved = by_title["Put the LLM API integration into production for the ticket summariser"]
        assert approved.status == "approved" and approved.asset.lifecycle == "production"
        # The gate passes on achieved, not planned, residual risk: the chat assistant stays in
        # pilot while its DLP action is only planned.
        chat = by_title["Roll the marketing chat assistant out to the whole team"]
        assert chat.status == "submitted" and chat.asset.lifecycle == "pilot"
        failing = change_request_checklist(chat).failing
        assert [i.key for i in failing] == ["risks_treated"]
        assert "DLP" in failing[0].detail and "planned" in failing[0].detail
        # A residual risk accepted by its owner (a contributor), treatment option kept apart.
        accepted = RiskAcceptance.objects.select_related("risk").get(status="approved")
        assert accepted.decided_by_id == accepted.risk.owner_id == demo.user("contributor").pk
        assert accepted.accepted_score == accepted.risk.current_score
        waiting = change_request_checklist(
            by_title["Summarise support tickets for the weekly report"]
        )
        assert [i.key for i in waiting.failing] == ["impact_assessment"]
        blocked = change_request_checklist(by_title["Pilot an interview mood analyser"])
        assert blocked.blocked
