from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from isms.api.viewsets import TenantModelViewSet, TenantReadOnlyViewSet, TenantViewSet
from monitoring.checks import services
from monitoring.checks.api.serializers import (
    CheckRunSerializer,
    ControlEvidenceSerializer,
    ControlTestResultSerializer,
    ManualTestSerializer,
    MetricBatchResultSerializer,
    MetricBatchSerializer,
    MetricPointSerializer,
    MetricThresholdSerializer,
    MonitoringPlanSerializer,
    PushedBatchSerializer,
)
from monitoring.checks.filters import (
    CheckRunFilterSet,
    MetricPointFilterSet,
    MetricThresholdFilterSet,
)
from monitoring.checks.models import (
    CheckRun,
    ControlEvidence,
    ControlTestResult,
    MetricPoint,
    MetricThreshold,
    MonitoringPlan,
)

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
    @action(detail=False, methods=["post"], url_path="run", pagination_class=None)
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


@extend_schema_view(list=extend_schema(summary="Control test results (manual and pushed)"))
class ControlTestResultViewSet(TenantReadOnlyViewSet):
    model = ControlTestResult
    serializer_class = ControlTestResultSerializer
    scope_map = {"GET": READ, "POST": MANAGE}
    action_scopes = {"batch": MANAGE}

    @extend_schema(
        summary="Push control test results from an integration (all or nothing; idempotent "
        "by idempotency_key)",
        request=PushedBatchSerializer,
        responses={201: MetricBatchResultSerializer},
    )
    @action(detail=False, methods=["post"], url_path="batch")
    def batch(self, request, *args, **kwargs):
        from monitoring.checks.control_services import pushed_results_ingest

        data = request.data if isinstance(request.data, dict) else {}
        result = pushed_results_ingest(
            actor=self.actor,
            results=data.get("results"),
            source=str(data.get("source") or self.actor.described)[:100],
        )
        return Response(result, status=status.HTTP_201_CREATED)


@extend_schema_view(list=extend_schema(summary="Evidence attached to controls (SoA rows)"))
class ControlEvidenceViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, TenantViewSet
):
    model = ControlEvidence
    serializer_class = ControlEvidenceSerializer
    scope_map = {"GET": READ, "POST": MANAGE}


@extend_schema_view(list=extend_schema(summary="Monitoring plans (Clause 9.1) per control"))
class MonitoringPlanViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, TenantViewSet
):
    model = MonitoringPlan
    serializer_class = MonitoringPlanSerializer
    scope_map = {"GET": READ, "POST": ["monitoring:write"]}
    action_scopes = {"create": MANAGE, "record": ["monitoring:write"]}
    object_actions = {"record": "view"}  # the service checks that the actor is the tester

    @extend_schema(
        summary="Record the result of this plan's manual test (its tester only)",
        request=ManualTestSerializer,
        responses={201: ControlTestResultSerializer},
    )
    @action(detail=True, methods=["post"], url_path="record")
    def record(self, request, *args, **kwargs):
        from monitoring.checks.control_services import manual_test_record

        plan = self.get_object()
        serializer = ManualTestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        outcome = manual_test_record(actor=self.actor, plan=plan, **serializer.validated_data)
        return Response(ControlTestResultSerializer(outcome).data, status=status.HTTP_201_CREATED)
