"""The MCP server (issue 22), through the `mcp` SDK's own client: `manage.py mcp_server` is
started over stdio as an assistant would start it, listed, and called; the key's
organisation is the only one it can reach."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import anyio
import pytest
from django.conf import settings
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from isms.tenancy import tenant_context
from tests.conftest import _url_with_name
from tests.monitoring.usage_world import build_world

ROOT = Path(__file__).resolve().parents[2]
TOOLS = {
    "search_asset_register",
    "get_asset_details",
    "overdue_or_awaiting_approval",
    "get_control_and_soa_row",
    "check_usage_decision",
}


def _server(token: str) -> StdioServerParameters:
    env = {
        key: value
        for key, value in os.environ.items()
        if key.startswith(("DATABASE", "REDIS", "SECRET", "DJANGO", "PATH", "HOME", "LANG"))
    }
    env.update(
        DATABASE_URL=_url_with_name(
            os.environ["DATABASE_URL"], settings.DATABASES["default"]["NAME"]
        ),
        DATABASE_APP_USER=settings.DATABASES["default"]["USER"],
        GUARDRAIL_API_KEY=token,
    )
    return StdioServerParameters(
        command=sys.executable, args=["manage.py", "mcp_server"], env=env, cwd=str(ROOT)
    )


def _payload(result):
    assert not result.is_error, result
    if result.structured_content is not None:
        content = result.structured_content
        return content.get("result", content)
    return json.loads(result.content[0].text)


@pytest.mark.django_db(transaction=True)
def test_the_mcp_server_answers_from_the_keys_organisation_only(
    org_a, org_b, api_key_for, live_server
):
    with tenant_context(org_a.pk):
        world_a = build_world(org_a)
    with tenant_context(org_b.pk):
        world_b = build_world(org_b, slug_hint="bravo-secret")
    token = api_key_for(org_a, access="read")

    async def session():
        async with Client(_server(token), read_timeout_seconds=60) as client:
            listed = {tool.name for tool in (await client.list_tools()).tools}
            found = _payload(
                await client.call_tool(
                    "search_asset_register", {"data_category": "customer_content"}
                )
            )
            asset = _payload(
                await client.call_tool("get_asset_details", {"asset_id": world_a.asset.pk})
            )
            foreign = await client.call_tool("get_asset_details", {"asset_id": world_b.asset.pk})
            missing = await client.call_tool("get_asset_details", {"asset_id": 987654321})
            decision = _payload(
                await client.call_tool(
                    "check_usage_decision",
                    {
                        "person_email": world_a.person.email,
                        "data_categories": ["customer_content"],
                        "external_id": "chat",
                    },
                )
            )
            foreign_tool = _payload(
                await client.call_tool(
                    "check_usage_decision",
                    {
                        "person_email": world_a.person.email,
                        "data_categories": [],
                        "external_id": "bravo-secret",
                    },
                )
            )
            overdue = _payload(await client.call_tool("overdue_or_awaiting_approval", {}))
            return listed, found, asset, foreign, missing, decision, foreign_tool, overdue

    listed, found, asset, foreign, missing, decision, foreign_tool, overdue = anyio.run(session)
    assert listed >= TOOLS
    # "Which AI tools may touch customer data?": A's tool, never B's of the same name.
    assert [a["id"] for a in found] == [world_a.asset.pk]
    assert asset["owner"] == world_a.officer.email
    assert asset["supplier"] == world_a.supplier.name
    assert [c["status"] for c in asset["change_requests"]] == ["approved"]
    # Another organisation's asset reads exactly like a missing one.
    assert foreign.is_error and missing.is_error
    assert foreign.content[0].text == missing.content[0].text
    assert decision["decision"] == "allow"
    assert foreign_tool["decision"] == "deny" and foreign_tool["asset"] is None
    assert set(overdue) >= {"change_requests_awaiting_approval", "suppliers_past_reassessment"}
    # A preview records nothing: no shadow report for B's tool name in A.
    from assets.models import Asset, Source

    with tenant_context(org_a.pk):
        assert not Asset.objects.filter(source=Source.SHADOW_REPORT).exists()
