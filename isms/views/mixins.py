"""The UI's counterpart of the base API viewset: every organisation page passes here.

`OrgViewMixin` fails closed: a view must declare, per HTTP method, the scopes it needs
(`scope_map = {"GET": ["assets:read"], "POST": ["assets:write"]}`); a method it does not
declare is refused, and so is an empty list of scopes (tests/isms/test_ui_layer.py walks the
URLconf and requires every organisation view to declare its scopes).

`OrgListView` and `OrgFormView` are the two page skeletons the registers share: a filtered,
paginated list whose rows the HTMX filter bar swaps in place, and a form that calls one
service and redirects with a message in words.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.views.generic import FormView, ListView

from isms import policy
from isms.access import Actor, required_scopes
from isms.errors import DomainError
from isms.members import bind_member_fields
from isms.views.errors import error_status
from isms.views.forms import apply_errors


class OrgViewMixin:
    """Needs the Actor set by TenantMiddleware and the scopes `scope_map` declares.

    Detail views look objects up with `get_object()` through `get_base_queryset()` (the
    tenant manager), so another organisation's id is a 404, like a missing one.
    """

    scope_map: dict[str, list[str]] = {}
    model = None
    nav = ""

    def dispatch(self, request, *args, **kwargs):
        self.actor: Actor | None = getattr(request, "actor", None)
        if self.actor is None:
            raise Http404
        needed = required_scopes(self.scope_map, request.method)
        if needed is None:
            if not self.scope_map:
                raise PermissionDenied("This page declares no access rule, so it is refused.")
            return self.http_method_not_allowed(request, *args, **kwargs)
        if not needed:
            raise PermissionDenied("This page declares no access rule, so it is refused.")
        if not self.actor.has_scopes(needed):
            raise PermissionDenied(
                f"{self.actor.described} does not allow this: it needs "
                f"{', '.join(s for s in needed if not self.actor.has_scope(s))}."
            )
        return super().dispatch(request, *args, **kwargs)

    @property
    def organization(self):
        return self.actor.organization

    def get_base_queryset(self) -> QuerySet:
        return self.model.objects.all()

    def get_object(self, queryset=None):
        return get_object_or_404(queryset or self.get_base_queryset(), pk=self.kwargs["pk"])

    def can(self, action: str, obj) -> bool:
        return policy.can(self.actor, action, obj)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["organization"] = self.organization
        context["actor"] = self.actor
        if self.nav:
            context.setdefault("nav", self.nav)
        return context


class OrgListView(OrgViewMixin, ListView):
    """A register page: FilterSet over a selector, paginated, with an HTMX rows partial.

    Declare `filterset_class`, `selector` (a callable returning the tenant queryset with its
    joins; override `get_selector_queryset()` when it needs the request or the actor),
    `template_name` and `rows_template` (the partial the filter bar swaps in).

    Sorting: a FilterSet with an `OrderingFilter` sorts by itself (`default_ordering` is its
    value when the query names none); a FilterSet shared with an API that sorts with its own
    backend declares instead `ordering_map` (public name -> ORM expression), and the page
    sorts by `?ordering=name` / `-name` through it. The context's `ordering` is the sort in
    force. A query the FilterSet refuses answers 400, with the errors in `filter.errors`.
    """

    filterset_class = None
    selector = None
    rows_template: str | None = None
    default_ordering: str | None = None
    ordering_map: dict[str, str] | None = None
    paginate_by = 50

    def get_selector_queryset(self) -> QuerySet:
        return type(self).selector()

    def current_ordering(self) -> str:
        return self.request.GET.get("ordering") or self.default_ordering or ""

    def get_queryset(self):
        data = self.request.GET.copy()
        if self.default_ordering and self.ordering_map is None:
            data.setdefault("ordering", self.default_ordering)
        queryset = policy.restrict(self.actor, "view", self.get_selector_queryset())
        if self.filterset_class is None:
            self.filterset = None
        else:
            self.filterset = self.filterset_class(data, queryset=queryset, request=self.request)
            queryset = self.filterset.qs
        return self.order(queryset)

    def order(self, queryset: QuerySet) -> QuerySet:
        ordering = self.current_ordering()
        key = ordering.lstrip("-")
        if self.ordering_map is None or key not in self.ordering_map:
            return queryset
        prefix = "-" if ordering.startswith("-") else ""
        return queryset.order_by(prefix + self.ordering_map[key], "pk")

    def filter_refused(self) -> bool:
        filterset = getattr(self, "filterset", None)
        return filterset is not None and not filterset.is_valid()

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        if self.filter_refused():
            response.status_code = 400
        return response

    def get_template_names(self):
        htmx = getattr(self.request, "htmx", None)
        if self.rows_template and htmx and not htmx.boosted:
            return [self.rows_template]
        return super().get_template_names()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
        context["ordering"] = self.current_ordering()
        context["filtered"] = self.is_filtered()
        return context

    def is_filtered(self) -> bool:
        """Does the query narrow the register? An empty page then says "nothing matches" and
        offers to clear the filters; an empty register says how to start it instead."""
        ignored = {"ordering", "page", "page_size"}
        return any(v for k, values in self.request.GET.lists() if k not in ignored for v in values)


class OrgFormView(OrgViewMixin, FormView):
    """A form that calls one service: `perform(form)` returns the object written.

    A refusal (ValidationError or DomainError) re-renders the form with the input kept and
    the reason beside the field, with the refusal's status. Success redirects (POST never
    renders) with `success_message`, formatted with the object (`"Asset {obj} saved."`).
    """

    success_message = ""

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        bind_member_fields(form)
        return form

    def perform(self, form):
        raise NotImplementedError

    def form_valid(self, form):
        try:
            self.object = self.perform(form)
        except (ValidationError, DomainError) as error:
            apply_errors(form, error)
            return self.render_to_response(
                self.get_context_data(form=form), status=error_status(error)
            )
        if self.success_message:
            messages.success(self.request, self.success_message.format(obj=self.object))
        return HttpResponseRedirect(self.get_success_url())

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def get_success_url(self) -> str:
        if self.object is not None and hasattr(self.object, "get_absolute_url"):
            return self.object.get_absolute_url()
        return super().get_success_url()


class OrgEditFormView(OrgFormView):
    """An OrgFormView that edits the object of the URL's `pk`, when the URL names one (and
    creates otherwise). The form binds to a fresh copy, so `self.object` stays as stored for
    the service to compare with what the form changed."""

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if "pk" in self.kwargs:
            self.object = self.get_object()
            kwargs["instance"] = type(self.object).objects.get(pk=self.object.pk)
        return kwargs
