"""The organisation export in the API: request one, follow it, download the ZIP (admins).

Only a member with `org:admin` reaches it (no API key carries that scope): the ZIP holds
every person's data and the organisation's signing key.
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from isms.api.viewsets import TenantViewSet
from isms.lifecycle.export import export_request
from isms.models import OrganizationExport
from isms.uploads import attachment_response


class OrganizationExportSerializer(serializers.ModelSerializer):
    requested_by = serializers.SlugRelatedField(slug_field="email", read_only=True)
    total_rows = serializers.IntegerField(read_only=True)

    class Meta:
        model = OrganizationExport
        fields = [
            "id",
            "status",
            "requested_by",
            "requested_at",
            "finished_at",
            "size",
            "sha256",
            "total_rows",
            "rows",
            "error",
        ]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(summary="The organisation's data exports (admins)"),
    retrieve=extend_schema(summary="One data export: its status, size and SHA-256"),
)
class OrganizationExportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    model = OrganizationExport
    serializer_class = OrganizationExportSerializer
    scope_map = {"GET": ["org:admin"], "POST": ["org:admin"]}
    http_method_names = ["get", "post", "head", "options"]

    def get_base_queryset(self):
        return OrganizationExport.objects.select_related("requested_by").order_by(
            "-requested_at", "-id"
        )

    @extend_schema(
        summary="Export all of the organisation's data (built in the background)",
        description="Queues the export; follow its `status` until `ready`, then download the "
        "ZIP (format: docs/org-export.md).",
        request=None,
        responses={201: OrganizationExportSerializer},
    )
    def create(self, request, *args, **kwargs):
        request.data  # noqa: B018  (no fields, but a body that cannot be read is a 400, as everywhere)
        export = export_request(organization=self.actor.organization, actor=self.actor)
        return Response(OrganizationExportSerializer(export).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Download a ready export's ZIP",
        responses={(200, "application/zip"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"], url_path="download")
    def download(self, request, *args, **kwargs):
        export = self.get_object()
        if export.status != OrganizationExport.Status.READY or not export.file:
            raise Http404
        return attachment_response(
            export.file,
            filename=f"{self.actor.organization.slug}-export-{export.pk}.zip",
            content_type="application/zip",
        )
