"""The evidence pack API: list and read packs, request one, verify a file's hash; and the
pack schedules (list, create, change, pause or resume, delete)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from isms.api.viewsets import TenantModelViewSet, TenantViewSet
from monitoring.packs import services
from monitoring.packs.api import serializers as s
from monitoring.packs.models import EvidencePack, PackSchedule

READ = ["monitoring:read"]
MANAGE = ["monitoring:write", "monitoring:manage"]


class EvidencePackViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    model = EvidencePack
    serializer_class = s.EvidencePackSerializer
    # The API lists packs and their hashes; their files are downloaded from the pages, which
    # also need evidence:export.
    scope_map = {"GET": READ, "POST": MANAGE}
    action_scopes = {"verify": READ}

    @extend_schema(request=s.PackRequestSerializer, responses={201: s.EvidencePackSerializer})
    def create(self, request, *args, **kwargs):
        data = s.PackRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        pack = services.pack_request(actor=self.actor, **data.validated_data)
        return Response(s.EvidencePackSerializer(pack).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.VerifyRequestSerializer, responses=s.VerifyAnswerSerializer)
    @action(detail=False, methods=["post"])
    def verify(self, request, *args, **kwargs):
        """Whether a PDF or ZIP with this SHA-256 is a pack this organisation generated, and
        when. Another organisation's pack answers like an unknown file."""
        data = s.VerifyRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(services.pack_verify(sha256=data.validated_data["sha256"]))


class PackScheduleViewSet(TenantModelViewSet):
    """Packs requested again every month or quarter (the beat's sweep makes them). Officers
    create, change, pause and delete schedules; readers of monitoring list them."""

    model = PackSchedule
    serializer_class = s.PackScheduleSerializer
    scope_map = {"GET": READ, "POST": MANAGE, "PATCH": MANAGE, "DELETE": MANAGE}

    def get_base_queryset(self):
        return PackSchedule.objects.select_related("created_by").order_by("next_due", "id")

    def perform_destroy(self, instance):
        services.schedule_delete(actor=self.actor, schedule=instance)
