"""The asset register in the browser: /o/<slug>/assets/…"""

from __future__ import annotations

from pathlib import PurePosixPath

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import DetailView, FormView, ListView, View

from isms import tabular, uploads
from isms.errors import DomainError, NotPermitted
from isms.models import AuditEvent
from isms.views.forms import apply_errors
from isms.views.mixins import OrgViewMixin
from suppliers.models import Supplier

from . import csvio, selectors, services
from .filters import AssetFilterSet
from .forms import (
    AssetForm,
    BulkForm,
    DependencyForm,
    EvaluationForm,
    ImportForm,
    ShadowReportForm,
    TriageAcceptForm,
    TriageDismissForm,
    members_queryset,
)
from .models import AI_TYPES, Asset, AssetDependency, ResponsibleAIEvaluation

READ = {"GET": ["assets:read"]}
WRITE = {"GET": ["assets:read"], "POST": ["assets:write"]}
TABS = [
    ("overview", "Overview"),
    ("ai", "AI details"),
    ("evaluations", "Evaluations"),
    ("dependencies", "Dependencies"),
    ("history", "History"),
]


def _asset_url(asset, tab: str = "") -> str:
    url = reverse("asset_detail", args=[asset.organization.slug, asset.pk])
    return f"{url}?tab={tab}" if tab else url


class BadRequestFormMixin:
    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


# --- The register ----------------------------------------------------------------------------


class AssetListView(OrgViewMixin, ListView):
    template_name = "assets/asset_list.html"
    scope_map = READ
    paginate_by = 50
    context_object_name = "assets"

    def get_queryset(self):
        data = self.request.GET.copy()
        data.setdefault("ordering", "name")
        self.filterset = AssetFilterSet(data, queryset=selectors.assets_for_list())
        return self.filterset.qs

    def get_template_names(self):
        if self.request.htmx and not self.request.htmx.boosted:
            return ["assets/_asset_rows.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            nav="assets",
            filter=self.filterset,
            members=list(members_queryset()),
            suppliers=list(Supplier.objects.order_by("name").only("pk", "name")),
            bulk_form=kwargs.get("bulk_form") or BulkForm(),
            can_bulk=self.actor.has_scope("assets:write"),
            is_manager=services.is_asset_manager(self.actor),
            ai_types=AI_TYPES,
        )
        return context


class AssetBulkView(OrgViewMixin, View):
    """Assign an owner, a classification or a lifecycle stage to the ticked assets."""

    scope_map = {"POST": ["assets:write"]}

    def post(self, request, *args, **kwargs):
        form = BulkForm(request.POST)
        back = reverse("asset_list", args=[self.organization.slug])
        query = request.POST.get("return_query", "")
        if not form.is_valid():
            errors = "; ".join(e for errs in form.errors.values() for e in errs)
            messages.error(request, f"Nothing changed: {errors}")
            return redirect(f"{back}?{query}")
        action = form.cleaned_data["action"]
        ids = form.cleaned_data["selected"]
        try:
            if action == "owner":
                count = services.assets_bulk_update(
                    actor=self.actor, asset_ids=ids, owner=form.cleaned_data["owner"]
                )
            else:
                count = services.assets_bulk_update(
                    actor=self.actor, asset_ids=ids, **{action: form.cleaned_data[action]}
                )
        except (ValidationError, DomainError) as error:
            text = error.message if isinstance(error, DomainError) else "; ".join(error.messages)
            messages.error(request, f"Nothing changed: {text}")
            return redirect(f"{back}?{query}")
        messages.success(request, f"{count} asset(s) updated.")
        return redirect(f"{back}?{query}")


class AssetExportView(OrgViewMixin, View):
    scope_map = READ

    def get(self, request, *args, **kwargs):
        queryset = AssetFilterSet(request.GET, queryset=selectors.assets_for_list()).qs
        fmt = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
        return csvio.export_response(queryset, fmt=fmt, filename=f"{self.organization.slug}-assets")


class AssetImportView(OrgViewMixin, BadRequestFormMixin, FormView):
    template_name = "assets/asset_import.html"
    form_class = ImportForm
    scope_map = WRITE

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(nav="assets", columns=csvio.COLUMNS)
        return context

    def form_valid(self, form):
        try:
            upload = form.cleaned_data["file"]
            result = csvio.import_table(
                actor=self.actor, content=upload.read(), filename=upload.name or ""
            )
        except tabular.ImportRefused as refused:
            context = self.get_context_data(form=form, row_errors=refused.errors)
            return self.render_to_response(context, status=400)
        messages.success(
            self.request, f"Imported: {result.created} created, {result.updated} updated."
        )
        return redirect("asset_list", org_slug=self.organization.slug)


# --- One asset -------------------------------------------------------------------------------


class AssetDetailView(OrgViewMixin, DetailView):
    template_name = "assets/asset_detail.html"
    scope_map = READ
    model = Asset
    context_object_name = "asset"

    def get_base_queryset(self):
        return selectors.asset_detail()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        asset = self.object
        tab = self.request.GET.get("tab", "overview")
        if tab not in dict(TABS):
            tab = "overview"
        can_edit = services.can_edit_asset(self.actor, asset)
        context.update(
            nav="assets",
            tabs=TABS,
            tab=tab,
            can_edit=can_edit,
            can_evaluate=services.can_record_evaluation(self.actor, asset),
            is_manager=services.is_asset_manager(self.actor),
            is_ai=asset.asset_type in AI_TYPES,
        )
        if tab == "evaluations":
            context["evaluations"] = list(
                asset.evaluations.select_related("recorded_by").order_by("-performed_on", "-id")
            )
        elif tab == "dependencies":
            context["depends_on"] = list(
                AssetDependency.objects.filter(asset=asset).select_related("depends_on")
            )
            context["dependents"] = list(
                AssetDependency.objects.filter(depends_on=asset).select_related("asset")
            )
            context["graph"] = selectors.dependency_graph(asset)
            if can_edit:
                context["dependency_form"] = kwargs.get("dependency_form") or DependencyForm(
                    asset=asset
                )
        elif tab == "history":
            context["events"] = AuditEvent.objects.for_object(asset)[:200]
        return context


class AssetCreateView(OrgViewMixin, BadRequestFormMixin, FormView):
    template_name = "assets/asset_form.html"
    form_class = AssetForm
    scope_map = WRITE

    def get_initial(self):
        return {"owner": self.request.user.pk, "classification": "internal"}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["nav"] = "assets"
        return context

    def form_valid(self, form):
        values = form.service_values()
        try:
            asset = services.asset_create(actor=self.actor, **values)
        except NotPermitted as error:
            raise PermissionDenied(error.message) from error
        except (ValidationError, DomainError) as error:
            apply_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"{asset.name} added to the register.")
        return redirect(_asset_url(asset))


class AssetUpdateView(OrgViewMixin, BadRequestFormMixin, FormView):
    template_name = "assets/asset_form.html"
    form_class = AssetForm
    scope_map = WRITE
    model = Asset

    def dispatch(self, request, *args, **kwargs):
        return super().dispatch(request, *args, **kwargs)

    def setup_asset(self):
        if not hasattr(self, "asset"):
            self.asset = self.get_object()
            if not services.can_edit_asset(self.actor, self.asset):
                raise PermissionDenied(
                    "Only the owner of this asset, an officer or an admin may change it."
                )
        return self.asset

    def get(self, request, *args, **kwargs):
        self.setup_asset()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.setup_asset()
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.asset
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(nav="assets", asset=self.asset)
        return context

    def form_valid(self, form):
        try:
            services.asset_update(actor=self.actor, asset=self.asset, **form.service_values())
        except NotPermitted as error:
            raise PermissionDenied(error.message) from error
        except (ValidationError, DomainError) as error:
            apply_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"{self.asset.name} saved.")
        return redirect(_asset_url(self.asset))


class AssetActionView(OrgViewMixin, View):
    """Base for POST-only actions on one asset; refusals come back as messages."""

    scope_map = {"POST": ["assets:write"]}
    model = Asset

    def act(self, asset) -> str:
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        asset = self.get_object()
        try:
            text = self.act(asset)
        except NotPermitted as error:
            raise PermissionDenied(error.message) from error
        except (ValidationError, DomainError) as error:
            text = error.message if isinstance(error, DomainError) else "; ".join(error.messages)
            messages.error(request, text)
            return redirect(_asset_url(asset))
        messages.success(request, text)
        return redirect(_asset_url(asset))


class AssetRetireView(AssetActionView):
    def act(self, asset):
        services.asset_retire(actor=self.actor, asset=asset)
        return f"{asset.name} retired; its record and history stay."


class AssetReviewedView(AssetActionView):
    def act(self, asset):
        services.asset_mark_reviewed(actor=self.actor, asset=asset)
        return f"{asset.name} marked as reviewed today."


class AssetPromoteView(AssetActionView):
    def act(self, asset):
        services.asset_promote_to_production(actor=self.actor, asset=asset, change_request=None)
        return f"{asset.name} is in production."


class DependencyAddView(OrgViewMixin, View):
    scope_map = {"POST": ["assets:write"]}
    model = Asset

    def post(self, request, *args, **kwargs):
        asset = self.get_object()
        if not services.can_edit_asset(self.actor, asset):
            raise PermissionDenied("Only the owner, an officer or an admin may change this asset.")
        form = DependencyForm(request.POST, asset=asset)
        if form.is_valid():
            other = form.cleaned_data["other"]
            dependent, dependency = (
                (asset, other) if form.cleaned_data["direction"] == "depends_on" else (other, asset)
            )
            try:
                services.dependency_add(
                    actor=self.actor,
                    asset=dependent,
                    depends_on=dependency,
                    kind=form.cleaned_data["kind"],
                    note=form.cleaned_data["note"],
                )
            except NotPermitted as error:
                form.add_error(None, error.message)
            except (ValidationError, DomainError) as error:
                if isinstance(error, ValidationError) and "depends_on" in error.message_dict:
                    form.add_error("other", error.message_dict["depends_on"])
                else:
                    apply_errors(form, error)
            else:
                messages.success(request, "Dependency added.")
                return redirect(_asset_url(asset, "dependencies"))
        view = AssetDetailView()
        view.setup(request, *args, **kwargs)
        view.actor = self.actor
        view.object = selectors.asset_detail().get(pk=asset.pk)
        request.GET = request.GET.copy()
        request.GET["tab"] = "dependencies"
        context = view.get_context_data(object=view.object, dependency_form=form)
        response = view.render_to_response(context)
        response.status_code = 400
        return response


class DependencyRemoveView(OrgViewMixin, View):
    scope_map = {"POST": ["assets:write"]}
    model = AssetDependency

    def get_base_queryset(self):
        return AssetDependency.objects.select_related("asset", "asset__organization")

    def post(self, request, *args, **kwargs):
        dependency = self.get_object()
        try:
            services.dependency_remove(actor=self.actor, dependency=dependency)
        except NotPermitted as error:
            raise PermissionDenied(error.message) from error
        messages.success(request, "Dependency removed.")
        return redirect(_asset_url(dependency.asset, "dependencies"))


class EvaluationCreateView(OrgViewMixin, BadRequestFormMixin, FormView):
    template_name = "assets/evaluation_form.html"
    form_class = EvaluationForm
    scope_map = WRITE
    model = Asset

    def setup_asset(self):
        self.asset = self.get_object()
        if not services.can_record_evaluation(self.actor, self.asset):
            raise PermissionDenied("Only the owner, an officer or an admin may record evaluations.")

    def get(self, request, *args, **kwargs):
        self.setup_asset()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.setup_asset()
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(nav="assets", asset=self.asset)
        return context

    def form_valid(self, form):
        try:
            services.evaluation_record(actor=self.actor, asset=self.asset, **form.cleaned_data)
        except (ValidationError, DomainError) as error:
            apply_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "Evaluation recorded.")
        return redirect(_asset_url(self.asset, "evaluations"))


class EvaluationEvidenceView(OrgViewMixin, View):
    """Download an evaluation's evidence file (tenant-checked, never a public media URL)."""

    scope_map = READ
    model = ResponsibleAIEvaluation

    def get(self, request, *args, **kwargs):
        from django.http import Http404

        evaluation = self.get_object()
        if not evaluation.evidence:
            raise Http404
        suffix = PurePosixPath(evaluation.evidence.name).suffix
        name = f"{evaluation.kind}-evaluation-{evaluation.performed_on.isoformat()}{suffix}"
        return uploads.attachment_response(evaluation.evidence, filename=name)


# --- Shadow AI -------------------------------------------------------------------------------


class ShadowReportView(OrgViewMixin, BadRequestFormMixin, FormView):
    template_name = "assets/shadow_report_form.html"
    form_class = ShadowReportForm
    scope_map = WRITE

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["nav"] = "assets"
        return context

    def form_valid(self, form):
        try:
            services.shadow_ai_report(actor=self.actor, **form.cleaned_data)
        except (ValidationError, DomainError) as error:
            apply_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            "Thank you: the compliance officers will look at it and name an owner.",
        )
        return redirect("asset_list", org_slug=self.organization.slug)


class TriageQueueView(OrgViewMixin, ListView):
    template_name = "assets/triage_queue.html"
    scope_map = READ
    paginate_by = 50
    context_object_name = "reports"

    def get_queryset(self):
        return selectors.triage_queue()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            nav="assets",
            is_manager=services.is_asset_manager(self.actor),
            accept_form=kwargs.get("accept_form") or TriageAcceptForm(),
            dismiss_form=TriageDismissForm(),
            error_for=kwargs.get("error_for"),
            decision_form=kwargs.get("decision_form"),
        )
        return context


class TriageDecisionView(OrgViewMixin, View):
    scope_map = {"POST": ["assets:write"]}
    model = Asset
    decision = "accept"

    def post(self, request, *args, **kwargs):
        report = self.get_object()
        if not services.is_asset_manager(self.actor):
            raise PermissionDenied("Only officers and admins triage reported AI tools.")
        if self.decision == "accept":
            form = TriageAcceptForm(request.POST)
        else:
            form = TriageDismissForm(request.POST)
        if form.is_valid():
            try:
                if self.decision == "accept":
                    services.shadow_ai_accept(actor=self.actor, asset=report, **form.cleaned_data)
                    text = f"{report.name} accepted into the register."
                else:
                    services.shadow_ai_dismiss(
                        actor=self.actor, asset=report, reason=form.cleaned_data["reason"]
                    )
                    text = f"{report.name} dismissed."
            except NotPermitted as error:
                raise PermissionDenied(error.message) from error
            except (ValidationError, DomainError) as error:
                apply_errors(form, error)
            else:
                messages.success(request, text)
                return redirect("asset_triage", org_slug=self.organization.slug)
        view = TriageQueueView()
        view.setup(request, *args, **kwargs)
        view.actor = self.actor
        view.object_list = view.get_queryset()
        context = view.get_context_data(error_for=report.pk, decision_form=form)
        response = view.render_to_response(context)
        response.status_code = 400
        return response
