"""The MCP server (Model Context Protocol, `mcp` SDK): read-only tools an officer's AI
assistant calls to answer questions from the registers.

Every call authenticates the API key again (a revoked key stops at the next call), runs in
the key's organisation (`tenant_context`: the ORM filter and row-level security), needs the
scopes the matching API endpoint needs, and reads through the registers' selectors and
authorization policies. Another organisation's object and a missing one give the same
"not found". Nothing is written: the usage check is a preview that records no evidence.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import close_old_connections, connections
from django.db.models import Q
from django.utils import timezone
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

from assets import selectors as asset_selectors
from assets.models import Asset
from isms import policy
from isms.access import Actor
from isms.models import Control
from isms.services.api_keys import api_key_authenticate
from isms.tenancy import tenant_context
from monitoring.usage.facts import person_key, tool_key
from monitoring.usage.services import UsageRequest, usage_decide
from policies.models import PolicyVersion, VersionStatus
from policies.selectors import policy_list, review_overdue
from risks.models import AIChangeRequest
from risks.selectors import change_requests_for_list, soa_rows
from suppliers.selectors import suppliers_list

NOT_FOUND = "Not found."
LIMIT = 50


# The scopes each tool needs: the same as the API endpoints that read the same registers.
# One table for both transports; the HTTP transport admits a key holding any of them.
TOOL_SCOPES: dict[str, list[str]] = {
    "search_asset_register": ["assets:read"],
    "get_asset_details": ["assets:read", "risks:read"],
    "overdue_or_awaiting_approval": [
        "assets:read",
        "risks:read",
        "policies:read",
        "suppliers:read",
    ],
    "get_control_and_soa_row": ["controls:read", "risks:read"],
    "check_usage_decision": ["assets:read"],
}
READ_SCOPES = frozenset(scope for scopes in TOOL_SCOPES.values() for scope in scopes)


class ToolRefused(ToolError):
    """A refusal the assistant may read ("Not found.", a missing scope); any other exception
    stays on the server and the client sees only that the tool failed."""


def _actor(token: str) -> Actor:
    return Actor.for_api_key(api_key_authenticate(token))


def _call(token: str, scopes: list[str], work: Callable[[Actor], Any]) -> Any:
    close_old_connections()
    try:
        actor = _actor(token)
        if not actor.has_scopes(scopes):
            raise ToolRefused(actor.missing_scopes_message(scopes))
        with tenant_context(actor.organization.pk, actor=actor.label):
            return work(actor)
    finally:
        # The SDK runs each call in a worker thread; over HTTP those threads live for one
        # request, so the call's connection ends with the call instead of with the thread.
        connections.close_all()


def _asset_row(asset: Asset) -> dict:
    return {
        "id": asset.pk,
        "name": asset.name,
        "type": asset.asset_type,
        "lifecycle": asset.lifecycle,
        "classification": asset.classification,
        "owner": getattr(asset.owner, "email", None),
        "supplier": getattr(asset.supplier, "name", None),
        "external_id": asset.external_id,
        "data_categories": asset.data_categories,
        "risk_tier": asset.risk_tier,
    }


def search_assets(actor: Actor, query: str = "", data_category: str = "") -> list[dict]:
    found = policy.restrict(actor, "view", asset_selectors.register())
    if query:
        found = found.filter(
            Q(name__icontains=query) | Q(description__icontains=query) | Q(external_id=query)
        )
    if data_category:
        found = found.filter(data_categories__contains=[data_category])
    return [_asset_row(a) for a in found.order_by("name", "pk")[:LIMIT]]


def get_asset(actor: Actor, asset_id: int) -> dict:
    asset = policy.restrict(actor, "view", asset_selectors.asset_detail()).filter(pk=asset_id)
    asset = asset.first()
    if asset is None:
        raise ToolRefused(NOT_FOUND)
    row = _asset_row(asset)
    row["intended_purpose"] = asset.intended_purpose
    row["change_requests"] = [
        {
            "id": c.pk,
            "title": c.title,
            "status": c.status,
            "requested_by": c.requested_by.email,
            "approver": c.approver.email,
            "decided_at": c.decided_at.isoformat() if c.decided_at else None,
        }
        for c in policy.restrict(actor, "view", change_requests_for_list()).filter(
            asset_id=asset.pk
        )[:LIMIT]
    ]
    return row


def overdue_and_awaiting(actor: Actor) -> dict:
    today = timezone.localdate()
    assets = asset_selectors.not_reviewed_since(
        policy.restrict(actor, "view", asset_selectors.register())
    )
    return {
        "change_requests_awaiting_approval": [
            {"id": c.pk, "title": c.title, "asset": c.asset.name, "approver": c.approver.email}
            for c in policy.restrict(actor, "view", change_requests_for_list()).filter(
                status=AIChangeRequest.Status.SUBMITTED
            )[:LIMIT]
        ],
        "policy_versions_in_review": [
            {"id": v.pk, "policy": v.policy.title, "number": v.number}
            for v in policy.restrict(
                actor, "view", PolicyVersion.objects.select_related("policy")
            ).filter(status=VersionStatus.IN_REVIEW)[:LIMIT]
        ],
        "policies_past_review_date": [
            {"id": p.pk, "title": p.title, "next_review_date": p.next_review_date.isoformat()}
            for p in policy.restrict(actor, "view", policy_list()).filter(
                next_review_date__lt=today
            )[:LIMIT]
            if review_overdue(p)
        ],
        "suppliers_past_reassessment": [
            {"id": s.pk, "name": s.name, "due": s.next_reassessment_date.isoformat()}
            for s in policy.restrict(actor, "view", suppliers_list()).filter(
                next_reassessment_date__lt=today
            )[:LIMIT]
        ],
        "assets_not_reviewed_for_a_year": [
            {"id": a.pk, "name": a.name} for a in assets.order_by("name")[:LIMIT]
        ],
    }


def get_control(actor: Actor, ref: str, framework: str = "") -> dict:
    controls = Control.objects.select_related("framework").filter(ref=ref)
    if framework:
        controls = controls.filter(framework__code=framework)
    control = controls.order_by("framework__code").first()
    if control is None:
        raise ToolRefused(NOT_FOUND)
    row = soa_rows().filter(control_id=control.pk).first()
    return {
        "framework": control.framework.name,
        "ref": control.ref,
        "title": control.title,
        "soa_row": None
        if row is None
        else {
            "applicable": row.applicable,
            "justification": row.justification,
            "implementation_status": row.implementation_status,
            "owner": getattr(row.owner, "email", None),
            "linked_risk_ids": row.linked_risk_ids,
        },
    }


def check_usage(
    actor: Actor,
    person_email: str,
    data_categories: list[str],
    external_id: str = "",
    provider: str = "",
    model: str = "",
    domain: str = "",
) -> dict:
    key = tool_key(external_id=external_id, provider=provider, model=model, domain=domain)
    decision, _ = usage_decide(
        UsageRequest(
            tool_key=key,
            tool_label=key,
            person_key=person_key(email=person_email),
            person_label=person_email,
            data_categories=tuple(data_categories),
        ),
        record=False,
    )
    return decision.as_dict()


def build_server(token: str) -> MCPServer:
    server = MCPServer(
        "Guardrail",
        instructions="Read-only questions about one organisation's ISMS registers: assets, "
        "AI change requests, policies, suppliers, controls and the Statement of "
        "Applicability, and whether a use of an AI tool would be allowed.",
    )

    @server.tool(
        description="Search the asset register by name, description or external id, "
        "optionally only assets approved for one data category (e.g. customer_content)."
    )
    def search_asset_register(query: str = "", data_category: str = "") -> list[dict]:
        return _call(
            token,
            TOOL_SCOPES["search_asset_register"],
            lambda a: search_assets(a, query, data_category),
        )

    @server.tool(description="One asset with its owner, supplier and AI change requests.")
    def get_asset_details(asset_id: int) -> dict:
        return _call(token, TOOL_SCOPES["get_asset_details"], lambda a: get_asset(a, asset_id))

    @server.tool(
        description="What is overdue or awaiting approval: change requests, policy "
        "reviews, supplier reassessments, asset reviews."
    )
    def overdue_or_awaiting_approval() -> dict:
        return _call(token, TOOL_SCOPES["overdue_or_awaiting_approval"], overdue_and_awaiting)

    @server.tool(
        description="A control of the library (e.g. ref '5.9') and its Statement of "
        "Applicability row."
    )
    def get_control_and_soa_row(ref: str, framework: str = "") -> dict:
        return _call(
            token, TOOL_SCOPES["get_control_and_soa_row"], lambda a: get_control(a, ref, framework)
        )

    @server.tool(
        description="Would this person be allowed to send these data categories to "
        "this AI tool? A preview: nothing is recorded."
    )
    def check_usage_decision(
        person_email: str,
        data_categories: list[str],
        external_id: str = "",
        provider: str = "",
        model: str = "",
        domain: str = "",
    ) -> dict:
        return _call(
            token,
            TOOL_SCOPES["check_usage_decision"],
            lambda a: check_usage(
                a, person_email, data_categories, external_id, provider, model, domain
            ),
        )

    return server
