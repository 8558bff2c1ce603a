"""The asset register in the API: /api/v1/orgs/<slug>/assets/, asset-dependencies/,
asset-evaluations/, shadow-ai-reports/."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from isms.api.parsers import JSONParser
from isms.api.viewsets import TenantHistoryMixin, TenantModelViewSet, TenantViewSet

from .. import selectors, services
from ..filters import AssetDependencyFilterSet, AssetFilterSet, EvaluationFilterSet
from ..models import Asset, AssetDependency, ResponsibleAIEvaluation
from .serializers import (
    AssetBulkSerializer,
    AssetDependencySerializer,
    AssetSerializer,
    AssetUpsertSerializer,
    BulkResultSerializer,
    EvaluationSerializer,
    ShadowAIReportSerializer,
    TriageAcceptSerializer,
    TriageDismissSerializer,
)

READ = ["assets:read"]
WRITE = ["assets:write"]
MANAGE = ["assets:manage"]  # register-wide acts: bulk changes, triage
SCOPES = {"GET": READ, "POST": WRITE, "PATCH": WRITE, "DELETE": WRITE}


@extend_schema_view(
    list=extend_schema(summary="The asset register (AI and conventional assets)"),
    create=extend_schema(summary="Add an asset (an AI type is never created in production)"),
    partial_update=extend_schema(
        summary="Change an asset",
        description="Moving an AI asset to `production` is refused (409): its AI change "
        "request's approval does that.",
    ),
)
class AssetViewSet(TenantModelViewSet):
    model = Asset
    serializer_class = AssetSerializer
    scope_map = SCOPES
    action_scopes = {
        "upsert": WRITE,
        "bulk": MANAGE,
        "retire": WRITE,
        "reinstate": WRITE,
        "reviewed": WRITE,
    }
    filterset_class = AssetFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]  # retire, never delete

    # Detail actions checked against another rule of AssetPolicy than `change`.
    object_actions = {"retire": "retire", "reinstate": "reinstate", "reviewed": "change"}

    def get_base_queryset(self):
        return selectors.assets_for_api()

    def _reload(self, asset):
        return self.get_base_queryset().get(pk=asset.pk)

    @extend_schema(
        summary="Create or update an asset by external id (idempotent)",
        request=AssetUpsertSerializer,
        responses={201: AssetSerializer, 200: AssetSerializer},
    )
    @action(detail=False, methods=["post"])
    def upsert(self, request, *args, **kwargs):
        serializer = AssetUpsertSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        asset, created = services.asset_upsert(
            actor=self.actor, external_id=data.pop("external_id"), **data
        )
        return Response(
            AssetSerializer(self._reload(asset), context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        summary="Assign an owner, a classification or a lifecycle stage to many assets",
        request=AssetBulkSerializer,
        responses={200: BulkResultSerializer},
    )
    @action(detail=False, methods=["post"])
    def bulk(self, request, *args, **kwargs):
        serializer = AssetBulkSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        ids = data.pop("assets")
        if "owner" in data and len(data) == 1:
            count = services.assets_reassign_owner(
                actor=self.actor, asset_ids=ids, new_owner=data["owner"]
            )
        else:
            count = services.assets_bulk_update(actor=self.actor, asset_ids=ids, **data)
        return Response({"updated": count})

    @extend_schema(summary="Retire an asset (the record and its history stay)", request=None)
    @action(detail=True, methods=["post"])
    def retire(self, request, *args, **kwargs):
        asset = services.asset_retire(actor=self.actor, asset=self.get_object())
        return Response(self.get_serializer(self._reload(asset)).data)

    @extend_schema(
        summary="Reinstate a retired asset (it starts over as proposed)",
        request=None,
        responses={200: AssetSerializer, 409: OpenApiResponse(description="Not retired")},
    )
    @action(detail=True, methods=["post"])
    def reinstate(self, request, *args, **kwargs):
        asset = services.asset_reinstate(actor=self.actor, asset=self.get_object())
        return Response(self.get_serializer(self._reload(asset)).data)

    @extend_schema(summary="Record that the asset was reviewed now", request=None)
    @action(detail=True, methods=["post"])
    def reviewed(self, request, *args, **kwargs):
        asset = services.asset_mark_reviewed(actor=self.actor, asset=self.get_object())
        return Response(self.get_serializer(self._reload(asset)).data)


@extend_schema_view(list=extend_schema(summary="Dependencies between assets"))
class AssetDependencyViewSet(
    TenantHistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    TenantViewSet,
):
    model = AssetDependency
    serializer_class = AssetDependencySerializer
    scope_map = {"GET": READ, "POST": WRITE, "DELETE": WRITE}
    filterset_class = AssetDependencyFilterSet

    def get_base_queryset(self):
        return AssetDependency.objects.select_related("asset", "depends_on")

    def perform_destroy(self, instance):
        services.dependency_remove(actor=self.actor, dependency=instance)


@extend_schema_view(list=extend_schema(summary="Responsible-AI evaluations (bias, accuracy…)"))
class EvaluationViewSet(
    TenantHistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    TenantViewSet,
):
    model = ResponsibleAIEvaluation
    serializer_class = EvaluationSerializer
    scope_map = {"GET": READ, "POST": WRITE}
    filterset_class = EvaluationFilterSet
    parser_classes = [JSONParser, MultiPartParser]

    def get_base_queryset(self):
        return ResponsibleAIEvaluation.objects.all()


@extend_schema_view(
    create=extend_schema(summary="Report an AI tool in use (any member)"),
    retrieve=extend_schema(summary="One reported AI tool and its triage state"),
)
class ShadowAIReportViewSet(mixins.RetrieveModelMixin, mixins.CreateModelMixin, TenantViewSet):
    """Shadow-AI intake. The triage queue is `GET assets/?triage_status=pending`."""

    model = Asset
    serializer_class = ShadowAIReportSerializer
    scope_map = {"GET": READ, "POST": WRITE}
    action_scopes = {"accept": MANAGE, "dismiss": MANAGE}
    object_actions = {"accept": "triage", "dismiss": "triage"}

    def get_base_queryset(self):
        return Asset.objects.all()

    @extend_schema(
        summary="Accept a report into the register, naming its owner (officers)",
        request=TriageAcceptSerializer,
        responses={
            200: AssetSerializer,
            409: OpenApiResponse(description="Not awaiting triage (`invalid_transition`)"),
        },
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, *args, **kwargs):
        report = self.get_object()
        serializer = TriageAcceptSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        asset = services.shadow_ai_accept(
            actor=self.actor, asset=report, **serializer.validated_data
        )
        asset = selectors.assets_for_list().get(pk=asset.pk)
        return Response(AssetSerializer(asset, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Dismiss a report with a reason (officers)",
        request=TriageDismissSerializer,
        responses={200: ShadowAIReportSerializer},
    )
    @action(detail=True, methods=["post"])
    def dismiss(self, request, *args, **kwargs):
        report = self.get_object()
        serializer = TriageDismissSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        asset = services.shadow_ai_dismiss(
            actor=self.actor, asset=report, reason=serializer.validated_data["reason"]
        )
        return Response(self.get_serializer(asset).data)
