"""The internal audit API: programmes, audits (independence checked), findings (read)."""

from __future__ import annotations

from rest_framework import mixins

from isms.api.viewsets import TenantHistoryMixin, TenantReadOnlyViewSet, TenantViewSet
from monitoring.audits.api import serializers as s
from monitoring.audits.models import Audit, AuditFinding, AuditProgramme

RW = {"GET": ["monitoring:read"], "POST": ["monitoring:write"], "PATCH": ["monitoring:write"]}


class AuditProgrammeViewSet(
    TenantHistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    TenantViewSet,
):
    model = AuditProgramme
    serializer_class = s.AuditProgrammeSerializer
    scope_map = {"GET": ["monitoring:read"], "POST": ["monitoring:write"]}


class AuditViewSet(
    TenantHistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    TenantViewSet,
):
    model = Audit
    serializer_class = s.AuditCreateSerializer
    scope_map = RW
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_base_queryset(self):
        return Audit.objects.select_related("auditor")


class AuditFindingViewSet(TenantReadOnlyViewSet):
    model = AuditFinding
    serializer_class = s.AuditFindingSerializer
    scope_map = {"GET": ["monitoring:read"]}
