"""The Statement of Applicability pages: the table (edited inline with HTMX), approval,
snapshots with their diff, and CSV/XLSX exports."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.generic import DetailView, TemplateView, View

from isms import tabular
from isms.errors import DomainError
from isms.models import Framework
from isms.views.forms import apply_errors
from isms.views.mixins import OrgViewMixin
from risks import selectors
from risks.filters import SoARowFilterSet
from risks.forms import SoARowForm
from risks.models import SoARow, SoASnapshot, StatementOfApplicability
from risks.models.soa import InclusionReason
from risks.services import soa as services

from .common import error_status, form_errors, refused
from .register import READ

EXPORT_COLUMNS = [
    tabular.attr("Control", "control.ref"),
    tabular.attr("Title", "control.title"),
    tabular.attr("Applicable", "applicable"),
    tabular.choice_list("Inclusion reasons", InclusionReason.choices, "inclusion_reasons"),
    tabular.attr("Justification", "justification"),
    tabular.choice("Implementation status", "implementation_status"),
    tabular.attr("Owner", "owner.email"),
    tabular.Column("Linked risks", lambda row: [f"R-{r['id']} {r['title']}" for r in row.linked]),
    tabular.attr("Evidence", "evidence"),
    tabular.Column("Evidence links", lambda row: " ".join(row.evidence_links)),
    tabular.attr("Stale since last approval", "is_stale"),
]


def _framework(code: str) -> Framework:
    return get_object_or_404(Framework, code=code)


def soa_url(slug: str, framework: Framework) -> str:
    return reverse("soa_table", args=[slug, framework.code])


class SoAIndexView(OrgViewMixin, TemplateView):
    template_name = "risks/soa_index.html"
    scope_map = READ

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        statements = {
            s.framework_id: s
            for s in StatementOfApplicability.objects.annotate(snapshot_count=Count("snapshots"))
        }
        frameworks = Framework.objects.annotate(control_count=Count("controls")).order_by("code")
        context.update(
            nav="risks",
            rows=[(f, statements.get(f.pk)) for f in frameworks],
        )
        return context


class SoATableMixin:
    def setup_soa(self):
        self.framework = _framework(self.kwargs["framework"])
        self.soa = services.soa_for_framework(self.framework)

    def rows(self):
        self.filterset = SoARowFilterSet(self.request.GET, queryset=selectors.soa_rows(self.soa))
        rows = list(self.filterset.qs)
        risks = selectors.linked_risks_by_control([r.control_id for r in rows])
        for row in rows:
            row.linked = risks.get(row.control_id, [])
        return rows


class SoATableView(OrgViewMixin, SoATableMixin, TemplateView):
    template_name = "risks/soa_table.html"
    scope_map = READ

    def get(self, request, *args, **kwargs):
        self.setup_soa()
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = self.rows()
        context.update(
            nav="risks",
            framework=self.framework,
            soa=self.soa,
            rows=rows,
            filter=self.filterset,
            snapshots=SoASnapshot.objects.filter(soa=self.soa).select_related("approved_by"),
            unjustified=sum(1 for r in rows if not r.is_justified),
            stale=sum(1 for r in rows if r.is_stale),
            can_edit=self.actor.has_scope("risks:write")
            and self.actor.role in ("admin", "officer"),
            can_approve=self.actor.has_scope("risks:approve"),
        )
        return context


class SoARowView(OrgViewMixin, View):
    """GET: the row (or, with ?edit=1, its inline form); POST: save and return the row."""

    scope_map = {"GET": ["risks:read"], "POST": ["risks:write"]}
    model = SoARow

    def get_base_queryset(self):
        return selectors.soa_rows()

    def _row(self, pk):
        row = self.get_base_queryset().get(pk=pk)
        row.linked = selectors.linked_risks_by_control([row.control_id]).get(row.control_id, [])
        return row

    def _render(self, row, form=None, status=200):
        template = "risks/_soa_row_form.html" if form is not None else "risks/_soa_row.html"
        can_edit = self.actor.has_scope("risks:write") and self.actor.role in ("admin", "officer")
        context = {
            "row": row,
            "form": form,
            "organization": self.organization,
            "can_edit": can_edit,
        }
        return render(self.request, template, context, status=status)

    def get(self, request, *args, **kwargs):
        row = self.get_object()
        if request.GET.get("edit"):
            form = SoARowForm(
                initial={
                    "applicable": row.applicable,
                    "justification": row.justification,
                    "inclusion_reasons": row.inclusion_reasons,
                    "implementation_status": row.implementation_status,
                    "owner": row.owner_id,
                    "evidence": row.evidence,
                    "evidence_links": "\n".join(row.evidence_links),
                },
                prefix=f"row{row.pk}",
            )
            return self._render(self._row(row.pk), form)
        return self._render(self._row(row.pk))

    def post(self, request, *args, **kwargs):
        row = self.get_object()
        form = SoARowForm(request.POST, prefix=f"row{row.pk}")
        try:
            if not form.is_valid():
                raise form_errors(form)
            services.soa_row_update(actor=self.actor, row=row, **form.cleaned_data)
        except (ValidationError, DomainError) as error:
            if not request.htmx:
                return refused(request, error, soa_url(self.organization.slug, row.soa.framework))
            if not form.errors:
                apply_errors(form, error)
            status = error_status(error)
            return self._render(self._row(row.pk), form, status=status)
        if not request.htmx:
            return HttpResponseRedirect(soa_url(self.organization.slug, row.soa.framework))
        return self._render(self._row(row.pk))


class SoAApproveView(OrgViewMixin, View):
    """POST framework=<code>: approve that SoA (the service needs risks:approve)."""

    scope_map = {"POST": ["risks:write"]}

    def post(self, request, *args, **kwargs):
        framework = _framework(request.POST.get("framework", ""))
        soa = services.soa_for_framework(framework)
        try:
            snapshot = services.soa_approve(
                actor=self.actor, soa=soa, note=request.POST.get("note", "")
            )
        except (ValidationError, DomainError) as error:
            return refused(request, error, soa_url(self.organization.slug, framework))
        messages.success(
            request, f"Statement of Applicability approved: snapshot {snapshot.number}."
        )
        return HttpResponseRedirect(
            reverse("soa_snapshot", args=[self.organization.slug, snapshot.pk])
        )


class SoAExportView(OrgViewMixin, SoATableMixin, View):
    scope_map = READ

    def get(self, request, *args, **kwargs):
        fmt = kwargs["fmt"]
        if fmt not in ("csv", "xlsx"):
            raise Http404
        self.setup_soa()
        return tabular.export_response(
            EXPORT_COLUMNS,
            self.rows(),
            fmt=fmt,
            filename=f"{self.organization.slug}-soa-{self.framework.code}",
            sheet="Statement of Applicability",
        )


class SnapshotDetailView(OrgViewMixin, DetailView):
    template_name = "risks/soa_snapshot.html"
    scope_map = READ
    model = SoASnapshot
    context_object_name = "snapshot"

    def get_base_queryset(self):
        return SoASnapshot.objects.select_related("soa__framework", "approved_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        snapshot = self.object
        others = SoASnapshot.objects.filter(soa=snapshot.soa).exclude(pk=snapshot.pk)
        against_id = self.request.GET.get("against", "")
        against = None
        if against_id.isdigit():
            against = others.filter(pk=int(against_id)).first()
        if against is None:
            against = others.filter(number__lt=snapshot.number).order_by("-number").first()
        context.update(
            nav="risks",
            others=others.order_by("-number"),
            against=against,
            diff=selectors.snapshot_diff(against.rows, snapshot.rows) if against else None,
        )
        return context
