"""The supplier register pages: list, export, import, forms, the supplier page and its tabs."""

from __future__ import annotations

from pathlib import PurePosixPath

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import DetailView, TemplateView, View

from isms import policy, tabular, uploads
from isms.errors import DomainError
from isms.list_columns import Column, ColumnChoiceMixin, ColumnSet, ListColumnsView
from isms.models import AuditEvent
from isms.views.errors import refusal_response
from isms.views.forms import form_refusal
from isms.views.mixins import OrgFormView, OrgListView, OrgViewMixin
from suppliers import filters, forms, selectors
from suppliers.models import (
    AssessmentFile,
    ContractClause,
    Supplier,
    SupplierCertification,
    SupplierContractClause,
)
from suppliers.services import assessments, register, transfer
from suppliers.views.common import (
    POST_WRITE,
    READ,
    TABS,
    WRITE,
    SupplierViewMixin,
    _bad,
)

# --- the register ---------------------------------------------------------------------------


SUPPLIER_COLUMNS = ColumnSet(
    register="suppliers",
    list_url_name="supplier_list",
    columns=(
        Column("name", "Name", always=True),
        Column("criticality", "Criticality"),
        Column("status", "Status"),
        Column("rating", "Rating"),
        Column("next_reassessment_date", "Next reassessment"),
        Column("last_assessed_on", "Last assessed", default=False),
        Column("ai", "AI"),
        Column("owner", "Owner"),
        Column("certificates", "Certificates"),
        Column("website", "Website", default=False),
    ),
)
# The columns the list sorts by (the API sorts with the same map).
SORTABLE = ("name", "criticality", "status", "rating", "next_reassessment_date")


class SupplierListView(ColumnChoiceMixin, SupplierViewMixin, OrgListView):
    template_name = "suppliers/supplier_list.html"
    rows_template = "suppliers/_supplier_rows.html"
    scope_map = READ
    filterset_class = filters.SupplierFilterSet
    ordering_map = filters.SUPPLIER_ORDERING  # the API sorts with the same map
    default_ordering = "name"
    context_object_name = "suppliers"
    column_set = SUPPLIER_COLUMNS
    columns_url_name = "supplier_columns"
    rows_target = "#supplier-rows"

    def get_selector_queryset(self):
        return selectors.suppliers_list(self.shown_columns)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        shown = context["shown"]
        context["sort_columns"] = [
            (c.key, c.label)
            for c in SUPPLIER_COLUMNS.columns
            if c.key in SORTABLE and c.key in shown
        ]
        context["can_write"] = policy.can(self.actor, "create", Supplier)
        _row_values(context["suppliers"], shown, self.organization.slug)
        return context


_PLACEHOLDER = 987654321
_RATING_TONES = {"low": "success", "medium": "info", "high": "warning"}


def _row_values(suppliers, shown, slug: str) -> None:
    """What each row shows, worked out here once per row: a reverse() and the choice
    displays per row in the template were most of the page's time (issue 19)."""
    detail = reverse("supplier_detail", args=[slug, _PLACEHOLDER])
    labels = {
        name: dict(Supplier._meta.get_field(name).flatchoices)
        for name in ("criticality", "status", "rating")
    }
    for supplier in suppliers:
        supplier.detail_url = detail.replace(str(_PLACEHOLDER), str(supplier.pk))
        for name, choices in labels.items():
            value = getattr(supplier, name)
            setattr(supplier, f"{name}_label", choices.get(value, value))
        supplier.rating_tone = _RATING_TONES.get(supplier.rating, "danger")
        due = supplier.next_reassessment_date
        supplier.next_reassessment_text = due.isoformat() if due else "—"  # as |date:"Y-m-d"
        if "owner" in shown:
            owner = supplier.owner
            supplier.owner_name = (owner.get_full_name() or owner.email) if owner else ""


class SupplierColumnsView(OrgViewMixin, ListColumnsView):
    """The register's column choice (isms.list_columns): reading the register is enough."""

    scope_map = {"POST": ["suppliers:read"]}
    column_set = SUPPLIER_COLUMNS


class SupplierExportView(SupplierListView):
    """The list's rows (same filters, same order) as CSV or XLSX (isms.tabular). Every
    column, whatever the member shows on the page."""

    def get_selector_queryset(self):
        return selectors.suppliers_list()

    def get(self, request, *args, **kwargs):
        queryset = self.get_queryset()
        if self.filter_refused():
            return HttpResponse("Invalid filter.", status=400, content_type="text/plain")
        kind = "xlsx" if request.GET.get("as") == "xlsx" else "csv"
        return transfer.suppliers_export_response(
            queryset, fmt=kind, filename=f"suppliers-{self.organization.slug}"
        )


class SupplierImportView(SupplierViewMixin, TemplateView):
    template_name = "suppliers/supplier_import.html"
    scope_map = WRITE

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", forms.ImportForm())
        context["columns"] = transfer.COLUMNS
        return context

    def post(self, request, *args, **kwargs):
        form = forms.ImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return _bad(self.render_to_response(self.get_context_data(form=form)))
        try:
            upload = form.cleaned_data["file"]
            created = transfer.suppliers_import(
                actor=self.actor, content=upload.read(), filename=upload.name or ""
            )
        except tabular.ImportRefused as rejected:
            context = self.get_context_data(form=form, row_errors=rejected.errors)
            return _bad(self.render_to_response(context))
        messages.success(request, f"Imported {len(created)} supplier(s).")
        return redirect("supplier_list", org_slug=self.organization.slug)


class SupplierFormMixin(SupplierViewMixin):
    template_name = "suppliers/supplier_form.html"
    form_class = forms.SupplierForm
    scope_map = WRITE

    def get_success_url(self) -> str:
        return self.supplier_url(self.object)


class SupplierCreateView(SupplierFormMixin, OrgFormView):
    success_message = "Supplier {obj.name} added."

    def get_initial(self):
        return {"owner": self.actor.user_id}

    def perform(self, form):
        return register.supplier_create(actor=self.actor, **form.cleaned_data)


class SupplierUpdateView(SupplierFormMixin, OrgFormView):
    model = Supplier
    success_message = "Supplier {obj.name} updated."

    def get_supplier(self) -> Supplier:
        if not hasattr(self, "supplier"):
            self.supplier = self.get_object()
            policy.require(self.actor, "change", self.supplier)
        return self.supplier

    def get_initial(self):
        supplier = self.get_supplier()
        return {f: getattr(supplier, f) for f in register.SUPPLIER_FIELDS}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["supplier"] = self.get_supplier()
        return context

    def perform(self, form):
        return register.supplier_update(
            actor=self.actor, supplier=self.get_supplier(), **form.cleaned_data
        )


class SupplierDetailView(SupplierViewMixin, DetailView):
    template_name = "suppliers/supplier_detail.html"
    scope_map = READ
    model = Supplier
    context_object_name = "supplier"

    def get_base_queryset(self):
        return selectors.supplier_detail(Supplier.objects.select_related("owner"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        supplier = self.object
        tab = self.request.GET.get("tab", "overview")
        context["tab"] = tab if tab in dict(TABS) else "overview"
        context["tabs"] = TABS
        context["can_change"] = policy.can(self.actor, "change", supplier)
        context["contact_form"] = forms.ContactForm()
        context["certification_form"] = forms.CertificationForm()
        context["assessment_form"] = forms.AssessmentCreateForm()
        clauses = {c.clause: c for c in supplier.contract_clauses.all()}
        context["clauses"] = [
            (value, label, clauses.get(value)) for value, label in ContractClause.choices
        ]
        context["clause_statuses"] = SupplierContractClause.Status.choices
        if context["tab"] == "history":
            context["events"] = AuditEvent.objects.for_object(supplier)[:200]
        return context


class _SupplierChildPost(SupplierViewMixin, View):
    """POST-only forms on the supplier page. Done or refused, the answer is a redirect to the
    page's tab with a message in words: a reload never re-posts."""

    scope_map = POST_WRITE
    model = Supplier
    tab = "overview"

    def get_object(self, queryset=None):
        """The supplier, if the actor may change it (every form here changes the supplier):
        refused before any input is read or any row written."""
        supplier = super().get_object(queryset)
        policy.require(self.actor, "change", supplier)
        return supplier

    def post(self, request, *args, **kwargs):
        supplier = self.get_object()
        try:
            done = self.act(supplier)
        except (ValidationError, DomainError) as error:
            return refusal_response(request, error, self.supplier_url(supplier, self.tab))
        messages.success(request, done)
        return redirect(self.supplier_url(supplier, self.tab))

    def act(self, supplier) -> str:
        """Do the one thing; return what was done, in words."""
        raise NotImplementedError

    def valid_form(self, form):
        if not form.is_valid():
            raise form_refusal(form)
        return form.cleaned_data


class ContactCreateView(_SupplierChildPost):
    def act(self, supplier) -> str:
        data = self.valid_form(forms.ContactForm(self.request.POST))
        register.contact_create(actor=self.actor, supplier=supplier, **data)
        return f"Contact {data['name']} added."


class CertificationCreateView(_SupplierChildPost):
    tab = "certifications"

    def act(self, supplier) -> str:
        data = self.valid_form(forms.CertificationForm(self.request.POST, self.request.FILES))
        register.certification_create(actor=self.actor, supplier=supplier, **data)
        return "Certification added."


class ContractClausesView(_SupplierChildPost):
    """One form for the whole checklist: every row is checked, and all save or none does."""

    tab = "contract"

    @transaction.atomic
    def act(self, supplier) -> str:
        register.contract_clauses_ensure(supplier=supplier)
        labels = dict(ContractClause.choices)
        errors: list[str] = []
        for clause in supplier.contract_clauses.all():
            form = forms.ContractClauseForm(
                {
                    k: self.request.POST.get(f"{clause.clause}-{k}", "")
                    for k in ("status", "reference", "notification_hours", "note")
                }
            )
            try:
                data = self.valid_form(form)
                register.contract_clause_update(actor=self.actor, clause=clause, **data)
            except ValidationError as error:
                errors += [f"{labels[clause.clause]}: {m}" for m in error.messages]
        if errors:
            raise ValidationError(errors)  # rolls the rows already saved back
        return "Contract clauses saved."


class AssessmentCreateView(_SupplierChildPost):
    tab = "assessments"

    def post(self, request, *args, **kwargs):
        supplier = self.get_object()
        form = forms.AssessmentCreateForm(request.POST)
        try:
            data = self.valid_form(form)
            assessment = assessments.assessment_create(actor=self.actor, supplier=supplier, **data)
        except (ValidationError, DomainError) as error:
            return refusal_response(request, error, self.supplier_url(supplier, self.tab))
        messages.success(request, f"Assessment of {supplier.name} started.")
        return redirect(self.assessment_url(assessment))


class CertificationFileView(SupplierViewMixin, View):
    scope_map = READ
    model = SupplierCertification

    def get(self, request, *args, **kwargs):
        cert = self.get_object()
        if not cert.file:
            raise Http404
        suffix = PurePosixPath(cert.file.name).suffix
        return uploads.attachment_response(cert.file, filename=f"certificate-{cert.type}{suffix}")


class AssessmentFileDownloadView(SupplierViewMixin, View):
    scope_map = READ
    model = AssessmentFile

    def get(self, request, *args, **kwargs):
        stored = self.get_object()
        return uploads.attachment_response(
            stored.file, filename=stored.original_name, content_type=stored.content_type
        )
