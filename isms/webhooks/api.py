"""Webhooks in the API: `/api/v1/orgs/<slug>/webhooks/` and `/webhook-deliveries/`.

Needs `webhooks:manage` (admins, read-write API keys). The signing secret is in the answer
of a create and of `rotate-secret` only; no read returns it.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from isms.access import WEBHOOKS_SCOPE
from isms.api.serializers import request_actor
from isms.api.viewsets import TenantViewSet
from isms.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEventType,
)
from isms.webhooks import services

SCOPE = [WEBHOOKS_SCOPE]


class WebhookEndpointSerializer(serializers.ModelSerializer):
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEventType.choices),
        allow_empty=False,
        help_text="The event types sent to this URL.",
    )
    allow_internal = serializers.BooleanField(
        required=False,
        help_text="Allow private, loopback or link-local addresses and plain http: only an "
        "admin (in person) may set it; API keys get 403.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "description",
            "event_types",
            "active",
            "allow_internal",
            "consecutive_failures",
            "disabled_at",
            "disabled_reason",
            "created",
            "updated",
        ]
        read_only_fields = [
            "id",
            "consecutive_failures",
            "disabled_at",
            "disabled_reason",
            "created",
            "updated",
        ]
        extra_kwargs = {"url": {"validators": []}}

    def create(self, validated_data):
        issued = services.endpoint_create(actor=request_actor(self), **validated_data)
        self.issued_secret = issued.secret
        return issued.endpoint

    def update(self, instance, validated_data):
        return services.endpoint_update(
            actor=request_actor(self), endpoint=instance, **validated_data
        )


class IssuedEndpointSerializer(WebhookEndpointSerializer):
    signing_secret = serializers.CharField(
        read_only=True,
        help_text="The HMAC-SHA256 key of the signatures: shown this once, store it now.",
    )

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "signing_secret"]
        read_only_fields = [*WebhookEndpointSerializer.Meta.read_only_fields, "signing_secret"]


class WebhookAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ["number", "started_at", "outcome", "response_code", "duration_ms", "error"]
        read_only_fields = fields


class WebhookDeliverySerializer(serializers.ModelSerializer):
    event_id = serializers.UUIDField(source="event.event_id", read_only=True)
    event_type = serializers.ChoiceField(
        source="event.event_type", choices=WebhookEventType.choices, read_only=True
    )
    endpoint = serializers.IntegerField(source="endpoint_id", read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "endpoint",
            "event_id",
            "event_type",
            "status",
            "attempt_count",
            "next_attempt_at",
            "last_response_code",
            "last_error",
            "redelivered_at",
            "created",
            "updated",
        ]
        read_only_fields = fields


class WebhookDeliveryDetailSerializer(WebhookDeliverySerializer):
    attempts = WebhookAttemptSerializer(many=True, read_only=True)
    data = serializers.JSONField(source="event.data", read_only=True)

    class Meta(WebhookDeliverySerializer.Meta):
        fields = [*WebhookDeliverySerializer.Meta.fields, "data", "attempts"]
        read_only_fields = fields


_CREATE_EXAMPLE = OpenApiExample(
    "An MLOps receiver",
    value={
        "url": "https://hooks.example.com/guardrail",
        "description": "Model registry sync",
        "event_types": ["asset.created", "asset.changed", "change_request.approved"],
        "active": True,
    },
    request_only=True,
)


@extend_schema_view(
    list=extend_schema(summary="Webhook endpoints", description="Never includes the secret."),
    retrieve=extend_schema(summary="One webhook endpoint"),
    create=extend_schema(
        summary="Register a webhook endpoint",
        description="The URL must be https and resolve only to public addresses (else 400 "
        "naming `url`, code `unsafe_target`). The answer carries `signing_secret`, shown this "
        "once: deliveries are signed with it (docs/webhooks.md).",
        request=WebhookEndpointSerializer,
        responses={201: IssuedEndpointSerializer},
        examples=[_CREATE_EXAMPLE],
    ),
    partial_update=extend_schema(
        summary="Change a webhook endpoint (switching it on again resets its failures)",
        examples=[OpenApiExample("Switch back on", value={"active": True}, request_only=True)],
    ),
    destroy=extend_schema(summary="Delete a webhook endpoint and its delivery log"),
)
class WebhookEndpointViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    TenantViewSet,
):
    model = WebhookEndpoint
    serializer_class = WebhookEndpointSerializer
    scope_map = {"GET": SCOPE, "POST": SCOPE, "PATCH": SCOPE, "DELETE": SCOPE}
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    ordering_fields = ["created", "updated", "url"]

    def get_base_queryset(self):
        return WebhookEndpoint.objects.order_by("-created", "-pk")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        endpoint = serializer.save()
        answer = IssuedEndpointSerializer(endpoint).data
        answer["signing_secret"] = serializer.issued_secret
        return Response(answer, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        services.endpoint_delete(actor=self.actor, endpoint=instance)

    @extend_schema(
        summary="Issue a new signing secret (the old one stops signing at once)",
        request=None,
        responses=IssuedEndpointSerializer,
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, *args, **kwargs):
        issued = services.endpoint_rotate_secret(actor=self.actor, endpoint=self.get_object())
        answer = IssuedEndpointSerializer(issued.endpoint).data
        answer["signing_secret"] = issued.secret
        return Response(answer)

    @extend_schema(
        summary="Send a test event (`webhook.ping`) to this endpoint",
        request=None,
        responses={202: WebhookDeliverySerializer},
    )
    @action(detail=True, methods=["post"], url_path="ping")
    def ping(self, request, *args, **kwargs):
        made = services.endpoint_ping(actor=self.actor, endpoint=self.get_object())
        return Response(WebhookDeliverySerializer(made).data, status=status.HTTP_202_ACCEPTED)


class DeliveryFilterSerializer(serializers.Serializer):
    endpoint = serializers.IntegerField(required=False, min_value=1)
    status = serializers.ChoiceField(choices=DeliveryStatus.choices, required=False)


@extend_schema_view(
    list=extend_schema(
        summary="Webhook deliveries, newest first",
        parameters=[DeliveryFilterSerializer],
    ),
    retrieve=extend_schema(summary="One delivery, with its event data and every attempt"),
)
class WebhookDeliveryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    model = WebhookDelivery
    serializer_class = WebhookDeliverySerializer
    scope_map = {"GET": SCOPE, "POST": SCOPE}
    filter_backends = []

    def get_base_queryset(self):
        queryset = WebhookDelivery.objects.select_related("event").order_by("-created", "-pk")
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("attempts")
        return queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.action != "list":
            return queryset
        filters = DeliveryFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        if "endpoint" in filters.validated_data:
            queryset = queryset.filter(endpoint_id=filters.validated_data["endpoint"])
        if "status" in filters.validated_data:
            queryset = queryset.filter(status=filters.validated_data["status"])
        return queryset

    def get_serializer_class(self):
        if self.action == "retrieve":
            return WebhookDeliveryDetailSerializer
        return WebhookDeliverySerializer

    @extend_schema(
        summary="Send this delivery again now",
        request=None,
        responses={202: WebhookDeliverySerializer},
    )
    @action(detail=True, methods=["post"], url_path="redeliver")
    def redeliver(self, request, *args, **kwargs):
        made = services.delivery_redeliver(actor=self.actor, delivery=self.get_object())
        return Response(WebhookDeliverySerializer(made).data, status=status.HTTP_202_ACCEPTED)
