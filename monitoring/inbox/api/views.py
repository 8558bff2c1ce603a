"""The inbox API: the caller's notifications (officers: the organisation's), mark read."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from isms.api.viewsets import TenantReadOnlyViewSet
from isms.filters import BoundedFilterSet
from monitoring.inbox import services
from monitoring.inbox.models import Notification, Stage

from .serializers import MarkedReadSerializer, NotificationSerializer

READ = ["monitoring:read"]
WRITE = ["monitoring:write"]


class NotificationFilterSet(BoundedFilterSet):
    unread = django_filters.BooleanFilter(field_name="read_at", lookup_expr="isnull")
    mine = django_filters.BooleanFilter(method="filter_mine", label="Only mine")
    stage = django_filters.ChoiceFilter(choices=Stage.choices)
    kind = django_filters.CharFilter()
    escalated = django_filters.BooleanFilter()

    class Meta:
        model = Notification
        fields = ["unread", "mine", "stage", "kind", "escalated"]

    def filter_mine(self, queryset, name, value):
        if not value:
            return queryset
        user_id = getattr(self.request.auth, "user_id", None)
        return queryset.filter(recipient_id=user_id) if user_id else queryset.none()


class NotificationViewSet(TenantReadOnlyViewSet):
    """Each member reads their own notifications; officers and read-write keys
    (`monitoring:manage`) read the organisation's. Only the recipient marks one read."""

    model = Notification
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilterSet
    scope_map = {"GET": READ}
    action_scopes = {"read": WRITE, "read_all": WRITE}
    object_actions = {"read": "mark_read"}

    def get_base_queryset(self):
        return Notification.objects.order_by("read_at", "-created", "-id")

    @extend_schema(
        summary="Mark this notification read (its recipient only)",
        request=None,
        responses={200: NotificationSerializer, 403: OpenApiResponse()},
    )
    @action(detail=True, methods=["post"])
    def read(self, request, *args, **kwargs):
        notification = services.notification_mark_read(
            actor=self.actor, notification=self.get_object()
        )
        return Response(self.get_serializer(notification).data)

    @extend_schema(
        summary="Mark all my notifications read",
        request=None,
        responses={200: MarkedReadSerializer},
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request, *args, **kwargs):
        return Response({"marked": services.notifications_mark_all_read(actor=self.actor)})
