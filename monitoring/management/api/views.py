"""The management review API: reviews (inputs assembled on create), outputs, approval."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.response import Response

from isms.api.viewsets import TenantHistoryMixin, TenantViewSet
from monitoring.management import services
from monitoring.management.api import serializers as s
from monitoring.management.models import ManagementReview, ReviewOutput

RW = {"GET": ["monitoring:read"], "POST": ["monitoring:write"], "PATCH": ["monitoring:write"]}


class ManagementReviewViewSet(
    TenantHistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    TenantViewSet,
):
    model = ManagementReview
    serializer_class = s.ManagementReviewSerializer
    scope_map = RW
    http_method_names = ["get", "post", "patch", "head", "options"]
    object_actions = {"submit": "submit", "approve": "approve", "assemble_inputs": "change"}

    @extend_schema(request=None, responses=s.ManagementReviewSerializer)
    @action(detail=True, methods=["post"], url_path="assemble-inputs")
    def assemble_inputs(self, request, *args, **kwargs):
        review = services.review_assemble_inputs(actor=self.actor, review=self.get_object())
        return Response(s.ManagementReviewSerializer(review).data)

    @extend_schema(request=None, responses=s.ManagementReviewSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, *args, **kwargs):
        review = services.review_submit(actor=self.actor, review=self.get_object())
        return Response(s.ManagementReviewSerializer(review).data)

    @extend_schema(request=None, responses=s.ManagementReviewSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        review = services.review_approve(actor=self.actor, review=self.get_object())
        return Response(s.ManagementReviewSerializer(review).data)


class ReviewOutputViewSet(
    TenantHistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    TenantViewSet,
):
    model = ReviewOutput
    serializer_class = s.ReviewOutputSerializer
    scope_map = {"GET": ["monitoring:read"], "POST": ["monitoring:write"]}
    object_actions = {"state": "change"}

    @extend_schema(request=s.OutputStateSerializer, responses=s.ReviewOutputSerializer)
    @action(detail=True, methods=["post"])
    def state(self, request, *args, **kwargs):
        output = self.get_object()  # first: another organisation's id is a 404, never a 400
        data = s.OutputStateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        output = services.output_set_state(
            actor=self.actor, output=output, state=data.validated_data["state"]
        )
        return Response(s.ReviewOutputSerializer(output).data)
