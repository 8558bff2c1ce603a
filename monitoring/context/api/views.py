"""The context, scope and objectives API."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from isms.api.viewsets import TenantHistoryMixin, TenantViewSet
from monitoring.context import selectors, services
from monitoring.context.api import serializers as s
from monitoring.context.filters import MeasurementFilterSet
from monitoring.context.models import (
    ContextIssue,
    InterestedParty,
    Objective,
    ObjectiveMeasurement,
    ScopeStatement,
)

RW = {"GET": ["monitoring:read"], "POST": ["monitoring:write"], "PATCH": ["monitoring:write"]}


class _Register(
    TenantHistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    TenantViewSet,
):
    scope_map = RW
    http_method_names = ["get", "post", "patch", "head", "options"]


class ContextIssueViewSet(_Register):
    model = ContextIssue
    serializer_class = s.ContextIssueSerializer


class InterestedPartyViewSet(_Register):
    model = InterestedParty
    serializer_class = s.InterestedPartySerializer


class ScopeStatementViewSet(_Register):
    """Versions of the scope statement; POST starts the next version (from the approved one
    unless fields are given); only a draft changes; approval is by someone else."""

    model = ScopeStatement
    serializer_class = s.ScopeStatementSerializer
    object_actions = {"submit": "submit", "approve": "approve", "return_to_draft": "return"}

    def get_base_queryset(self):
        return ScopeStatement.objects.all()

    @extend_schema(request=None, responses=s.ScopeStatementSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, *args, **kwargs):
        scope = services.scope_submit(actor=self.actor, scope=self.get_object())
        return Response(s.ScopeStatementSerializer(scope).data)

    @extend_schema(request=None, responses=s.ScopeStatementSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_to_draft(self, request, *args, **kwargs):
        scope = services.scope_return(actor=self.actor, scope=self.get_object())
        return Response(s.ScopeStatementSerializer(scope).data)

    @extend_schema(request=None, responses=s.ScopeStatementSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        scope = services.scope_approve(actor=self.actor, scope=self.get_object())
        return Response(s.ScopeStatementSerializer(scope).data)


class ObjectiveViewSet(_Register):
    model = Objective
    serializer_class = s.ObjectiveSerializer
    object_actions = {"measure": "measure"}

    def get_base_queryset(self):
        return selectors.objectives_for_list()

    @extend_schema(request=s.MeasurementInputSerializer, responses=s.ObjectiveMeasurementSerializer)
    @action(detail=True, methods=["post"])
    def measure(self, request, *args, **kwargs):
        objective = self.get_object()  # first: another organisation's id is a 404, never a 400
        data = s.MeasurementInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        measurement = services.measurement_record(
            actor=self.actor, objective=objective, **data.validated_data
        )
        return Response(
            s.ObjectiveMeasurementSerializer(measurement).data, status=status.HTTP_201_CREATED
        )


class ObjectiveMeasurementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Measurements, read-only: they are recorded through `objectives/<id>/measure/`."""

    model = ObjectiveMeasurement
    serializer_class = s.ObjectiveMeasurementSerializer
    scope_map = {"GET": ["monitoring:read"]}
    filterset_class = MeasurementFilterSet

    def get_base_queryset(self):
        return ObjectiveMeasurement.objects.select_related("objective")
