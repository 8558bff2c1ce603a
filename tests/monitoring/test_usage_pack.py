"""The evidence pack's AI usage section (issue 22, Clause 9.1; ISO/IEC 42001 A.9.2): tools
used, people, denials and their reasons over the period, read back from the PDF; nothing of
another organisation."""

from __future__ import annotations

import subprocess
from datetime import timedelta

import pytest
from django.utils import timezone

from monitoring.packs import services
from monitoring.usage.models import (
    Outcome,
    ShadowToolSighting,
    UsageDenial,
    UsagePersonDay,
    UsageTally,
)
from tests.assets.factories import AssetFactory
from tests.incidents.factories import actor_for

pytestmark = pytest.mark.django_db

DENY_REASON = {
    "rule": "data_categories_approved",
    "code": "category_not_approved",
    "effect": "deny",
    "message": "x",
}
WARN_REASON = {"rule": "person", "code": "policy_not_acknowledged", "effect": "warn"}


def _usage(org, *, tool: str, asset_name: str, people: list[str], counts: dict, denials: int):
    owner = actor_for(org).user
    asset = AssetFactory(organization=org, owner=owner, name=asset_name, external_id=tool)
    today = timezone.localdate()
    for outcome, count in counts.items():
        UsageTally.objects.create(
            day=today, tool_key=f"id:{tool}", asset=asset, outcome=outcome, count=count
        )
    # Outside the period: never counted.
    UsageTally.objects.create(
        day=today - timedelta(days=200),
        tool_key=f"id:{tool}",
        asset=asset,
        outcome=Outcome.ALLOW,
        count=1000,
    )
    for person in people:
        UsagePersonDay.objects.create(day=today, tool_key=f"id:{tool}", person=person)
    for _ in range(denials):
        UsageDenial.objects.create(
            tool_key=f"id:{tool}",
            asset=asset,
            person=people[0],
            reasons=[DENY_REASON, WARN_REASON],
        )
    return asset


def _pdf_text(org, in_tenant) -> str:
    with in_tenant(org):
        pack = services.pack_request(
            actor=actor_for(org), frameworks=["iso27001-2022"], sections=["ai_usage"]
        )
    assert (
        services.pack_render(organization_id=org.pk, pack_id=pack.pk, attempt=pack.attempt)
        == "done"
    )
    with in_tenant(org):
        pack.refresh_from_db()
        path = pack.pdf.path
    return subprocess.run(
        ["pdftotext", "-layout", path, "-"], capture_output=True, text=True, check=True
    ).stdout


def test_the_pack_reports_ai_usage_of_its_organisation_only(org_a, org_b, in_tenant):
    with in_tenant(org_a):
        _usage(
            org_a,
            tool="alpha-chat",
            asset_name="Alpha chat assistant",
            people=["ana@a.example", "bo@a.example", "cy@a.example"],
            counts={Outcome.ALLOW: 41, Outcome.ALLOW_WITH_OBLIGATIONS: 7, Outcome.DENY: 2},
            denials=2,
        )
        ShadowToolSighting.objects.create(tool_key="domain:shadow-alpha.example", attempts=5)
    with in_tenant(org_b):
        _usage(
            org_b,
            tool="bravo-secret-llm",
            asset_name="Bravo secret model",
            people=["zed@b.example"],
            counts={Outcome.ALLOW: 999, Outcome.DENY: 555},
            denials=3,
        )
        ShadowToolSighting.objects.create(tool_key="domain:bravo-shadow.example", attempts=9)

    text = _pdf_text(org_a, in_tenant)
    flat = " ".join(text.split())  # a label and its value, or a table row, read in order
    assert "AI usage at run time" in flat
    assert (
        "Decisions 50 Allowed 41 Allowed with obligations 7 Denied 2 AI tools used 1 "
        "People who used them 3"
    ) in flat, flat
    # One row per tool: key, asset, people, allowed, with obligations, denied.
    assert "id:alpha-chat Alpha chat assistant 3 41 7 2" in flat, flat
    # Denials by the rule that denied them (the warning alone is not a denial reason).
    assert "data_categories_approved category_not_approved 2" in flat, flat
    assert "policy_not_acknowledged" not in text
    assert "domain:shadow-alpha.example" in text
    # Nothing of B: not its tool, its asset, its people, its counts or its shadow AI.
    for foreign in ("bravo", "Bravo", "zed@b.example"):
        assert foreign not in text, foreign
    assert not {"999", "555", "1554"} & set(text.split())
