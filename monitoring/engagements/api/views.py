"""The engagement API: officers open and change engagements (inviting their auditors); an
auditor reads their engagements and the evidence requests with the answers (files are
downloaded from the engagement page's signed links)."""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from isms.api.viewsets import TenantModelViewSet, TenantReadOnlyViewSet
from monitoring.engagements import services
from monitoring.engagements.api import serializers as s
from monitoring.engagements.models import Engagement, EvidenceAnswer, EvidenceRequest

READ = {"GET": ["monitoring:read"]}
MANAGE = ["monitoring:write", "monitoring:manage"]


class EngagementViewSet(TenantModelViewSet):
    """Officers open and change engagements; auditors read the ones they audit."""

    model = Engagement
    serializer_class = s.EngagementSerializer
    scope_map = {**READ, "POST": MANAGE, "PATCH": MANAGE}
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_base_queryset(self):
        return Engagement.objects.prefetch_related("auditors").order_by("-expires_at", "-id")

    @extend_schema(
        summary="End the engagement now: its auditors lose access at once",
        description=(
            "The auditors' access (pages, API, signed links) ends now, unless another live "
            "engagement still has them. The requests, answers and access log stay."
        ),
        request=None,
        responses={
            200: s.EngagementSerializer,
            409: OpenApiResponse(description="The engagement has already ended"),
        },
    )
    @action(detail=True, methods=["post"])
    def end(self, request, *args, **kwargs):
        engagement = services.engagement_end(actor=self.actor, engagement=self.get_object())
        return Response(self.get_serializer(engagement).data)


class EvidenceRequestViewSet(TenantReadOnlyViewSet):
    model = EvidenceRequest
    serializer_class = s.EvidenceRequestSerializer
    scope_map = READ

    def get_base_queryset(self):
        answers = EvidenceAnswer.objects.select_related("answered_by").order_by("created", "id")
        return (
            EvidenceRequest.objects.select_related("control")
            .prefetch_related(Prefetch("answers", queryset=answers))
            .order_by("due_on", "id")
        )
