"""Single sign-on pages (isms.sso): "Sign in with SSO" by e-mail address or by the
organisation's address, the IdP's callback, and the admin's connection settings."""

from __future__ import annotations

import logging
from functools import wraps

from csp.decorators import csp_update
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods
from django.views.generic import FormView

from isms import security_events
from isms.forms import SSOConnectionForm, SSOEmailForm
from isms.models import Organization, SecurityEventKind
from isms.sso import connection as sso_connection
from isms.sso import flow
from isms.sso import session as sso_session
from isms.views.auth import SESSION_LAST_ORG
from isms.views.forms import apply_errors
from isms.views.mixins import OrgViewMixin

log = logging.getLogger("isms.security")

NOT_SET_UP = "No single sign-on is set up at this address."
TEMPLATE = "registration/sso.html"


def _safe_next(request, target: str) -> str:
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if target and allowed else ""


def _to_any_idp(view):
    """The e-mail form's answer redirects to the organisation's IdP, and a browser checks
    form-action on that redirect too: this page (our form only) may submit towards any IdP
    address (http ones only where SSO_ALLOW_LOCAL_PROVIDERS allows such IdPs)."""

    def wrapped(request, *args, **kwargs):
        schemes = ["https:", *(["http:"] if settings.SSO_ALLOW_LOCAL_PROVIDERS else [])]
        return csp_update({"form-action": schemes})(view)(request, *args, **kwargs)

    return wraps(view)(wrapped)


@_to_any_idp
@require_http_methods(["GET", "POST"])
def sso_email(request):
    """E-mail first: the address's domain names the organisation whose IdP to ask."""
    form = SSOEmailForm(request.POST or None)
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next", ""))
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        found = sso_connection.organizations_for_email(email)
        if len(found) == 1:
            organization = found[0]
            try:
                return redirect(
                    flow.start(request, organization, next_url=next_url, login_hint=email)
                )
            except flow.SSOFailure:
                pass
        form.add_error(
            "email",
            "Several organisations sign in with this domain: use the single sign-on address "
            "your organisation gave you."
            if len(found) > 1
            else "No organisation signs in with single sign-on for this address: log in with "
            "your password.",
        )
    status = 400 if request.method == "POST" else 200
    return render(request, TEMPLATE, {"form": form, "next": next_url}, status=status)


@require_GET
def sso_begin(request, org_slug: str):
    """The organisation's own sign-in address: /accounts/sso/<slug>/."""
    organization = Organization.objects.filter(slug=org_slug).first()
    next_url = _safe_next(request, request.GET.get("next", ""))
    try:
        if organization is None:
            raise flow.SSOFailure(NOT_SET_UP, status=404)
        return redirect(flow.start(request, organization, next_url=next_url))
    except flow.SSOFailure:
        return render(request, TEMPLATE, {"error": NOT_SET_UP, "form": SSOEmailForm()}, status=404)


@require_GET
def sso_callback(request):
    try:
        user, organization, next_url = flow.complete(request)
    except flow.SSOFailure as failure:
        log.warning("single sign-on refused: %s", failure.message)
        security_events.record(
            SecurityEventKind.SSO_FAILED,
            user=failure.user,
            email=failure.email,
            request=request,
            organization_id=failure.organization_id,
        )
        context = {"error": failure.message, "form": SSOEmailForm()}
        return render(request, TEMPLATE, context, status=failure.status)
    request.sso_organization_id = organization.pk  # the log-in event names this organisation
    auth_login(request, user, backend=flow.BACKEND)
    request.session[sso_session.SESSION_KEY] = organization.pk
    request.session[SESSION_LAST_ORG] = organization.slug
    return redirect(_safe_next(request, next_url) or reverse("org_home", args=[organization.slug]))


class SSOSettingsView(OrgViewMixin, FormView):
    """An admin connects the organisation's IdP (the connection itself is tenant data)."""

    template_name = "isms/sso_settings.html"
    form_class = SSOConnectionForm
    scope_map = {"GET": ["org:admin"], "POST": ["org:admin"]}

    def get_connection(self):
        if not hasattr(self, "_connection"):
            self._connection = sso_connection.connection_for(self.organization)
        return self._connection

    def get_initial(self):
        connection = self.get_connection()
        if connection is None:
            return {"enabled": True, "password_login_allowed": True}
        return {
            "enabled": connection.enabled,
            "issuer": connection.issuer,
            "client_id": connection.client_id,
            "domains": ", ".join(self.organization.sso_domains),
            "default_role": connection.default_role,
            "password_login_allowed": not self.organization.sso_required,
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["connection"] = self.get_connection()
        context["callback_url"] = self.request.build_absolute_uri(reverse("sso_callback"))
        context["sign_in_url"] = self.request.build_absolute_uri(
            reverse("sso_begin", args=[self.organization.slug])
        )
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            sso_connection.connection_save(
                organization=self.organization,
                enabled=data["enabled"],
                issuer=data["issuer"],
                client_id=data["client_id"],
                client_secret=data["client_secret"],
                domains=sso_connection.parse_domains(data["domains"]),
                default_role=data["default_role"],
                password_login_allowed=data["password_login_allowed"],
                session_is_sso=sso_session.session_organization_id(self.request)
                == self.organization.pk,
            )
        except ValidationError as error:
            apply_errors(form, error)
            return self.form_invalid(form)
        security_events.record(
            SecurityEventKind.SSO_CONFIGURED,
            user=self.request.user,
            request=self.request,
            organization_id=self.organization.pk,
        )
        messages.success(self.request, "Single sign-on settings saved.")
        return redirect("sso_settings", org_slug=self.organization.slug)

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response
