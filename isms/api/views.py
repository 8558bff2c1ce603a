"""The ISMS core in the API: the control library, members and the audit trail."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from isms import audit_chain, exports, selectors, tabular
from isms.api.serializers import (
    AuditChainVerificationSerializer,
    AuditEventSerializer,
    AuditFeedEventSerializer,
    ControlDetailSerializer,
    ControlSerializer,
    FrameworkSerializer,
    MembershipSerializer,
    OrganizationProfileSerializer,
)
from isms.api.sync import FeedCursorPagination
from isms.api.viewsets import TenantHistoryMixin, TenantViewSet
from isms.filters import AuditEventFilterSet, ControlFilterSet, MembershipFilterSet
from isms.models import AuditEvent, Control, Framework, Membership, OrganizationProfile


@extend_schema_view(list=extend_schema(summary="Frameworks in the control library"))
class FrameworkViewSet(mixins.ListModelMixin, TenantViewSet):
    """Global reference data, read within an organisation's URL like everything else."""

    model = Framework
    serializer_class = FrameworkSerializer
    scope_map = {"GET": ["controls:read"]}
    pagination_class = None
    filter_backends = []

    def get_base_queryset(self):
        return selectors.frameworks_with_counts()


@extend_schema_view(
    list=extend_schema(summary="Controls of ISO/IEC 27001:2022 and ISO/IEC 42001:2023 Annex A"),
    retrieve=extend_schema(summary="One control with its cross-framework mappings"),
)
class ControlViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    model = Control
    serializer_class = ControlSerializer
    scope_map = {"GET": ["controls:read"]}
    filterset_class = ControlFilterSet
    ordering_fields = ["ref", "title"]

    def get_base_queryset(self):
        queryset = selectors.controls_list()
        if self.action == "retrieve":
            queryset = selectors.control_with_mappings(queryset)
        return queryset

    def get_serializer_class(self):
        return ControlDetailSerializer if self.action == "retrieve" else ControlSerializer


@extend_schema_view(list=extend_schema(summary="Members of the organisation"))
class MembershipViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    model = Membership
    serializer_class = MembershipSerializer
    scope_map = {"GET": ["org:read"]}
    filterset_class = MembershipFilterSet

    def get_base_queryset(self):
        return (
            Membership.objects.filter(organization=self.actor.organization)
            .select_related("user")
            .order_by("user__email")
        )


@extend_schema_view(list=extend_schema(summary="The organisation's audit trail"))
class AuditEventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    model = AuditEvent
    serializer_class = AuditEventSerializer
    scope_map = {"GET": ["audit:read"]}
    # Verifying walks the whole chain: for those who answer for the trail (officers,
    # administrators) and those who check it (auditors), as on the page.
    action_scopes = {"chain": ["audit:read", "evidence:export"]}
    filterset_class = AuditEventFilterSet

    def get_base_queryset(self):
        return AuditEvent.objects.all()

    @extend_schema(
        summary="Verify the audit trail's hash chain",
        description="Recomputes every event's SHA-256 link from the first event on and "
        "compares the last one with the chain's head. `first_broken_link` names the first "
        "event changed, the first missing position (deleted events) or an event inserted "
        "outside the chain; null when the chain is intact.",
        responses=AuditChainVerificationSerializer,
    )
    @action(detail=False, methods=["get"], url_path="chain", pagination_class=None)
    def chain(self, request, *args, **kwargs):
        verification = audit_chain.verify_chain(self.actor.organization.pk)
        return Response(verification.as_dict())

    @extend_schema(
        summary="The audit trail oldest first, for sync (cursor pagination)",
        description="Every insert, change and deletion of the organisation, oldest first, "
        "paged by an opaque cursor: follow `next` until it is null, keep the last `next` and "
        "follow it later to receive what happened since. Rows added while paging never shift "
        "a page. `action=delete` gives the tombstones (deleted objects by table and id). "
        "Takes the list's filters.",
        responses=AuditFeedEventSerializer(many=True),
        filters=True,
    )
    @action(detail=False, methods=["get"], url_path="feed", pagination_class=FeedCursorPagination)
    def feed(self, request, *args, **kwargs):
        events = self.filter_queryset(self.get_queryset().order_by("id"))
        page = self.paginate_queryset(events)
        return self.get_paginated_response(AuditFeedEventSerializer(page, many=True).data)

    @extend_schema(
        summary="The (filtered) audit trail as a CSV or XLSX file",
        description="Every text cell is cleaned of control characters and neutralised against "
        "spreadsheet formulas (a leading = + - @ gets an apostrophe). Takes the list's filters.",
        parameters=[
            OpenApiParameter(
                "file_format", str, enum=list(tabular.FORMATS), default="csv", required=False
            )
        ],
        responses={
            (200, "text/csv"): OpenApiTypes.BINARY,
            (200, tabular.XLSX_CONTENT_TYPE): OpenApiTypes.BINARY,
        },
    )
    @action(detail=False, methods=["get"], url_path="export", pagination_class=None)
    def export(self, request, *args, **kwargs):
        fmt = request.query_params.get("file_format", "csv")
        if fmt not in tabular.FORMATS:
            raise ValidationError({"file_format": f"Use one of: {', '.join(tabular.FORMATS)}."})
        events = self.filter_queryset(self.get_queryset())
        return exports.audit_trail_response(events, fmt=fmt, organization=self.actor.organization)


@extend_schema_view(
    list=extend_schema(
        summary="The organisation profile (one row): EU AI Act legal type, AI roles"
    ),
    retrieve=extend_schema(summary="The organisation profile"),
    partial_update=extend_schema(summary="Change the organisation profile (admins)"),
)
class OrganizationProfileViewSet(
    TenantHistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    TenantViewSet,
):
    model = OrganizationProfile
    serializer_class = OrganizationProfileSerializer
    scope_map = {"GET": ["org:read"], "PATCH": ["org:admin"]}
    http_method_names = ["get", "patch", "head", "options"]

    def get_base_queryset(self):
        return OrganizationProfile.objects.order_by("pk")
