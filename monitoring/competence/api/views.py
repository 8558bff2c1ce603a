"""The competence and awareness API."""

from __future__ import annotations

from rest_framework import mixins

from isms.api.viewsets import TenantHistoryMixin, TenantViewSet
from monitoring.competence.api import serializers as s
from monitoring.competence.models import (
    CompetenceRequirement,
    ResponsibilityAssignment,
    TrainingRecord,
)

RW = {
    "GET": ["monitoring:read"],
    "POST": ["monitoring:write"],
    "PATCH": ["monitoring:write"],
    "DELETE": ["monitoring:write"],
}


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


class CompetenceRequirementViewSet(_Register):
    model = CompetenceRequirement
    serializer_class = s.CompetenceRequirementSerializer


class ResponsibilityAssignmentViewSet(
    TenantHistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    TenantViewSet,
):
    """Who holds which responsibility; withdrawn with DELETE, never edited."""

    model = ResponsibilityAssignment
    serializer_class = s.ResponsibilityAssignmentSerializer
    scope_map = RW
    http_method_names = ["get", "post", "delete", "head", "options"]

    def get_base_queryset(self):
        return ResponsibilityAssignment.objects.select_related("member")

    def perform_destroy(self, instance):
        from monitoring.competence import services

        services.assignment_delete(actor=self.actor, assignment=instance)


class TrainingRecordViewSet(_Register):
    model = TrainingRecord
    serializer_class = s.TrainingRecordSerializer

    def get_base_queryset(self):
        return TrainingRecord.objects.select_related("organization")
