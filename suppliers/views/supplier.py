"""The supplier register pages: list, export, import, forms, the supplier page and its tabs."""

from __future__ import annotations

from pathlib import PurePosixPath

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.generic import DetailView, ListView, TemplateView, View

from isms import tabular, uploads
from isms.errors import DomainError
from isms.models import AuditEvent
from isms.views.forms import apply_errors
from suppliers import filters, forms, selectors
from suppliers.models import (
    AssessmentFile,
    ContractClause,
    Supplier,
    SupplierCertification,
    SupplierContractClause,
)
from suppliers.services import assessments, register, transfer
from suppliers.services.common import can_change_supplier
from suppliers.views.common import (
    POST_WRITE,
    READ,
    TABS,
    WRITE,
    SupplierViewMixin,
    _bad,
)

# --- the register ---------------------------------------------------------------------------


class SupplierListView(SupplierViewMixin, ListView):
    template_name = "suppliers/supplier_list.html"
    scope_map = READ
    paginate_by = 50
    context_object_name = "suppliers"

    def filtered(self):
        self.filterset = filters.SupplierFilterSet(
            self.request.GET, queryset=selectors.suppliers_list()
        )
        queryset = self.filterset.qs
        ordering = self.request.GET.get("ordering", "")
        key = ordering.lstrip("-")
        if key in filters.SUPPLIER_ORDERING:
            prefix = "-" if ordering.startswith("-") else ""
            queryset = queryset.order_by(prefix + filters.SUPPLIER_ORDERING[key], "pk")
        return queryset

    def get_queryset(self):
        return self.filtered()

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        if not self.filterset.is_valid():
            response.status_code = 400
        return response

    def get_template_names(self):
        if self.request.htmx and not self.request.htmx.boosted:
            return ["suppliers/_supplier_rows.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
        context["ordering"] = self.request.GET.get("ordering", "name")
        context["sort_columns"] = [
            ("name", "Name"),
            ("criticality", "Criticality"),
            ("status", "Status"),
            ("rating", "Rating"),
            ("next_reassessment_date", "Next reassessment"),
        ]
        context["can_write"] = self.actor.has_scope("suppliers:write")
        return context


class SupplierExportView(SupplierListView):
    def get(self, request, *args, **kwargs):
        queryset = self.filtered()
        if not self.filterset.is_valid():
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

    def render_form(self, form, status=200, supplier=None):
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "supplier": supplier,
                "organization": self.organization,
                "nav": "suppliers",
            },
            status=status,
        )


class SupplierCreateView(SupplierFormMixin, View):
    scope_map = WRITE

    def get(self, request, *args, **kwargs):
        form = forms.SupplierForm(organization=self.organization, initial={"owner": request.user})
        return self.render_form(form)

    def post(self, request, *args, **kwargs):
        form = forms.SupplierForm(request.POST, organization=self.organization)
        if form.is_valid():
            try:
                supplier = register.supplier_create(actor=self.actor, **form.cleaned_data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, f"Supplier {supplier.name} added.")
                return redirect(self.supplier_url(supplier))
        return self.render_form(form, status=400)


class SupplierUpdateView(SupplierFormMixin, View):
    scope_map = WRITE
    model = Supplier

    def _load(self):
        supplier = self.get_object()
        if not can_change_supplier(self.actor, supplier):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied("Only the supplier's owner or an officer may change it.")
        return supplier

    def get(self, request, *args, **kwargs):
        supplier = self._load()
        initial = {f: getattr(supplier, f) for f in register.SUPPLIER_FIELDS}
        return self.render_form(
            forms.SupplierForm(organization=self.organization, initial=initial), supplier=supplier
        )

    def post(self, request, *args, **kwargs):
        supplier = self._load()
        form = forms.SupplierForm(request.POST, organization=self.organization)
        if form.is_valid():
            try:
                register.supplier_update(actor=self.actor, supplier=supplier, **form.cleaned_data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, "Supplier updated.")
                return redirect(self.supplier_url(supplier))
        return self.render_form(form, status=400, supplier=supplier)


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
        context["can_change"] = can_change_supplier(self.actor, supplier)
        context["contact_form"] = kwargs.get("contact_form") or forms.ContactForm()
        context["certification_form"] = (
            kwargs.get("certification_form") or forms.CertificationForm()
        )
        context["assessment_form"] = forms.AssessmentCreateForm()
        clauses = {c.clause: c for c in supplier.contract_clauses.all()}
        context["clauses"] = [
            (value, label, clauses.get(value)) for value, label in ContractClause.choices
        ]
        context["clause_statuses"] = SupplierContractClause.Status.choices
        context["clause_errors"] = kwargs.get("clause_errors", {})
        if context["tab"] == "history":
            context["events"] = AuditEvent.objects.for_object(supplier)[:200]
        return context


class _SupplierChildPost(SupplierViewMixin, View):
    """POST-only forms on the supplier page; errors re-render the page's tab with 400."""

    scope_map = POST_WRITE
    model = Supplier
    tab = "overview"

    def render_page(self, supplier, status=400, **extra):
        view = SupplierDetailView()
        view.setup(self.request, **self.kwargs)
        view.actor = self.actor
        view.object = Supplier.objects.select_related("owner").get(pk=supplier.pk)
        self.request.GET = self.request.GET.copy()
        self.request.GET["tab"] = self.tab
        context = view.get_context_data(object=view.object, **extra)
        return render(self.request, view.template_name, context, status=status)


class ContactCreateView(_SupplierChildPost):
    def post(self, request, *args, **kwargs):
        supplier = self.get_object()
        form = forms.ContactForm(request.POST)
        if form.is_valid():
            try:
                register.contact_create(actor=self.actor, supplier=supplier, **form.cleaned_data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, "Contact added.")
                return redirect(self.supplier_url(supplier))
        return self.render_page(supplier, contact_form=form)


class CertificationCreateView(_SupplierChildPost):
    tab = "certifications"

    def post(self, request, *args, **kwargs):
        supplier = self.get_object()
        form = forms.CertificationForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                register.certification_create(
                    actor=self.actor, supplier=supplier, **form.cleaned_data
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, "Certification added.")
                return redirect(self.supplier_url(supplier, "certifications"))
        return self.render_page(supplier, certification_form=form)


class ContractClausesView(_SupplierChildPost):
    """One form for the whole checklist: every row is checked, and all save or none does."""

    tab = "contract"

    def post(self, request, *args, **kwargs):
        from django.db import transaction

        supplier = self.get_object()
        register.contract_clauses_ensure(supplier=supplier)
        errors: dict[str, str] = {}
        with transaction.atomic():
            for clause in supplier.contract_clauses.all():
                form = forms.ContractClauseForm(
                    {
                        k: request.POST.get(f"{clause.clause}-{k}", "")
                        for k in ("status", "reference", "notification_hours", "note")
                    }
                )
                if not form.is_valid():
                    errors[clause.clause] = "; ".join(
                        f"{f}: {' '.join(m)}" for f, m in form.errors.items()
                    )
                    continue
                try:
                    register.contract_clause_update(
                        actor=self.actor, clause=clause, **form.cleaned_data
                    )
                except ValidationError as error:
                    errors[clause.clause] = " ".join(
                        m for ms in error.message_dict.values() for m in ms
                    )
            if errors:
                transaction.set_rollback(True)
        if errors:
            return self.render_page(supplier, clause_errors=errors)
        messages.success(request, "Contract clauses saved.")
        return redirect(self.supplier_url(supplier, "contract"))


class AssessmentCreateView(_SupplierChildPost):
    tab = "assessments"

    def post(self, request, *args, **kwargs):
        supplier = self.get_object()
        form = forms.AssessmentCreateForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose a published question set.")
            return self.render_page(supplier)
        try:
            assessment = assessments.assessment_create(
                actor=self.actor, supplier=supplier, **form.cleaned_data
            )
        except (ValidationError, DomainError) as error:
            messages.error(request, str(getattr(error, "message", error)))
            return self.render_page(supplier, status=getattr(error, "status_code", 400))
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
