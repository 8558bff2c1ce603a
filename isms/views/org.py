"""An organisation's own pages: home, members and invitations, API keys, the audit trail."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.generic import FormView, ListView, TemplateView, View

from isms import audit_chain, exports, getting_started, home, policy, tabular
from isms.filters import AuditEventFilterSet
from isms.forms import APIKeyForm, InvitationForm, MembershipForm, OrganizationProfileForm
from isms.models import AIRole, APIKey, AuditEvent, Invitation, Membership, OrganizationProfile
from isms.selectors import trail_actor_ids
from isms.services import api_keys, organizations, profile
from isms.views.auth import SESSION_LAST_ORG
from isms.views.forms import apply_errors
from isms.views.mixins import OrgFormView, OrgViewMixin
from isms.views.pagination import CappedPaginator


class OrgHomeView(OrgViewMixin, TemplateView):
    template_name = "isms/org_home.html"
    scope_map = {"GET": ["org:read"]}

    def get(self, request, *args, **kwargs):
        if request.session.get(SESSION_LAST_ORG) != self.organization.slug:
            request.session[SESSION_LAST_ORG] = self.organization.slug
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["figures"] = home.figures(self.actor)
        context["panels"] = home.panels(self.actor)
        context["getting_started"] = getting_started.home_checklist(self.actor)
        context["member_count"] = (
            Membership.objects.active().filter(organization=self.organization).count()
        )
        return context


class MemberListView(OrgViewMixin, FormView):
    """Members and pending invitations; admins invite from here."""

    template_name = "isms/member_list.html"
    form_class = InvitationForm
    scope_map = {"GET": ["org:read"], "POST": ["org:admin"]}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["memberships"] = (
            Membership.objects.filter(organization=self.organization)
            .select_related("user")
            .order_by("user__email")
        )
        context["invitations"] = Invitation.objects.filter(
            organization=self.organization, accepted_at=None, revoked_at=None
        ).order_by("-created")
        return context

    def form_valid(self, form):
        try:
            sent = organizations.invitation_create(
                organization=self.organization,
                invited_by=self.request.user,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
            )
        except ValidationError as error:
            apply_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Invitation sent to {sent.invitation.email}.")
        return redirect("member_list", org_slug=self.organization.slug)

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class MembershipEditView(OrgViewMixin, FormView):
    template_name = "isms/membership_form.html"
    form_class = MembershipForm
    model = Membership
    scope_map = {"GET": ["org:admin"], "POST": ["org:admin"]}

    def get_membership(self) -> Membership:
        if not hasattr(self, "_membership"):
            self._membership = get_object_or_404(
                Membership.objects.select_related("user"),
                organization=self.organization,
                pk=self.kwargs["pk"],
            )
        return self._membership

    def get_initial(self):
        membership = self.get_membership()
        return {
            "role": membership.role,
            "expires_at": membership.expires_at,
            "top_management": membership.top_management,
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["membership"] = self.get_membership()
        return context

    def post(self, request, *args, **kwargs):
        if "remove" in request.POST:
            membership = self.get_membership()
            if membership.user_id == request.user.pk:
                messages.error(request, "You cannot remove yourself; ask another admin.")
                return redirect("member_list", org_slug=self.organization.slug)
            organizations.membership_remove(membership=membership)
            messages.success(request, f"{membership.user.email} was removed.")
            return redirect("member_list", org_slug=self.organization.slug)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        membership = self.get_membership()
        try:
            with transaction.atomic():
                updated = organizations.membership_set(
                    organization=self.organization,
                    user=membership.user,
                    role=form.cleaned_data["role"],
                    expires_at=form.cleaned_data["expires_at"],
                )
                organizations.membership_designate_top_management(
                    membership=updated, value=form.cleaned_data["top_management"]
                )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
            return self.form_invalid(form)
        messages.success(self.request, f"{membership.user.email} updated.")
        return redirect("member_list", org_slug=self.organization.slug)


class APIKeyListView(OrgViewMixin, FormView):
    template_name = "isms/apikey_list.html"
    form_class = APIKeyForm
    scope_map = {"GET": ["org:admin"], "POST": ["org:admin"]}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["api_keys"] = (
            APIKey.objects.filter(organization=self.organization)
            .select_related("created_by")
            .order_by("-created")
        )
        return context

    def form_valid(self, form):
        try:
            issued = api_keys.api_key_create(
                organization=self.organization,
                actor=self.request.user,
                name=form.cleaned_data["name"],
                access=form.cleaned_data["access"],
                expires_at=form.cleaned_data["expires_at"],
            )
        except api_keys.APIKeyError as error:
            form.add_error("expires_at", str(error))
            return self.form_invalid(form)
        context = self.get_context_data(form=APIKeyForm())
        context["issued"] = issued
        return self.render_to_response(context)

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class APIKeyRevokeView(OrgViewMixin, View):
    scope_map = {"POST": ["org:admin"]}
    model = APIKey

    def post(self, request, *args, **kwargs):
        key = get_object_or_404(APIKey, organization=self.organization, pk=kwargs["pk"])
        api_keys.api_key_revoke(api_key=key)
        messages.success(request, f"Key {key.display_prefix} revoked; it no longer works.")
        return redirect("apikey_list", org_slug=self.organization.slug)


class AuditTrailView(OrgViewMixin, ListView):
    template_name = "isms/audit_trail.html"
    scope_map = {"GET": ["audit:read"]}
    paginate_by = 50
    paginator_class = CappedPaginator  # a trail of 229,142 events took 120 ms to count
    context_object_name = "events"

    def get_queryset(self):
        self.filterset = AuditEventFilterSet(self.request.GET, queryset=AuditEvent.objects.all())
        return self.filterset.qs

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        if not self.filterset.is_valid():  # a refused filter (e.g. a bad date) is a 400
            response.status_code = 400
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
        context["people"] = (
            get_user_model().objects.filter(pk__in=trail_actor_ids()).order_by("email")
        )
        context["api_url"] = reverse("auditevent-list", kwargs={"org_slug": self.organization.slug})
        context["export_query"] = self.request.GET.urlencode()
        return context


class AuditChainView(OrgViewMixin, TemplateView):
    """The audit trail's hash chain recomputed now, with its first broken link named."""

    template_name = "isms/audit_chain.html"
    scope_map = {"GET": ["audit:read", "evidence:export"]}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        verification = audit_chain.verify_chain(self.organization.pk)
        context["verification"] = verification
        broken = verification.broken
        context["broken_event"] = (
            AuditEvent.objects.filter(pk=broken.event_id).first()
            if broken and broken.event_id
            else None
        )
        context["api_url"] = reverse(
            "auditevent-chain", kwargs={"org_slug": self.organization.slug}
        )
        return context


class AuditTrailExportView(OrgViewMixin, View):
    """The (filtered) audit trail as CSV or XLSX, through isms.tabular like every export."""

    scope_map = {"GET": ["audit:read"]}

    def get(self, request, *args, **kwargs):
        fmt = kwargs["fmt"]
        if fmt not in tabular.FORMATS:
            raise Http404
        filterset = AuditEventFilterSet(request.GET, queryset=AuditEvent.objects.all())
        if not filterset.is_valid():  # never export more than the filter asked for
            raise ValidationError(filterset.errors.as_data())
        events = filterset.qs
        return exports.audit_trail_response(events, fmt=fmt, organization=self.organization)


class OrganizationProfileView(OrgFormView):
    """The organisation profile: admins edit it, every member reads it."""

    model = OrganizationProfile
    template_name = "isms/organization_profile.html"
    form_class = OrganizationProfileForm
    scope_map = {"GET": ["org:read"], "POST": ["org:admin"]}
    success_message = "Organisation profile saved."

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = profile.organization_profile()
        kwargs["read_only"] = not policy.can(self.actor, "change", kwargs["instance"])
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["may_edit"] = not context["form"].fields["legal_type"].disabled
        context["profile"] = context["form"].instance
        labels = dict(AIRole.choices)
        context["role_labels"] = [labels[r] for r in context["profile"].ai_roles if r in labels]
        return context

    def perform(self, form):
        return profile.organization_profile_update(actor=self.actor, **form.cleaned_data)

    def get_success_url(self):
        return reverse("organization_profile", args=[self.organization.slug])
