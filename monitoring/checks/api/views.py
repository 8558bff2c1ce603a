from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from isms.api.viewsets import TenantModelViewSet, TenantReadOnlyViewSet
from monitoring.checks import services
from monitoring.checks.api.serializers import (
    CheckRunSerializer,
    MetricBatchResultSerializer,
    MetricBatchSerializer,
    MetricPointSerializer,
    MetricThresholdSerializer,
)
from monitoring.checks.filters import (
    CheckRunFilterSet,
    MetricPointFilterSet,
    MetricThresholdFilterSet,
)
from monitoring.checks.models import CheckRun, MetricPoint, MetricThreshold

READ = ["monitoring:read"]
MANAGE = ["monitoring:write", "monitoring:manage"]


@extend_schema_view(
    list=extend_schema(summary="Automated check runs, newest first (immutable records)"),
)
class CheckRunViewSet(TenantReadOnlyViewSet):
    model = CheckRun
    serializer_class = CheckRunSerializer
    scope_map = {"GET": READ, "POST": MANAGE}
    action_scopes = {"run": MANAGE}
    filterset_class = CheckRunFilterSet

    @extend_schema(
        summary="Run every check now for this organisation",
        request=None,
        responses={201: CheckRunSerializer(many=True)},
    )
    @action(detail=False, methods=["post"], url_path="run")
    def run(self, request, *args, **kwargs):
        from isms import policy

        policy.require(self.actor, "run", CheckRun(organization_id=request.auth.organization.pk))
        runs = services.run_checks()
        return Response(CheckRunSerializer(runs, many=True).data, status=status.HTTP_201_CREATED)


@extend_schema_view(list=extend_schema(summary="AI metric points (filter by ?asset=&metric=)"))
class MetricPointViewSet(TenantReadOnlyViewSet):
    model = MetricPoint
    serializer_class = MetricPointSerializer
    scope_map = {"GET": READ, "POST": MANAGE}
    action_scopes = {"batch": MANAGE}
    filterset_class = MetricPointFilterSet

    @extend_schema(
        summary="Push a batch of AI metric points (all or nothing; idempotent by asset, "
        "metric and time)",
        request=MetricBatchSerializer,
        responses={201: MetricBatchResultSerializer},
    )
    @action(detail=False, methods=["post"], url_path="batch")
    def batch(self, request, *args, **kwargs):
        data = request.data if isinstance(request.data, dict) else {}
        result = services.metric_points_ingest(
            actor=self.actor,
            points=data.get("points"),
            source=str(data.get("source") or getattr(self.actor, "described", ""))[:100],
        )
        return Response(result, status=status.HTTP_201_CREATED)


@extend_schema_view(list=extend_schema(summary="Thresholds per AI asset and metric"))
class MetricThresholdViewSet(TenantModelViewSet):
    model = MetricThreshold
    serializer_class = MetricThresholdSerializer
    scope_map = {"GET": READ, "POST": MANAGE, "PATCH": MANAGE, "DELETE": MANAGE}
    filterset_class = MetricThresholdFilterSet

    def perform_destroy(self, instance):
        services.metric_threshold_delete(actor=self.actor, threshold=instance)
