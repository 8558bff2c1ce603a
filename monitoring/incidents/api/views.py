"""The incident API under /api/v1/orgs/<slug>/: one service call per write."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from isms.api.viewsets import TenantHistoryMixin, TenantReadOnlyViewSet, TenantViewSet
from monitoring.incidents import selectors, services
from monitoring.incidents.api import serializers as s
from monitoring.incidents.filters import IncidentFilterSet
from monitoring.incidents.models import Incident, IncidentEvidence, ReportingClock, TimelineEntry

READ = {"GET": ["monitoring:read"]}
RW = {"GET": ["monitoring:read"], "POST": ["monitoring:write"], "PATCH": ["monitoring:write"]}


class IncidentViewSet(
    TenantHistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    TenantViewSet,
):
    """Incidents: report (staff, integrations), triage, close. Never deleted: they are records."""

    model = Incident
    serializer_class = s.IncidentSerializer
    scope_map = RW
    filterset_class = IncidentFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]
    object_actions = {"triage": "triage", "close": "close"}

    def get_base_queryset(self):
        return selectors.incident_detail_queryset().prefetch_related("assets", "suppliers")

    @extend_schema(request=s.TriageSerializer, responses=s.IncidentSerializer)
    @action(detail=True, methods=["post"])
    def triage(self, request, *args, **kwargs):
        incident = self.get_object()
        data = s.TriageSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        incident = services.incident_triage(
            actor=self.actor, incident=incident, **data.validated_data
        )
        return Response(s.IncidentSerializer(incident).data)

    @extend_schema(
        request=s.FromCheckRunSerializer,
        responses={201: s.IncidentSerializer, 200: s.IncidentSerializer},
    )
    @action(detail=False, methods=["post"], url_path="from-check-run")
    def from_check_run(self, request, *args, **kwargs):
        """201 with the incident raised from a failing check run; 200 with the same incident
        when the run already raised it."""
        from monitoring.incidents.from_checks import incident_from_check_run

        data = s.FromCheckRunSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        raised = incident_from_check_run(
            actor=self.actor,
            run=data.validated_data["check_run"],
            nonconformity=data.validated_data["nonconformity"],
            owner=data.validated_data.get("nonconformity_owner"),
        )
        return Response(
            s.IncidentSerializer(raised.incident).data,
            status=status.HTTP_201_CREATED if raised.created else status.HTTP_200_OK,
        )

    @extend_schema(request=s.CloseSerializer, responses=s.IncidentSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, *args, **kwargs):
        incident = self.get_object()
        data = s.CloseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        incident = services.incident_close(
            actor=self.actor,
            incident=incident,
            lessons_learned=data.validated_data["lessons_learned"],
        )
        return Response(s.IncidentSerializer(incident).data)


class ReportingClockViewSet(TenantReadOnlyViewSet):
    """The legal deadlines of incidents, and `report` to record when and to whom one went."""

    model = ReportingClock
    serializer_class = s.ReportingClockSerializer
    scope_map = {"GET": ["monitoring:read"], "POST": ["monitoring:write"]}
    object_actions = {"report": "change"}

    def get_base_queryset(self):
        return ReportingClock.objects.all()

    @extend_schema(request=s.ClockReportSerializer, responses=s.ReportingClockSerializer)
    @action(detail=True, methods=["post"])
    def report(self, request, *args, **kwargs):
        clock = self.get_object()
        data = s.ClockReportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        clock = services.clock_record_report(actor=self.actor, clock=clock, **data.validated_data)
        return Response(s.ReportingClockSerializer(clock).data)


class TimelineEntryViewSet(TenantReadOnlyViewSet):
    model = TimelineEntry
    serializer_class = s.TimelineEntrySerializer
    scope_map = READ


class IncidentEvidenceViewSet(TenantReadOnlyViewSet):
    model = IncidentEvidence
    serializer_class = s.IncidentEvidenceSerializer
    scope_map = READ
