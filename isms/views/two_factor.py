"""Two-step log-in, enrolment of an authenticator app, and the organisation's requirement
(issue 18). The rules live in isms.two_factor; these views only ask and answer."""

from __future__ import annotations

import time

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from isms import security_events, two_factor
from isms.client import client_ip
from isms.forms import LoginForm
from isms.models import SecurityEventKind
from isms.views.mixins import OrgViewMixin

PENDING_SECONDS = 300
REFUSED = "That code is not valid: enter the six digits your authenticator app shows now."


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code from your authenticator app",
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class LoginView(auth_views.LoginView):
    """The password step; a person with an authenticator app is asked for a code next and is
    logged in only once it matches."""

    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if two_factor.confirmed_device(user) is None:
            return super().form_valid(form)
        self.request.session[two_factor.PENDING_KEY] = {
            "user": user.pk,
            "backend": user.backend,
            "next": self.get_success_url(),
            "at": time.time(),
        }
        return redirect("two_factor_verify")


class TwoFactorVerifyView(View):
    template_name = "registration/two_factor_verify.html"

    def dispatch(self, request, *args, **kwargs):
        pending = request.session.get(two_factor.PENDING_KEY) or {}
        fresh = time.time() - pending.get("at", 0) < PENDING_SECONDS
        self.user = get_user_model().objects.filter(pk=pending.get("user"), is_active=True).first()
        self.device = two_factor.confirmed_device(self.user) if self.user and fresh else None
        if self.device is None:
            request.session.pop(two_factor.PENDING_KEY, None)
            messages.info(request, "Log in again: the code step waits five minutes at most.")
            return redirect("login")
        self.pending = pending
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return render(request, self.template_name, {"form": CodeForm()})

    def post(self, request):
        form = CodeForm(request.POST)
        if form.is_valid() and two_factor.code_matches(
            self.device,
            form.cleaned_data["code"],
            account=self.user.email,
            address=client_ip(request),
        ):
            request.session.pop(two_factor.PENDING_KEY, None)
            auth_login(request, self.user, backend=self.pending["backend"])
            two_factor.mark_verified(request, self.device)
            return redirect(self.pending["next"])
        if form.is_valid():
            security_events.record(
                SecurityEventKind.TWO_FACTOR_FAILED, user=self.user, request=request
            )
            form.add_error("code", REFUSED)
        return render(request, self.template_name, {"form": form}, status=400)


class TwoFactorView(LoginRequiredMixin, View):
    """A person's own second factor: enrol an authenticator app, or remove it."""

    template_name = "isms/two_factor.html"

    def _next(self):
        target = self.request.GET.get("next") or self.request.POST.get("next") or ""
        allowed = url_has_allowed_host_and_scheme(
            target, allowed_hosts={self.request.get_host()}, require_https=self.request.is_secure()
        )
        return target if allowed else ""

    def _page(self, form=None, status=200):
        user = self.request.user
        device = two_factor.confirmed_device(user)
        context = {"device": device, "form": form or CodeForm(), "next": self._next()}
        if device is None:
            enrolling = two_factor.enrolment_device(user)
            context["qr_svg"] = two_factor.provisioning_svg(enrolling, user.email)
            context["secret"] = two_factor.manual_secret(enrolling)
        context["verified"] = two_factor.session_verified(self.request)
        return render(self.request, self.template_name, context, status=status)

    def get(self, request):
        return self._page()

    def post(self, request):
        user = request.user
        form = CodeForm(request.POST)
        enrolled = two_factor.confirmed_device(user)
        device = enrolled or two_factor.enrolment_device(user)
        if not form.is_valid() or not two_factor.code_matches(
            device, form.cleaned_data["code"], account=user.email, address=client_ip(request)
        ):
            if form.is_valid():
                form.add_error("code", REFUSED)
            return self._page(form, status=400)
        if enrolled is not None and request.POST.get("action") == "verify":
            two_factor.mark_verified(request, device)
            return redirect(self._next() or "two_factor")
        if enrolled is None:
            two_factor.confirm(device)
            two_factor.mark_verified(request, device)
            security_events.record(SecurityEventKind.TWO_FACTOR_ENABLED, user=user, request=request)
            messages.success(
                request, "Two-factor authentication is on: log-ins now ask for a code."
            )
            return redirect(self._next() or "two_factor")
        two_factor.remove(user)
        request.session.pop(two_factor.SESSION_KEY, None)
        security_events.record(SecurityEventKind.TWO_FACTOR_DISABLED, user=user, request=request)
        messages.success(request, "Two-factor authentication is off for your account.")
        return redirect("two_factor")


class OrganizationTwoFactorView(OrgViewMixin, View):
    """An admin requires (or stops requiring) a second factor of every member."""

    scope_map = {"POST": ["org:admin"]}

    def post(self, request, *args, **kwargs):
        organization = self.organization
        require = request.POST.get("require") == "1"
        if require and not two_factor.session_verified(request):
            messages.error(
                request,
                "Set up two-factor authentication for yourself first (your account menu), so "
                "that requiring it cannot lock you out.",
            )
            return redirect("member_list", org_slug=organization.slug)
        if organization.require_two_factor != require:
            organization.require_two_factor = require
            organization.save(update_fields=["require_two_factor"])
            security_events.record(
                SecurityEventKind.TWO_FACTOR_REQUIRED
                if require
                else SecurityEventKind.TWO_FACTOR_NOT_REQUIRED,
                user=request.user,
                request=request,
                organization_id=organization.pk,
            )
        messages.success(
            request,
            "Every member now needs two-factor authentication."
            if require
            else "Two-factor authentication is no longer required (members may keep using it).",
        )
        return redirect("member_list", org_slug=organization.slug)
