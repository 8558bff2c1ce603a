from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import viewsets
from rest_framework.response import Response

from isms.access import AI_USAGE_DECIDE
from monitoring.usage.api.serializers import DecisionRequestSerializer, DecisionSerializer
from monitoring.usage.services import usage_decide

ALLOWED = {
    "decision": "allow_with_obligations",
    "tool_key": "id:chatgpt-enterprise",
    "asset": {"id": 42, "name": "ChatGPT Enterprise", "external_id": "chatgpt-enterprise"},
    "reasons": [],
    "obligations": ["Tell people that they are interacting with an AI system."],
}
DENIED = {
    "decision": "deny",
    "tool_key": "id:chatgpt-enterprise",
    "asset": {"id": 42, "name": "ChatGPT Enterprise", "external_id": "chatgpt-enterprise"},
    "reasons": [
        {
            "rule": "data_categories_approved",
            "code": "restricted_category_not_approved",
            "effect": "deny",
            "message": "'special_category' is restricted: an approved AI change request of "
            "ChatGPT Enterprise must name it.",
        }
    ],
    "obligations": [],
}


REQUEST = DecisionRequestSerializer()


class UsageDecisionViewSet(viewsets.ViewSet):
    """`POST /api/v1/orgs/<org>/ai-usage/decisions/`: may this person send this data to this
    AI tool now? For gateways, proxies and agent platforms, with an `ai-usage:decide` key."""

    model = None
    # A gateway asks before every request its users make: the per-key budget of the rest of
    # the API (isms.api.throttles) would refuse ordinary traffic, so this endpoint has none.
    throttle_classes: list = []
    scope_map = {"POST": [AI_USAGE_DECIDE]}
    action_scopes: dict[str, list[str]] = {}

    @extend_schema(
        operation_id="ai_usage_decide",
        summary="Decide whether a person may send data to an AI tool (for gateways)",
        description=(
            "Answers `allow`, `allow_with_obligations` or `deny` from the registers: the tool "
            "is an asset in production (or in pilot for the people named on its change "
            "request), not retired or suspended, with an approved AI change request; every "
            "data category is approved for it (restricted ones named by an approved change "
            "request); the person is an active member who acknowledged the current AI "
            "acceptable use policy; the supplier's assessment is approved and current and its "
            "certificates valid; no prohibited practice, and a high-risk system's deployer "
            "obligations met. An unknown tool is denied or allowed with a warning (the "
            "organisation's setting) and reported as shadow AI once. Needs an API key of "
            "access `ai_usage_decide` (scope `ai-usage:decide`). The `X-Decision-Source` "
            "header says whether the answer came from the snapshot or from the database."
        ),
        request=DecisionRequestSerializer,
        responses={200: DecisionSerializer, 400: OpenApiResponse(description="Bad input")},
        examples=[
            OpenApiExample(
                "A gateway asks before a request",
                request_only=True,
                value={
                    "tool": {"external_id": "chatgpt-enterprise"},
                    "person": {"email": "ana@example.com"},
                    "data_categories": ["customer_content"],
                    "purpose": "Draft a reply to a support ticket",
                },
            ),
            OpenApiExample(
                "By provider and model",
                request_only=True,
                value={
                    "tool": {"provider": "OpenAI", "model": "gpt-4o"},
                    "person": {"external_id": "ana"},
                    "data_categories": [],
                },
            ),
            OpenApiExample("Allowed, with obligations", response_only=True, value=ALLOWED),
            OpenApiExample("Denied", response_only=True, value=DENIED),
        ],
        tags=["ai-usage"],
    )
    def create(self, request, *args, **kwargs):
        decision, source = usage_decide(REQUEST.usage_request(request.data))
        response = Response(decision.as_dict())
        response["X-Decision-Source"] = source
        return response
