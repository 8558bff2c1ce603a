"""The reviews API: review-schedules (read, change interval/due date/reviewer) and
ai-reviews (start, answer, sign off, discard)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.response import Response

from isms.api.viewsets import TenantHistoryMixin, TenantViewSet
from monitoring.reviews import services
from monitoring.reviews.filters import AIReviewFilterSet, ReviewScheduleFilterSet
from monitoring.reviews.models import AIReview, ReviewSchedule

from .serializers import (
    AIReviewAnswerSerializer,
    AIReviewSerializer,
    ReviewScheduleSerializer,
    SignOffSerializer,
)

READ = ["monitoring:read"]
WRITE = ["monitoring:write"]
CONFLICT = OpenApiResponse(description="The review is not in a state that allows this.")


class ReviewScheduleViewSet(
    TenantHistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    TenantViewSet,
):
    model = ReviewSchedule
    serializer_class = ReviewScheduleSerializer
    filterset_class = ReviewScheduleFilterSet
    scope_map = {"GET": READ, "PATCH": WRITE}
    http_method_names = ["get", "patch", "head", "options"]

    def get_base_queryset(self):
        return ReviewSchedule.objects.select_related("reviewer").order_by("next_due", "id")


class AIReviewViewSet(
    TenantHistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    TenantViewSet,
):
    """POST starts (or returns the open) review of a schedule's AI system, prefilled."""

    model = AIReview
    serializer_class = AIReviewSerializer
    filterset_class = AIReviewFilterSet
    scope_map = {"GET": READ, "POST": WRITE}
    object_actions = {"answer": "change", "sign_off": "sign_off", "discard": "discard"}

    def get_base_queryset(self):
        return AIReview.objects.select_related("asset", "schedule").order_by("-created", "-id")

    @extend_schema(
        summary="Answer checklist items, choose the outcome",
        request=AIReviewAnswerSerializer,
        responses={200: AIReviewSerializer, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def answer(self, request, *args, **kwargs):
        data = AIReviewAnswerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        review = services.review_update(
            actor=self.actor, review=self.get_object(), **data.validated_data
        )
        return Response(self.get_serializer(review).data)

    @extend_schema(
        summary="Sign the review off (the asset's owner or the reviewer)",
        request=SignOffSerializer,
        responses={200: AIReviewSerializer, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"], url_path="sign-off")
    def sign_off(self, request, *args, **kwargs):
        data = SignOffSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        review = services.review_sign_off(
            actor=self.actor,
            review=self.get_object(),
            approver=data.validated_data.get("approver"),
        )
        return Response(self.get_serializer(review).data)

    @extend_schema(
        summary="Discard an open review",
        request=None,
        responses={200: AIReviewSerializer, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def discard(self, request, *args, **kwargs):
        review = services.review_discard(actor=self.actor, review=self.get_object())
        return Response(self.get_serializer(review).data)
