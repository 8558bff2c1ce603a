"""The asset register in the browser: /o/<slug>/assets/…"""

from __future__ import annotations

from pathlib import PurePosixPath

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import DetailView, FormView, View

from isms import policy, tabular, uploads
from isms.errors import DomainError
from isms.list_columns import Column, ColumnChoiceMixin, ColumnSet, ListColumnsView
from isms.members import active_members
from isms.models import AuditEvent
from isms.views.errors import error_message, refusal_response
from isms.views.forms import apply_errors, form_refusal
from isms.views.mixins import OrgFormView, OrgListView, OrgViewMixin

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
)
from .models import AI_TYPES, Asset, AssetDependency, ResponsibleAIEvaluation
from .services import LIFECYCLE

READ = {"GET": ["assets:read"]}
# Pages that show a form to write: a read-only member is not shown the form at all.
WRITE = {"GET": ["assets:write"], "POST": ["assets:write"]}
POST_WRITE = {"POST": ["assets:write"]}
# Register-wide acts (bulk changes, imports, triage): the manage scope (AssetPolicy "manage").
MANAGE = {"GET": ["assets:manage"], "POST": ["assets:manage"]}
POST_MANAGE = {"POST": ["assets:manage"]}
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


ASSET_COLUMNS = ColumnSet(
    register="assets",
    list_url_name="asset_list",
    columns=(
        Column("name", "Name", always=True),
        Column("type", "Type"),
        Column("owner", "Owner"),
        Column("custodian", "Custodian", default=False),
        Column("lifecycle", "Lifecycle"),
        Column("classification", "Classification"),
        Column("data", "Data"),
        Column("supplier", "Supplier"),
        Column("model", "Model and version", default=False),
        Column("risk_tier", "Risk tier"),
        Column("last_reviewed", "Last reviewed"),
        Column("created", "Registered on", default=False),
    ),
)


class AssetListView(ColumnChoiceMixin, OrgListView):
    template_name = "assets/asset_list.html"
    rows_template = "assets/_asset_rows.html"
    scope_map = READ
    filterset_class = AssetFilterSet
    column_set = ASSET_COLUMNS
    columns_url_name = "asset_columns"
    rows_target = "#asset-rows"
    default_ordering = "name"
    context_object_name = "assets"
    nav = "assets"

    def get_selector_queryset(self):
        return selectors.assets_for_list(self.shown_columns)

    def get_context_data(self, **kwargs):
        can_manage = policy.can(self.actor, "manage", Asset)
        kwargs.setdefault("extra_columns", 1 if can_manage else 0)
        context = super().get_context_data(**kwargs)
        context.update(
            # Only the controls this member may use are rendered.
            can_add=policy.can(self.actor, "create", Asset),
            can_report=policy.can(self.actor, "report", Asset),
            can_bulk=can_manage,
            can_import=can_manage,
            bulk_form=BulkForm() if can_manage else None,
            ai_types=AI_TYPES,
        )
        return context


class AssetColumnsView(OrgViewMixin, ListColumnsView):
    """The register's column choice (isms.list_columns): reading the register is enough."""

    scope_map = {"POST": ["assets:read"]}
    column_set = ASSET_COLUMNS


class AssetBulkView(OrgViewMixin, View):
    """Assign an owner, a classification or a lifecycle stage to the ticked assets."""

    scope_map = POST_MANAGE

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
            messages.error(request, f"Nothing changed: {error_message(error)}")
            return redirect(f"{back}?{query}")
        messages.success(request, f"{count} asset{'s' if count != 1 else ''} updated.")
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
    scope_map = MANAGE

    def get_form(self, form_class=None):
        refused = policy.refusal(self.actor, "manage", Asset)
        if refused is not None:
            raise PermissionDenied(refused.message)
        return super().get_form(form_class)

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
        policy.attach_grants(self.actor, [asset])  # one query answers every control below
        tab = self.request.GET.get("tab", "overview")
        if tab not in dict(TABS):
            tab = "overview"
        can_edit = asset.in_register and policy.can(self.actor, "change", asset)
        moves = {t.name for t in LIFECYCLE.available(self.actor, asset)} if can_edit else set()
        context.update(
            nav="assets",
            tabs=TABS,
            tab=tab,
            can_edit=can_edit,
            can_retire="retire" in moves,
            can_reinstate="reinstate" in moves,
            can_evaluate=policy.can(self.actor, "record_evaluation", asset),
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
                context["dependency_form"] = DependencyForm(asset=asset)
        elif tab == "history":
            context["events"] = AuditEvent.objects.for_object(asset)[:200]
        return context


class AssetFormMixin:
    template_name = "assets/asset_form.html"
    form_class = AssetForm
    scope_map = WRITE
    nav = "assets"

    def get_success_url(self) -> str:
        return _asset_url(self.object)


class AssetCreateView(AssetFormMixin, OrgFormView):
    success_message = "{obj.name} added to the register."

    def get_form(self, form_class=None):
        refused = policy.refusal(self.actor, "create", Asset)
        if refused is not None:
            raise PermissionDenied(refused.message)
        return super().get_form(form_class)

    def get_initial(self):
        initial = {"classification": "internal"}
        if active_members().filter(pk=self.actor.user_id).exists():
            initial["owner"] = self.actor.user_id
        return initial

    def perform(self, form):
        return services.asset_create(actor=self.actor, **form.service_values())


class AssetUpdateView(AssetFormMixin, OrgFormView):
    model = Asset
    success_message = "{obj.name} saved."

    def get_asset(self) -> Asset:
        if not hasattr(self, "asset"):
            self.asset = self.get_object()
            refused = policy.refusal(self.actor, "change", self.asset)
            if refused is not None:
                raise PermissionDenied(refused.message)
        return self.asset

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.get_asset()
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["asset"] = self.get_asset()
        return context

    def perform(self, form):
        return services.asset_update(
            actor=self.actor, asset=self.get_asset(), **form.service_values()
        )


class AssetActionView(OrgViewMixin, View):
    """Base for POST-only actions on one asset: the policy's refusal is a 403; a refusal of
    the action itself (its state, the gate) comes back as a flash message and a redirect."""

    scope_map = POST_WRITE
    model = Asset
    action = "change"

    def act(self, asset) -> str:
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        asset = self.get_object()
        refused = policy.refusal(self.actor, self.action, asset)
        if refused is not None:
            raise PermissionDenied(refused.message)
        try:
            text = self.act(asset)
        except (ValidationError, DomainError) as error:
            messages.error(request, f"Nothing was changed: {error_message(error)}")
            return redirect(_asset_url(asset))
        messages.success(request, text)
        return redirect(_asset_url(asset))


class AssetRetireView(AssetActionView):
    action = "retire"

    def act(self, asset):
        services.asset_retire(actor=self.actor, asset=asset)
        return f"{asset.name} retired; its record and history stay."


class AssetReviewedView(AssetActionView):
    def act(self, asset):
        services.asset_mark_reviewed(actor=self.actor, asset=asset)
        return f"{asset.name} marked as reviewed today."


class AssetReinstateView(AssetActionView):
    action = "reinstate"

    def act(self, asset):
        services.asset_reinstate(actor=self.actor, asset=asset)
        return f"{asset.name} reinstated as proposed."


class AssetPromoteView(AssetActionView):
    action = "promote"

    def act(self, asset):
        services.asset_promote_to_production(actor=self.actor, asset=asset, change_request=None)
        return f"{asset.name} is in production."


class DependencyAddView(OrgViewMixin, View):
    scope_map = POST_WRITE
    model = Asset

    def post(self, request, *args, **kwargs):
        asset = self.get_object()
        refused = policy.refusal(self.actor, "change", asset)
        if refused is not None:
            raise PermissionDenied(refused.message)
        form = DependencyForm(request.POST, asset=asset)
        back = _asset_url(asset, "dependencies")
        try:
            if not form.is_valid():
                raise form_refusal(form)
            other = form.cleaned_data["other"]
            dependent, dependency = (
                (asset, other) if form.cleaned_data["direction"] == "depends_on" else (other, asset)
            )
            services.dependency_add(
                actor=self.actor,
                asset=dependent,
                depends_on=dependency,
                kind=form.cleaned_data["kind"],
                note=form.cleaned_data["note"],
            )
        except (ValidationError, DomainError) as error:
            return refusal_response(request, error, fallback=back)
        messages.success(request, f"{dependent.name} now depends on {dependency.name}.")
        return redirect(back)


class DependencyRemoveView(OrgViewMixin, View):
    scope_map = POST_WRITE
    model = AssetDependency

    def get_base_queryset(self):
        return AssetDependency.objects.select_related("asset", "asset__organization")

    def post(self, request, *args, **kwargs):
        dependency = self.get_object()
        refused = policy.refusal(self.actor, "delete", dependency)
        if refused is not None:
            raise PermissionDenied(refused.message)
        services.dependency_remove(actor=self.actor, dependency=dependency)
        messages.success(request, "Dependency removed.")
        return redirect(_asset_url(dependency.asset, "dependencies"))


class EvaluationCreateView(OrgViewMixin, BadRequestFormMixin, FormView):
    template_name = "assets/evaluation_form.html"
    form_class = EvaluationForm
    scope_map = WRITE
    model = Asset

    def setup_asset(self):
        self.asset = self.get_object()
        refused = policy.refusal(self.actor, "record_evaluation", self.asset)
        if refused is not None:
            raise PermissionDenied(refused.message)

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


class ShadowReportView(OrgFormView):
    template_name = "assets/shadow_report_form.html"
    form_class = ShadowReportForm
    scope_map = WRITE
    nav = "assets"
    success_message = (
        "Thank you: the compliance officers will look at it and name an owner for {obj.name}."
    )

    def get_form(self, form_class=None):
        refused = policy.refusal(self.actor, "report", Asset)
        if refused is not None:
            raise PermissionDenied(refused.message)
        return super().get_form(form_class)

    def perform(self, form):
        return services.shadow_ai_report(actor=self.actor, **form.cleaned_data)

    def get_success_url(self) -> str:
        return reverse("asset_list", args=[self.organization.slug])


class TriageQueueView(OrgListView):
    template_name = "assets/triage_queue.html"
    scope_map = READ
    selector = selectors.triage_queue
    context_object_name = "reports"
    nav = "assets"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        can_triage = policy.can(self.actor, "triage", Asset)
        context.update(
            can_triage=can_triage,
            accept_form=TriageAcceptForm() if can_triage else None,
            dismiss_form=TriageDismissForm(),
        )
        return context


class TriageDecisionView(OrgViewMixin, View):
    """Accept or dismiss one report. A report someone else triaged meanwhile is a flash
    message and a redirect to the queue (the workflow refused it), not an error page."""

    scope_map = POST_MANAGE
    model = Asset
    decision = "accept"

    def post(self, request, *args, **kwargs):
        report = self.get_object()
        refused = policy.refusal(self.actor, "triage", report)
        if refused is not None:
            raise PermissionDenied(refused.message)
        if self.decision == "accept":
            form = TriageAcceptForm(request.POST)
        else:
            form = TriageDismissForm(request.POST)
        queue = reverse("asset_triage", args=[self.organization.slug])
        try:
            if not form.is_valid():
                raise form_refusal(form)
            if self.decision == "accept":
                services.shadow_ai_accept(actor=self.actor, asset=report, **form.cleaned_data)
                text = f"{report.name} accepted into the register."
            else:
                services.shadow_ai_dismiss(
                    actor=self.actor, asset=report, reason=form.cleaned_data["reason"]
                )
                text = f"{report.name} dismissed."
        except (ValidationError, DomainError) as error:
            return refusal_response(request, error, fallback=queue)
        messages.success(request, text)
        return redirect(queue)
