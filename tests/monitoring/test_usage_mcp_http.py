"""The MCP server over HTTP at /mcp/ (issue 22), through the `mcp` SDK's own streamable-HTTP
client against the live server: the same tools as over stdio, in the key's organisation only;
no key or a bad one is 401, a key that can read nothing is 403."""

from __future__ import annotations

import json

import anyio
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from isms.tenancy import tenant_context
from tests.monitoring.test_usage_mcp import TOOLS
from tests.monitoring.usage_world import build_world

pytestmark = pytest.mark.django_db(transaction=True)


def _payload(result):
    assert not result.is_error, result
    if result.structured_content is not None:
        content = result.structured_content
        return content.get("result", content)
    return json.loads(result.content[0].text)


def _client(url: str, token: str, mode: str = "auto") -> Client:
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=60)
    return Client(streamable_http_client(url, http_client=http), mode=mode, read_timeout_seconds=60)


@pytest.mark.parametrize("mode", ["auto", "legacy"])
def test_the_http_transport_answers_from_the_keys_organisation_only(
    org_a, org_b, api_key_for, live_server, mode
):
    with tenant_context(org_a.pk):
        world_a = build_world(org_a)
    with tenant_context(org_b.pk):
        world_b = build_world(org_b, slug_hint="bravo-secret")
    url = f"{live_server.url}/mcp/"

    async def session(token, world_own, world_other):
        async with _client(url, token, mode) as client:
            listed = {tool.name for tool in (await client.list_tools()).tools}
            found = _payload(
                await client.call_tool(
                    "search_asset_register", {"data_category": "customer_content"}
                )
            )
            own = _payload(
                await client.call_tool("get_asset_details", {"asset_id": world_own.asset.pk})
            )
            foreign = await client.call_tool(
                "get_asset_details", {"asset_id": world_other.asset.pk}
            )
            missing = await client.call_tool("get_asset_details", {"asset_id": 987654321})
            foreign_tool = _payload(
                await client.call_tool(
                    "check_usage_decision",
                    {
                        "person_email": world_own.person.email,
                        "data_categories": [],
                        "external_id": world_other.asset.external_id,
                    },
                )
            )
            return listed, found, own, foreign, missing, foreign_tool

    listed, found, own, foreign, missing, foreign_tool = anyio.run(
        session, api_key_for(org_a, access="read"), world_a, world_b
    )
    assert listed == TOOLS
    assert [a["id"] for a in found] == [world_a.asset.pk]
    assert own["owner"] == world_a.officer.email
    assert [c["status"] for c in own["change_requests"]] == ["approved"]
    # B's asset answers exactly like an asset that does not exist: never revealed.
    assert foreign.is_error and missing.is_error
    assert foreign.content[0].text == missing.content[0].text
    assert foreign.content[0].text.endswith(": Not found.")
    assert foreign_tool["decision"] == "deny" and foreign_tool["asset"] is None

    # B's key, the other way round: B's asset only.
    _, found_b, own_b, foreign_b, _, foreign_tool_b = anyio.run(
        session, api_key_for(org_b, access="read"), world_b, world_a
    )
    assert [a["id"] for a in found_b] == [world_b.asset.pk]
    assert own_b["owner"] == world_b.officer.email
    assert foreign_b.content[0].text.endswith(": Not found.")
    assert foreign_tool_b["decision"] == "deny" and foreign_tool_b["asset"] is None


def _post(url: str, headers: dict) -> httpx2.Response:
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    return httpx2.post(
        url,
        json=body,
        headers={"Accept": "application/json, text/event-stream", **headers},
        timeout=30,
    )


def test_a_missing_or_invalid_key_is_401_and_a_key_that_reads_nothing_is_403(
    org_a, api_key_for, live_server
):
    url = f"{live_server.url}/mcp/"
    missing = _post(url, {})
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    assert missing.json()["code"] == "not_authenticated"
    for token in ("nonsense", "gr_abcd1234.wrong-secret"):
        invalid = _post(url, {"Authorization": f"Bearer {token}"})
        assert invalid.status_code == 401, token
        assert invalid.json()["code"] == "authentication_failed"
    # The decision key (scope ai-usage:decide and nothing else) reads no register.
    decide_only = api_key_for(org_a, access="ai_usage_decide")
    refused = _post(url, {"Authorization": f"Bearer {decide_only}"})
    assert refused.status_code == 403
    assert refused.json()["code"] == "missing_scope"
    assert "result" not in refused.json()

    # The SDK's client with a bad key fails to connect; it never lists anything.
    async def connect():
        async with _client(url, "gr_abcd1234.wrong-secret") as client:
            await client.list_tools()

    with pytest.raises(BaseException):  # noqa: B017 (the SDK wraps the 401 in a group)
        anyio.run(connect)


def test_a_revoked_key_stops_at_the_next_request_and_streams_are_refused(
    org_a, api_key_for, live_server
):
    from isms.models import APIKey
    from isms.services.api_keys import api_key_revoke

    url = f"{live_server.url}/mcp/"
    token = api_key_for(org_a, access="read")
    headers = {"Authorization": f"Bearer {token}"}
    listed = _post(url, headers)
    assert listed.status_code == 200
    assert listed.headers["Content-Type"].startswith("application/json")
    names = {tool["name"] for tool in listed.json()["result"]["tools"]}
    assert names == TOOLS
    # No session, no server-sent event stream: nothing can hold a worker open.
    stream = httpx2.get(url, headers={**headers, "Accept": "text/event-stream"}, timeout=30)
    assert stream.status_code == 405 and stream.headers["Allow"] == "POST"

    prefix = token.removeprefix("gr_").partition(".")[0]
    api_key_revoke(api_key=APIKey.objects.get(prefix=prefix))
    revoked = _post(url, headers)
    assert revoked.status_code == 401
    assert "revoked" in revoked.json()["detail"]
