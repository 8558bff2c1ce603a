"""The policies API: policies, versions and their workflow, acknowledgements, templates.

Each workflow transition is a POST @action calling one service; the services decide (409
for a state that forbids it, 403 for an actor who may not). The per-version grants
(reviewer, approver) are django-guardian permissions, set by `submit`.
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from isms.api.parsers import JSONParser
from isms.api.viewsets import TenantModelViewSet, TenantReadOnlyViewSet, TenantViewSet
from isms.client import client_ip
from isms.errors import NotPermitted
from policies import selectors, services
from policies.access import can_see_acknowledgements
from policies.api.serializers import (
    AcknowledgementSerializer,
    AcknowledgementStatusSerializer,
    DiffQuerySerializer,
    DiffSerializer,
    PolicyControlsSerializer,
    PolicyFromTemplateSerializer,
    PolicySerializer,
    PolicyVersionSerializer,
    ReturnToDraftSerializer,
    StarterTemplateSerializer,
    SubmitSerializer,
)
from policies.filters import AcknowledgementFilterSet, PolicyFilterSet, PolicyVersionFilterSet
from policies.models import Acknowledgement, Policy, PolicyVersion
from policies.rendering import diff_summary, side_by_side, unified_diff
from policies.starters import TEMPLATES

READ = ["policies:read"]
WRITE = ["policies:write"]


@extend_schema_view(
    list=extend_schema(summary="Policies, with their latest and published version numbers"),
    create=extend_schema(summary="Create a policy (its text comes in versions)"),
)
class PolicyViewSet(TenantModelViewSet):
    model = Policy
    serializer_class = PolicySerializer
    scope_map = {"GET": READ, "POST": WRITE, "PATCH": WRITE}
    action_scopes = {"from_template": WRITE, "set_controls": WRITE}
    http_method_names = ["get", "post", "patch", "head", "options"]
    filterset_class = PolicyFilterSet
    search_fields = ["title"]
    ordering_fields = ["title", "kind", "next_review_date", "updated"]

    def get_base_queryset(self):
        return selectors.policy_list().prefetch_related("control_links__control__framework")

    @extend_schema(
        summary="Link the policy to exactly these library controls (their SoA rows list it)",
        request=PolicyControlsSerializer,
        responses=PolicySerializer,
    )
    @action(detail=True, methods=["post"], url_path="controls")
    def set_controls(self, request, *args, **kwargs):
        policy = self.get_object()  # first: another organisation's id is a 404, never a 400
        query = PolicyControlsSerializer(data=request.data)
        query.is_valid(raise_exception=True)
        services.policy_controls_set(
            actor=self.actor, policy=policy, controls=query.validated_data["controls"]
        )
        policy = self.get_base_queryset().get(pk=policy.pk)
        return Response(PolicySerializer(policy, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Create a policy from a starter template; its first version is a draft",
        request=PolicyFromTemplateSerializer,
        responses={201: PolicyVersionSerializer},
    )
    @action(detail=False, methods=["post"], url_path="from-template")
    def from_template(self, request, *args, **kwargs):
        query = PolicyFromTemplateSerializer(data=request.data)
        query.is_valid(raise_exception=True)
        version = services.policy_create_from_template(
            actor=self.actor,
            template_key=query.validated_data["template"],
            title=query.validated_data.get("title"),
            owner=query.validated_data.get("owner"),
        )
        data = PolicyVersionSerializer(version, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)


def _transition_schema(summary: str, request=None):
    return extend_schema(summary=summary, request=request, responses=PolicyVersionSerializer)


@extend_schema_view(
    list=extend_schema(summary="Policy versions (filter by policy and status)"),
    create=extend_schema(summary="Start the next version of a policy as a draft"),
    partial_update=extend_schema(summary="Change a draft (refused once it is in review)"),
    destroy=extend_schema(summary="Delete a draft"),
)
class PolicyVersionViewSet(TenantModelViewSet):
    model = PolicyVersion
    serializer_class = PolicyVersionSerializer
    parser_classes = [JSONParser, MultiPartParser]
    scope_map = {"GET": READ, "POST": WRITE, "PATCH": WRITE, "DELETE": WRITE}
    # The object rule each detail action is checked against (policies/access.py), by the base
    # viewset after the lookup: a missing and another organisation's version stay one 404.
    object_actions = {
        "submit": "submit",
        "return_to_draft": "return_to_draft",
        "approve": "approve",
        "publish": "publish",
        "retire": "retire",
        "acknowledge": "acknowledge",
    }
    action_scopes = {
        "submit": WRITE,
        "return_to_draft": WRITE,
        "approve": WRITE,
        "publish": WRITE,
        "retire": WRITE,
        # Acknowledging is a write: auditors are read-only everywhere.
        "acknowledge": WRITE,
        "acknowledgement_status": READ,
        "diff": READ,
        "history": READ,
    }
    filterset_class = PolicyVersionFilterSet
    ordering_fields = ["number", "created", "published_at"]

    def get_base_queryset(self):
        return PolicyVersion.objects.select_related("policy").order_by("policy_id", "-number")

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None and self.action == "list":
            selectors.attach_my_grants(page, self.actor)
        return page

    def perform_destroy(self, instance):
        services.version_delete_draft(actor=self.actor, version=instance)

    def _done(self, version) -> Response:
        version.refresh_from_db()
        return Response(self.get_serializer(version).data)

    @_transition_schema(
        "Submit a draft for review, naming its approver and reviewers", SubmitSerializer
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, *args, **kwargs):
        version = self.get_object()
        data = SubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.version_submit(
            actor=self.actor,
            version=version,
            approver=data.validated_data["approver"],
            reviewers=data.validated_data.get("reviewers", []),
        )
        return self._done(version)

    @_transition_schema(
        "Return a version in review to draft, saying what to change", ReturnToDraftSerializer
    )
    @action(detail=True, methods=["post"], url_path="return-to-draft")
    def return_to_draft(self, request, *args, **kwargs):
        version = self.get_object()
        data = ReturnToDraftSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.version_return_to_draft(
            actor=self.actor, version=version, note=data.validated_data["note"]
        )
        return self._done(version)

    @_transition_schema("Approve a version (its granted approver only; never its author)")
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        version = self.get_object()
        services.version_approve(actor=self.actor, version=version)
        return self._done(version)

    @_transition_schema("Publish an approved version (the previous one becomes superseded)")
    @action(detail=True, methods=["post"])
    def publish(self, request, *args, **kwargs):
        version = self.get_object()
        services.version_publish(actor=self.actor, version=version)
        return self._done(version)

    @_transition_schema("Retire an approved or published version")
    @action(detail=True, methods=["post"])
    def retire(self, request, *args, **kwargs):
        version = self.get_object()
        services.version_retire(actor=self.actor, version=version)
        return self._done(version)

    @extend_schema(
        summary="Acknowledge that you have read this published version",
        request=None,
        responses={200: AcknowledgementSerializer},
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, *args, **kwargs):
        version = self.get_object()
        acknowledgement = services.acknowledge(
            actor=self.actor, version=version, ip_address=client_ip(request)
        )
        return Response(AcknowledgementSerializer(acknowledgement).data)

    @extend_schema(
        summary="Acknowledgement rate and who in the audience has not acknowledged",
        responses=AcknowledgementStatusSerializer,
    )
    @action(detail=True, methods=["get"], url_path="acknowledgement-status")
    def acknowledgement_status(self, request, *args, **kwargs):
        version = self.get_object()
        if not can_see_acknowledgements(self.actor):
            raise NotPermitted("You may not see who has acknowledged policies.")
        result = selectors.acknowledgement_status(version)
        pending = [m.user for m in selectors.members_not_acknowledged(version)]
        return Response(
            AcknowledgementStatusSerializer(
                {
                    "audience_count": result.audience_count,
                    "acknowledged_count": result.acknowledged_count,
                    "rate": result.rate,
                    "not_acknowledged": pending,
                }
            ).data
        )

    @extend_schema(
        summary="Differences between this version and another (unified and side by side)",
        parameters=[
            OpenApiParameter(
                "against", OpenApiTypes.INT, required=True, description="The other version's id."
            )
        ],
        responses=DiffSerializer,
    )
    @action(detail=True, methods=["get"])
    def diff(self, request, *args, **kwargs):
        version = self.get_object()
        query = DiffQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(DiffSerializer(version_diff(query.validated_data["against"], version)).data)


def version_diff(old: PolicyVersion, new: PolicyVersion) -> dict:
    comparable = not old.document and not new.document
    rows = side_by_side(old.body_markdown, new.body_markdown) if comparable else []
    return {
        "from_version": old.pk,
        "to_version": new.pk,
        "comparable": comparable,
        **diff_summary(rows),
        "unified": unified_diff(
            old.body_markdown,
            new.body_markdown,
            old_label=f"{old.policy.title} v{old.number}",
            new_label=f"{new.policy.title} v{new.number}",
        )
        if comparable
        else "",
        "side_by_side": rows,
    }


@extend_schema_view(
    list=extend_schema(
        summary="Acknowledgements (officers, admins and auditors see all; others their own)"
    )
)
class AcknowledgementViewSet(TenantReadOnlyViewSet):
    model = Acknowledgement
    serializer_class = AcknowledgementSerializer
    scope_map = {"GET": READ}
    filterset_class = AcknowledgementFilterSet
    ordering_fields = ["acknowledged_at"]

    def get_base_queryset(self):
        return Acknowledgement.objects.select_related("user", "version").order_by(
            "-acknowledged_at", "-pk"
        )

    def restrict_queryset(self, queryset, actor):
        if can_see_acknowledgements(actor):
            return queryset
        if actor.user is None:
            return queryset.none()
        return queryset.filter(user_id=actor.user_id)


@extend_schema_view(
    list=extend_schema(summary="Starter policy templates (our own words)"),
    retrieve=extend_schema(
        summary="One starter template with its text",
        parameters=[OpenApiParameter("key", OpenApiTypes.STR, OpenApiParameter.PATH)],
    ),
)
class StarterTemplateViewSet(TenantViewSet):
    """Global, read-only reference data shown within an organisation's URL."""

    model = None
    serializer_class = StarterTemplateSerializer
    scope_map = {"GET": READ}
    lookup_field = "key"
    lookup_value_regex = r"[a-z0-9-]+"
    pagination_class = None
    filter_backends = []

    def get_queryset(self):
        return []

    def list(self, request, *args, **kwargs):
        return Response(self.get_serializer(list(TEMPLATES.values()), many=True).data)

    def retrieve(self, request, *args, **kwargs):
        template = TEMPLATES.get(kwargs["key"])
        if template is None:
            raise Http404
        return Response(self.get_serializer(template).data)
