"""The webhook settings pages: /o/<slug>/settings/webhooks/… (needs `webhooks:manage`)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views.generic import FormView, TemplateView, View

from isms.access import WEBHOOKS_SCOPE
from isms.errors import DomainError
from isms.models import WebhookDelivery, WebhookEndpoint
from isms.views.errors import error_status
from isms.views.forms import apply_errors
from isms.views.mixins import OrgViewMixin
from isms.webhooks import services
from isms.webhooks.forms import WebhookEndpointForm

SCOPE = [WEBHOOKS_SCOPE]
RECENT_DELIVERIES = 50


class _WebhookFormMixin:
    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["may_allow_internal"] = self.actor.has_scope(services.INTERNAL_SCOPE)
        return kwargs

    def refused(self, form, error):
        apply_errors(form, error)
        return self.render_to_response(self.get_context_data(form=form), status=error_status(error))

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class WebhookListView(_WebhookFormMixin, OrgViewMixin, FormView):
    template_name = "isms/webhook_list.html"
    form_class = WebhookEndpointForm
    scope_map = {"GET": SCOPE, "POST": SCOPE}
    nav = "settings"

    def get_initial(self):
        return {"active": True}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["endpoints"] = WebhookEndpoint.objects.order_by("-created", "-pk")
        return context

    def form_valid(self, form):
        try:
            issued = services.endpoint_create(actor=self.actor, **form.cleaned_data)
        except (ValidationError, DomainError) as error:
            return self.refused(form, error)
        context = self.get_context_data(form=self.get_form_class()(**self._blank_kwargs()))
        context["issued"] = issued
        return self.render_to_response(context)

    def _blank_kwargs(self):
        return {
            "initial": {"active": True},
            "may_allow_internal": self.actor.has_scope(services.INTERNAL_SCOPE),
        }


class WebhookDetailView(_WebhookFormMixin, OrgViewMixin, FormView):
    """One endpoint: its settings (edit), its secret's rotation, its recent deliveries."""

    template_name = "isms/webhook_detail.html"
    form_class = WebhookEndpointForm
    model = WebhookEndpoint
    scope_map = {"GET": SCOPE, "POST": SCOPE}
    nav = "settings"

    @property
    def endpoint(self) -> WebhookEndpoint:
        if not hasattr(self, "_endpoint"):
            self._endpoint = self.get_object()
        return self._endpoint

    def get_initial(self):
        e = self.endpoint
        return {
            "url": e.url,
            "description": e.description,
            "event_types": e.event_types,
            "active": e.active,
            "allow_internal": e.allow_internal,
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["endpoint"] = self.endpoint
        secret = self.request.session.pop(secret_session_key(self.endpoint.pk), None)
        if secret:
            context["issued"] = services.IssuedEndpoint(endpoint=self.endpoint, secret=secret)
        context["deliveries"] = (
            WebhookDelivery.objects.filter(endpoint=self.endpoint)
            .select_related("event")
            .order_by("-created", "-pk")[:RECENT_DELIVERIES]
        )
        return context

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        if form.fields["allow_internal"].disabled:
            data.pop("allow_internal", None)
        try:
            services.endpoint_update(actor=self.actor, endpoint=self.endpoint, **data)
        except (ValidationError, DomainError) as error:
            return self.refused(form, error)
        messages.success(self.request, "Webhook endpoint saved.")
        return redirect("webhook_detail", self.organization.slug, self.endpoint.pk)


class WebhookRotateView(OrgViewMixin, View):
    """POST: a new signing secret. The endpoint's page shows it once, from the session (kept
    server-side, never in a cookie or a URL), and forgets it."""

    model = WebhookEndpoint
    scope_map = {"POST": SCOPE}

    def post(self, request, *args, **kwargs):
        issued = services.endpoint_rotate_secret(actor=self.actor, endpoint=self.get_object())
        request.session[secret_session_key(issued.endpoint.pk)] = issued.secret
        messages.success(request, "New signing secret issued: copy it now, it is shown once.")
        return redirect("webhook_detail", self.organization.slug, issued.endpoint.pk)


def secret_session_key(endpoint_pk: int) -> str:
    return f"webhook-secret-{endpoint_pk}"


class _EndpointAction(OrgViewMixin, View):
    model = WebhookEndpoint
    scope_map = {"POST": SCOPE}

    def post(self, request, *args, **kwargs):
        endpoint = self.get_object()
        try:
            return self.act(endpoint)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("webhook_detail", self.organization.slug, endpoint.pk)


class WebhookPingView(_EndpointAction):
    def act(self, endpoint):
        services.endpoint_ping(actor=self.actor, endpoint=endpoint)
        messages.success(self.request, "Test event queued; its delivery appears below.")
        return redirect("webhook_detail", self.organization.slug, endpoint.pk)


class WebhookDeleteView(_EndpointAction):
    def act(self, endpoint):
        services.endpoint_delete(actor=self.actor, endpoint=endpoint)
        messages.success(self.request, f"Webhook endpoint {endpoint.url} deleted.")
        return redirect("webhook_list", self.organization.slug)


class WebhookDeliveryView(OrgViewMixin, TemplateView):
    """One delivery: its event's body and every attempt."""

    template_name = "isms/webhook_delivery.html"
    model = WebhookDelivery
    scope_map = {"GET": SCOPE}
    nav = "settings"

    def get_base_queryset(self):
        return WebhookDelivery.objects.select_related("event", "endpoint")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        delivery = self.get_object()
        context["delivery"] = delivery
        context["attempts"] = delivery.attempts.order_by("number")
        return context


class WebhookRedeliverView(OrgViewMixin, View):
    model = WebhookDelivery
    scope_map = {"POST": SCOPE}

    def post(self, request, *args, **kwargs):
        delivery = self.get_object()
        try:
            services.delivery_redeliver(actor=self.actor, delivery=delivery)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "Delivery queued again.")
        return redirect("webhook_delivery", self.organization.slug, delivery.pk)
