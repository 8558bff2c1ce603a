"""The base API viewsets: every request passes through here, in this order.

1. tenant filter — `get_queryset()` starts from the model's tenant manager (organisation in
   context, fail-closed) or, for access tables, an explicit organisation filter;
2. scope check — isms.api.permissions.ScopePermission against `scope_map` / `action_scopes`;
3. object permissions — `restrict_queryset()` for reads, `can_change()` for writes;
4. filterset — django-filter, search and ordering from the view's declarations;
5. versions — an ETag on each object answered, If-Match checked on writes (isms.api.versions).
A missing object and another organisation's object are the same 404.
"""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action

from isms import policy
from isms.access import Actor
from isms.api.representation import speed_up
from isms.api.serializers import AuditEventSerializer
from isms.api.sync import UpdatedAfterFilter
from isms.api.versions import ObjectVersionMixin
from isms.models import AuditEvent


class TenantViewSet(ObjectVersionMixin, viewsets.GenericViewSet):
    model: type | None = None  # the tenant model; its default manager filters by tenant
    scope_map: dict[str, list[str]] = {}
    action_scopes: dict[str, list[str]] = {}
    lookup_value_regex = r"[0-9]+"

    @property
    def actor(self) -> Actor:
        return self.request.auth

    def get_base_queryset(self) -> QuerySet:
        """The tenant-filtered rows, with the joins the serializer needs."""
        return self.model.objects.all()

    def restrict_queryset(self, queryset: QuerySet, actor: Actor) -> QuerySet:
        """Narrow reads by the model's policy (isms.policy): what the actor may view."""
        if self.model in policy.registered():
            return policy.restrict(actor, "view", queryset)
        return queryset

    def change_refusal(self, actor: Actor, obj) -> policy.Refusal | None:
        """Why the actor may not write this object (PATCH, PUT, DELETE, detail actions).

        The model's policy decides (`change`, or `delete` for DELETE); a viewset whose
        detail actions need another rule names it in `object_actions` ({action: rule}).
        """
        if self.model not in policy.registered():
            return (
                None
                if self.can_change(actor, obj)
                else policy.Refusal("You may not change this object.")
            )
        rule = self.object_actions.get(self.action)
        if rule is None:
            rule = "delete" if self.action == "destroy" else "change"
        return policy.refusal(actor, rule, obj)

    # The policy action checked for a detail action, when it is not "change".
    object_actions: dict[str, str] = {}

    def can_change(self, actor: Actor, obj) -> bool:
        """Deprecated: models with a registered policy never reach this."""
        return True

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        """The view's filter backends, then `updated_after` on every register list."""
        queryset = super().filter_queryset(queryset)
        return UpdatedAfterFilter().filter_queryset(self.request, queryset, self)

    def get_serializer(self, *args, **kwargs):
        """Pages of rows get the fast representation (isms.api.representation)."""
        return speed_up(super().get_serializer(*args, **kwargs))

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return self.model._base_manager.none()
        return self.restrict_queryset(self.get_base_queryset(), self.actor)


class TenantHistoryMixin:
    """`GET …/<id>/history/`: the audit trail of one object, newest first."""

    @extend_schema(responses=AuditEventSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="history")
    def history(self, request, *args, **kwargs):
        obj = self.get_object()
        events = AuditEvent.objects.for_object(obj)
        page = self.paginate_queryset(events)
        return self.get_paginated_response(AuditEventSerializer(page, many=True).data)


class TenantReadOnlyViewSet(
    TenantHistoryMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet
):
    pass


class TenantModelViewSet(
    TenantHistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    TenantViewSet,
):
    """Writes go through the serializer's create()/update(), which call the app's services."""

    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
