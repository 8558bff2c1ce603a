"""The UI's counterpart of the base API viewset: every organisation page passes here."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from isms.access import Actor, required_scopes


class OrgViewMixin:
    """Needs the Actor set by TenantMiddleware and the scopes `scope_map` declares.

    Detail views look objects up with `get_object()` through `get_base_queryset()` (the
    tenant manager), so another organisation's id is a 404, like a missing one.
    """

    scope_map: dict[str, list[str]] = {"GET": []}
    model = None

    def dispatch(self, request, *args, **kwargs):
        self.actor: Actor | None = getattr(request, "actor", None)
        if self.actor is None:
            raise Http404
        needed = required_scopes(self.scope_map, request.method)
        if needed is None:
            return self.http_method_not_allowed(request, *args, **kwargs)
        missing = [s for s in needed if not self.actor.has_scope(s)]
        if missing:
            raise PermissionDenied(
                f"Your role ({self.actor.role}) does not allow this: it needs {', '.join(missing)}."
            )
        return super().dispatch(request, *args, **kwargs)

    @property
    def organization(self):
        return self.actor.organization

    def get_base_queryset(self) -> QuerySet:
        return self.model.objects.all()

    def get_object(self, queryset=None):
        return get_object_or_404(queryset or self.get_base_queryset(), pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["organization"] = self.organization
        return context
