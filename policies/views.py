"""The policies pages, under /o/<org_slug>/policies/.

Views go: look the object up in the organisation (404 for a missing or another
organisation's object) → parse input → call one service. A button (a transition) answers with
a redirect and a message in words, done or refused; bad input on a form page re-renders the
form with 400 (isms.views.mixins.OrgFormView).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.generic import DetailView, TemplateView, View

from isms import policy as authz
from isms import uploads
from isms.client import client_ip
from isms.errors import DomainError
from isms.models import AuditEvent
from isms.rates import percent
from isms.views.errors import error_status, refusal_response
from isms.views.forms import apply_errors
from isms.views.mixins import OrgFormView, OrgListView, OrgViewMixin
from policies import selectors, services
from policies.access import can_see_acknowledgements
from policies.filters import PolicyFilterSet
from policies.forms import (
    FromTemplateForm,
    NewVersionForm,
    PolicyControlsForm,
    PolicyForm,
    ReturnForm,
    SubmitForm,
    VersionForm,
)
from policies.models import AISection, Policy, PolicyVersion, VersionStatus
from policies.rendering import diff_summary, render_markdown, side_by_side, unified_diff
from policies.starters import TEMPLATES
from policies.workflows import allowed_actions

READ = {"GET": ["policies:read"]}
_PLACEHOLDER = 987654321
WRITE = {"GET": ["policies:read"], "POST": ["policies:write"]}


class PolicyListView(OrgListView):
    template_name = "policies/policy_list.html"
    rows_template = "policies/_policy_rows.html"
    scope_map = READ
    filterset_class = PolicyFilterSet
    selector = selectors.policy_list
    context_object_name = "policies"
    nav = "policies"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        labels = dict(VersionStatus.choices)
        kinds = dict(Policy._meta.get_field("kind").flatchoices)
        # What each row shows, worked out once per row here rather than by the template
        # (a reverse() and method calls per row were most of the page's time).
        detail = reverse("policies:policy_detail", args=[self.organization.slug, _PLACEHOLDER])
        for policy in context["policies"]:
            policy.latest_status_label = labels.get(policy.latest_status, "")
            policy.kind_label = kinds.get(policy.kind, policy.kind)
            policy.detail_url = detail.replace(str(_PLACEHOLDER), str(policy.pk))
            policy.missing_ai_count = len(policy.missing_ai_sections)
            policy.owner_name = policy.owner.get_full_name() or policy.owner.email
        context.update(
            today=timezone.localdate(),
            to_read_count=selectors.versions_to_acknowledge(self.actor).count(),
            can_create=authz.can(self.actor, "create", Policy),
        )
        return context


class PolicyFormMixin:
    template_name = "policies/policy_form.html"
    form_class = PolicyForm
    scope_map = {"GET": ["policies:write"], "POST": ["policies:write"]}
    nav = "policies"

    def get_success_url(self) -> str:
        return reverse("policies:policy_detail", args=[self.organization.slug, self.object.pk])


class PolicyCreateView(PolicyFormMixin, OrgFormView):
    success_message = "Policy “{obj.title}” created."

    def get_initial(self):
        return {"owner": self.actor.user_id}

    def perform(self, form):
        return services.policy_create(actor=self.actor, **form.cleaned_data)


class PolicyEditView(PolicyFormMixin, OrgFormView):
    model = Policy
    success_message = "Policy “{obj.title}” saved."

    def get_policy(self) -> Policy:
        if not hasattr(self, "policy"):
            self.policy = self.get_object()
            authz.require(self.actor, "change", self.policy)
        return self.policy

    def get_initial(self):
        policy = self.get_policy()
        return {f: getattr(policy, f) for f in services.POLICY_FIELDS}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["policy"] = self.get_policy()
        return context

    def perform(self, form):
        return services.policy_update(
            actor=self.actor, policy=self.get_policy(), **form.cleaned_data
        )


class TemplateListView(OrgViewMixin, TemplateView):
    template_name = "policies/template_list.html"
    scope_map = WRITE

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            nav="policies",
            templates=TEMPLATES.values(),
            can_create=authz.can(self.actor, "create", Policy()),
        )
        context.setdefault("form", FromTemplateForm())
        return context

    def post(self, request, *args, **kwargs):
        form = FromTemplateForm(request.POST)
        if form.is_valid():
            try:
                version = services.policy_create_from_template(
                    actor=self.actor,
                    template_key=form.cleaned_data["template"],
                    title=form.cleaned_data["title"] or None,
                )
            except (ValidationError, DomainError) as error:
                apply_errors(form, error)
                return self.render_to_response(
                    self.get_context_data(form=form), status=error_status(error)
                )
            messages.success(
                request, f"Policy “{version.policy.title}” created with draft v{version.number}."
            )
            return redirect("policies:version_edit", self.organization.slug, version.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class PolicyDetailView(OrgViewMixin, DetailView):
    """Everything an auditor asks about one policy: the text in force, who approved it, who
    has (not) read it, every version with who moved it when, and the history."""

    template_name = "policies/policy_detail.html"
    model = Policy
    scope_map = READ
    context_object_name = "policy"

    def get_base_queryset(self):
        return Policy.objects.select_related("owner")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        policy = self.object
        versions = list(selectors.versions_with_acknowledgements(policy))
        published = next((v for v in versions if v.status == VersionStatus.PUBLISHED), None)
        see = can_see_acknowledgements(self.actor)
        audience = selectors.audience_memberships(policy).count()
        for version in versions:
            count = version.acknowledged_count or 0
            version.rate = percent(count, audience)
        context.update(
            nav="policies",
            versions=versions,
            published=published,
            published_html=render_markdown(published.body_markdown) if published else "",
            audience_count=audience,
            can_see_acknowledgements=see,
            not_acknowledged=list(selectors.members_not_acknowledged(published))
            if published and see
            else [],
            can_edit=authz.can(self.actor, "change", policy),
            open_version=next(
                (v for v in versions if v.status in (VersionStatus.DRAFT, VersionStatus.IN_REVIEW)),
                None,
            ),
            new_version_form=NewVersionForm(),
            controls=selectors.policy_controls(policy),
            ai_checklist=[
                (label, value in policy.ai_sections) for value, label in AISection.choices
            ],
            events=AuditEvent.objects.for_object(policy)[:50],
        )
        return context


class VersionCreateView(OrgViewMixin, View):
    """Start the next version of a policy (a draft), optionally adding an AI section."""

    model = Policy
    scope_map = {"POST": ["policies:write"]}

    def post(self, request, *args, **kwargs):
        policy = self.get_object()
        form = NewVersionForm(request.POST)
        template = form.cleaned_data["template"] if form.is_valid() else None
        try:
            version = services.version_create_draft(
                actor=self.actor, policy=policy, append_template=template or None
            )
        except (DomainError, ValidationError) as error:
            back = reverse("policies:policy_detail", args=[self.organization.slug, policy.pk])
            return refusal_response(request, error, back)
        messages.success(request, f"Draft v{version.number} started: write the changes.")
        return redirect("policies:version_edit", self.organization.slug, version.pk)


class VersionMixin(OrgViewMixin):
    model = PolicyVersion

    def get_base_queryset(self):
        return PolicyVersion.objects.select_related(
            "policy",
            "policy__owner",
            "author",
            "submitted_by",
            "returned_by",
            "approved_by",
            "published_by",
            "superseded_by",
            "retired_by",
        )

    def version_context(self, version, **extra) -> dict:
        see = can_see_acknowledgements(self.actor)
        context = {
            "organization": self.organization,
            "nav": "policies",
            "version": version,
            "policy": version.policy,
            "body_html": render_markdown(version.body_markdown),
            "actions": allowed_actions(self.actor, version),
            "can_edit": version.is_editable and authz.can(self.actor, "change", version),
            "grants": selectors.version_grants(version),
            "other_versions": PolicyVersion.objects.filter(policy=version.policy)
            .exclude(pk=version.pk)
            .order_by("-number"),
            "return_form": ReturnForm(),
            "can_see_acknowledgements": see,
            "ack": selectors.acknowledgement_status(version)
            if see and version.status != VersionStatus.DRAFT
            else None,
            "my_acknowledgement": version.acknowledgements.filter(
                user_id=self.actor.user_id
            ).first()
            if self.actor.user_id
            else None,
            "in_my_audience": authz.can(self.actor, "acknowledge", version),
            "events": AuditEvent.objects.for_object(version)[:50],
        }
        context.update(extra)
        return context


class VersionDetailView(VersionMixin, View):
    scope_map = READ

    def get(self, request, *args, **kwargs):
        version = self.get_object()
        return render(request, "policies/version_detail.html", self.version_context(version))


class VersionEditView(VersionMixin, OrgFormView):
    scope_map = {"GET": ["policies:write"], "POST": ["policies:write"]}
    template_name = "policies/version_form.html"
    form_class = VersionForm
    success_message = "Draft v{obj.number} saved."

    def get_version(self) -> PolicyVersion:
        if not hasattr(self, "version"):
            self.version = self.get_object()
        return self.version

    def get(self, request, *args, **kwargs):
        version = self.get_version()
        authz.require(self.actor, "change", version)
        if not version.is_editable:
            messages.info(request, f"Version {version.number} is no longer a draft.")
            return redirect("policies:version_detail", self.organization.slug, version.pk)
        return super().get(request, *args, **kwargs)

    def get_initial(self):
        version = self.get_version()
        return {"body_markdown": version.body_markdown, "change_summary": version.change_summary}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.version_context(self.get_version(), form=context["form"]))
        return context

    def perform(self, form):
        version = self.get_version()
        document = form.cleaned_data["document"]
        services.version_update_draft(
            actor=self.actor,
            version=version,
            body_markdown=None if document else form.cleaned_data["body_markdown"],
            document=document,
            change_summary=form.cleaned_data["change_summary"],
        )
        return version

    def get_success_url(self) -> str:
        return reverse("policies:version_detail", args=[self.organization.slug, self.object.pk])


class VersionSubmitView(VersionMixin, View):
    scope_map = {"GET": ["policies:write"], "POST": ["policies:write"]}
    template_name = "policies/version_submit.html"

    def _form(self, data=None):
        return SubmitForm(data)

    def get(self, request, *args, **kwargs):
        version = self.get_object()
        authz.require(self.actor, "submit", version)
        context = self.version_context(version, form=self._form())
        return render(request, self.template_name, context)

    def post(self, request, *args, **kwargs):
        version = self.get_object()
        form = self._form(request.POST)
        status = 400
        if form.is_valid():
            try:
                services.version_submit(
                    actor=self.actor,
                    version=version,
                    approver=form.cleaned_data["approver"],
                    reviewers=form.cleaned_data["reviewers"],
                )
            except ValidationError as error:
                apply_errors(form, error)
            except DomainError as error:
                form.add_error(None, error.message)
                status = error.status_code
            else:
                messages.success(request, f"Version {version.number} submitted for review.")
                return redirect("policies:version_detail", self.organization.slug, version.pk)
        context = self.version_context(version, form=form)
        return render(request, self.template_name, context, status=status)


class VersionTransitionView(VersionMixin, View):
    """POST-only buttons: approve, publish, retire, return to draft, delete a draft."""

    scope_map = {"POST": ["policies:write"]}
    action: str = ""
    DONE = {
        "approve": "Version {n} approved.",
        "publish": "Version {n} published; its audience is asked to acknowledge it.",
        "retire": "Version {n} retired.",
        "return_to_draft": "Version {n} returned to its author.",
        "delete": "Draft {n} deleted.",
    }

    def post(self, request, *args, **kwargs):
        version = self.get_object()
        here = reverse("policies:version_detail", args=[self.organization.slug, version.pk])
        try:
            if self.action == "return_to_draft":
                services.version_return_to_draft(
                    actor=self.actor, version=version, note=request.POST.get("note", "")
                )
            elif self.action == "delete":
                services.version_delete_draft(actor=self.actor, version=version)
                messages.success(request, self.DONE["delete"].format(n=version.number))
                return redirect("policies:policy_detail", self.organization.slug, version.policy_id)
            else:
                services.TRANSITION_SERVICES[self.action](actor=self.actor, version=version)
        except (DomainError, ValidationError) as error:
            return refusal_response(request, error, here)
        messages.success(request, self.DONE[self.action].format(n=version.number))
        return redirect(here)


class VersionDiffView(VersionMixin, View):
    scope_map = READ

    def get(self, request, *args, **kwargs):
        version = self.get_object()
        others = PolicyVersion.objects.filter(policy=version.policy).exclude(pk=version.pk)
        against = None
        against_id = request.GET.get("against", "")
        if against_id.isdigit():
            against = (
                PolicyVersion.objects.filter(pk=int(against_id)).select_related("policy").first()
            )
        if against is None:
            against = others.filter(number__lt=version.number).order_by("-number").first()
        view = "unified" if request.GET.get("view") == "unified" else "side"
        context = self.version_context(version, against=against, view=view, others=others)
        if against is not None:
            old, new = (
                (against, version) if against.number <= version.number else (version, against)
            )
            context.update(old=old, new=new)
            context["comparable"] = not old.document and not new.document
            if context["comparable"]:
                rows = side_by_side(old.body_markdown, new.body_markdown)
                context["rows"] = rows
                context["summary"] = diff_summary(rows)
                context["unified_lines"] = unified_diff(
                    old.body_markdown,
                    new.body_markdown,
                    old_label=f"v{old.number}",
                    new_label=f"v{new.number}",
                ).splitlines()
        return render(request, "policies/version_diff.html", context)


class VersionDocumentView(VersionMixin, View):
    scope_map = READ

    def get(self, request, *args, **kwargs):
        version = self.get_object()
        if not version.document:
            raise Http404
        return uploads.attachment_response(version.document, filename=version.document_name)


class AcknowledgeView(VersionMixin, View):
    """One click: the member confirms they have read this version (HTMX swaps the cell)."""

    scope_map = {"POST": ["policies:write"]}

    def post(self, request, *args, **kwargs):
        version = self.get_object()
        try:
            acknowledgement = services.acknowledge(
                actor=self.actor, version=version, ip_address=client_ip(request)
            )
        except DomainError as error:
            if request.htmx:
                return render(
                    request,
                    "policies/_ack_cell.html",
                    {"version": version, "error": error.message, "organization": self.organization},
                    status=error.status_code,
                )
            messages.error(request, error.message)
            return redirect("policies:version_detail", self.organization.slug, version.pk)
        if request.htmx:
            my_policies = reverse("policies:my_policies", args=[self.organization.slug])
            on_my_policies = urlsplit(request.htmx.current_url or "").path == my_policies
            return render(
                request,
                "policies/_ack_cell.html",
                {
                    "version": version,
                    "acknowledged_at": acknowledgement.acknowledged_at,
                    "organization": self.organization,
                    # "N policies to read" above the list counts this one no more.
                    "refreshed_pending": selectors.versions_to_acknowledge(self.actor).count()
                    if on_my_policies
                    else None,
                },
            )
        messages.success(request, f"Thank you: you acknowledged {version}.")
        return redirect(
            request.POST.get("next")
            or reverse("policies:my_policies", args=[self.organization.slug])
        )


class VersionAcknowledgementsView(VersionMixin, View):
    """Who has read this version and who has not (officers, admins, auditors)."""

    scope_map = READ

    def get(self, request, *args, **kwargs):
        version = self.get_object()
        if not can_see_acknowledgements(self.actor):
            raise PermissionDenied("Only officers, admins and auditors see who has read a policy.")
        context = self.version_context(
            version,
            acknowledgements=selectors.acknowledgements_of(version),
            not_acknowledged=selectors.members_not_acknowledged(version),
        )
        return render(request, "policies/version_acknowledgements.html", context)


class MyPoliciesView(OrgListView):
    """Every member's reading list: published policies addressed to them (one page)."""

    template_name = "policies/my_policies.html"
    scope_map = READ
    context_object_name = "versions"
    paginate_by = None
    nav = "policies"

    def get_selector_queryset(self):
        return selectors.my_published_versions(self.actor)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["pending"] = sum(1 for v in context["versions"] if v.my_acknowledged_at is None)
        return context


class PolicyControlsView(OrgFormView):
    """Choose the library controls the policy implements (their SoA rows list it)."""

    model = Policy
    nav = "policies"
    scope_map = {"GET": ["policies:write"], "POST": ["policies:write"]}
    template_name = "policies/policy_controls.html"
    form_class = PolicyControlsForm

    def get_policy(self) -> Policy:
        if not hasattr(self, "policy"):
            self.policy = self.get_object()
            authz.require(self.actor, "change", self.policy)
        return self.policy

    def get_initial(self):
        return {"controls": [c.pk for c in selectors.policy_controls(self.get_policy())]}

    def get_context_data(self, **kwargs):
        return super().get_context_data(policy=self.get_policy(), **kwargs)

    def perform(self, form):
        services.policy_controls_set(
            actor=self.actor, policy=self.get_policy(), controls=form.cleaned_data["controls"]
        )
        return self.get_policy()

    def get_success_url(self):
        return reverse("policies:policy_detail", args=[self.organization.slug, self.policy.pk])

    success_message = "Controls of “{obj.title}” saved."
