"""The Clause 10 API: nonconformities, corrective actions (with verify), improvement log."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.response import Response

from isms.api.viewsets import TenantHistoryMixin, TenantViewSet
from monitoring.improvement import services
from monitoring.improvement.api import serializers as s
from monitoring.improvement.filters import NonconformityFilterSet
from monitoring.improvement.models import CorrectiveAction, ImprovementEntry, Nonconformity

RW = {"GET": ["monitoring:read"], "POST": ["monitoring:write"], "PATCH": ["monitoring:write"]}


class _Base(
    TenantHistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    TenantViewSet,
):
    scope_map = RW
    http_method_names = ["get", "post", "patch", "head", "options"]


class NonconformityViewSet(_Base):
    model = Nonconformity
    serializer_class = s.NonconformitySerializer
    filterset_class = NonconformityFilterSet
    object_actions = {"close": "close"}

    def get_base_queryset(self):
        return Nonconformity.objects.select_related("owner")

    @extend_schema(request=None, responses=s.NonconformitySerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, *args, **kwargs):
        nc = services.nonconformity_close(actor=self.actor, nonconformity=self.get_object())
        return Response(s.NonconformitySerializer(nc).data)


class CorrectiveActionViewSet(_Base):
    model = CorrectiveAction
    serializer_class = s.CorrectiveActionSerializer
    object_actions = {"complete": "complete", "verify": "verify", "reject": "reject"}

    def get_base_queryset(self):
        return CorrectiveAction.objects.select_related("owner", "nonconformity")

    def _move(self, request, fn):
        action = self.get_object()  # first: another organisation's id is a 404, never a 400
        data = s.NoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        done = fn(actor=self.actor, action=action, note=data.validated_data["note"])
        return Response(s.CorrectiveActionSerializer(done).data)

    @extend_schema(request=s.NoteSerializer, responses=s.CorrectiveActionSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, *args, **kwargs):
        return self._move(request, services.action_complete)

    @extend_schema(request=s.NoteSerializer, responses=s.CorrectiveActionSerializer)
    @action(detail=True, methods=["post"])
    def verify(self, request, *args, **kwargs):
        return self._move(request, services.action_verify)

    @extend_schema(request=s.NoteSerializer, responses=s.CorrectiveActionSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, *args, **kwargs):
        return self._move(request, services.action_reject)


class ImprovementEntryViewSet(_Base):
    model = ImprovementEntry
    serializer_class = s.ImprovementEntrySerializer
