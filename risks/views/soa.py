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

from isms import policy, tabular
from isms.errors import Conflict, DomainError
from isms.models import Framework
from isms.views.errors import error_status
from isms.views.forms import apply_errors, form_refusal
from isms.views.mixins import OrgFormView, OrgViewMixin
from risks import selectors
from risks.filters import SoARowFilterSet
from risks.forms import OwnControlForm, OwnSoARowForm, SoARowForm
from risks.models import SoARow, SoASnapshot, StatementOfApplicability
from risks.models.soa import ImplementationStatus, InclusionReason
from risks.services import soa as services

from .register import READ

EXPORT_COLUMNS = [
    tabular.attr("Control", "ref"),
    tabular.attr("Title", "title"),
    tabular.attr("Source", "source"),
    tabular.attr("Applicable", "applicable"),
    tabular.choice_list("Inclusion reasons", InclusionReason.choices, "inclusion_reasons"),
    tabular.attr("Justification", "justification"),
    tabular.choice("Implementation status", "implementation_status"),
    tabular.attr("Owner", "owner.email"),
    tabular.attr("Target date", "target_date"),
    tabular.Column("Linked risks", lambda row: [f"R-{r['id']} {r['title']}" for r in row.linked]),
    tabular.attr("Evidence", "evidence"),
    tabular.Column("Policies", lambda row: [p["title"] for p in getattr(row, "policies", [])]),
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
        """Reads only: an SoA that was never set up shows as empty (no row is created)."""
        self.framework = _framework(self.kwargs["framework"])
        self.soa = services.soa_for_framework(self.framework)

    def rows(self):
        rows = selectors.soa_rows(self.soa) if self.soa else SoARow.objects.none()
        self.filterset = SoARowFilterSet(self.request.GET, queryset=rows)
        rows = list(self.filterset.qs)
        risks = selectors.linked_risks_for_rows(rows)
        policies = selectors.linked_policies_for_rows(rows)
        for row in rows:
            row.linked = risks.get(row.pk, [])
            row.policies = policies.get(row.pk, [])
        return rows


def soa_controls(actor, soa) -> dict[str, bool]:
    """Which SoA controls this actor sees: only the ones they can use (risks.access)."""
    if soa is None:
        return {"can_edit": False, "can_submit": False, "can_approve": False}
    moves = {t.name for t in services.SOA.available(actor, soa)}
    return {
        "can_edit": policy.can(actor, "change", soa),
        "can_submit": "submit" in moves,
        "can_approve": "approve" in moves,
    }


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
            snapshots=SoASnapshot.objects.filter(soa=self.soa).select_related("approved_by")
            if self.soa
            else [],
            unjustified=sum(1 for r in rows if not r.is_justified),
            stale=sum(1 for r in rows if r.is_stale),
            **soa_controls(self.actor, self.soa),
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
        row.linked = selectors.linked_risks_for_rows([row]).get(row.pk, [])
        row.policies = selectors.linked_policies_for_rows([row]).get(row.pk, [])
        return row

    @staticmethod
    def _form_class(row):
        return OwnSoARowForm if row.is_own else SoARowForm

    def _render(self, row, form=None, status=200):
        template = "risks/_soa_row_form.html" if form is not None else "risks/_soa_row.html"
        can_edit = policy.can(self.actor, "change", row)
        context = {
            "row": row,
            "form": form,
            "organization": self.organization,
            "can_edit": can_edit,
        }
        return render(self.request, template, context, status=status)

    def get(self, request, *args, **kwargs):
        row = self.get_object()
        if not request.htmx:  # opened as a page (a bookmark, a link): the row in its table
            return HttpResponseRedirect(
                f"{soa_url(self.organization.slug, row.soa.framework)}#soa-row-{row.pk}"
            )
        if request.GET.get("edit") and policy.can(self.actor, "change", row):
            initial = {
                "applicable": row.applicable,
                "justification": row.justification,
                "inclusion_reasons": row.inclusion_reasons,
                "implementation_status": row.implementation_status,
                "owner": row.owner_id,
                "target_date": row.target_date,
                "evidence": row.evidence,
                "evidence_links": "\n".join(row.evidence_links),
            }
            if row.is_own:
                initial.update(
                    own_ref=row.own_ref,
                    own_title=row.own_title,
                    own_source=row.own_source,
                    own_description=row.own_description,
                    linked_risks=[r["id"] for r in self._row(row.pk).linked],
                )
            form = self._form_class(row)(initial=initial, prefix=f"row{row.pk}")
            return self._render(self._row(row.pk), form)
        return self._render(self._row(row.pk))

    def post(self, request, *args, **kwargs):
        row = self.get_object()
        form = self._form_class(row)(request.POST, prefix=f"row{row.pk}")
        try:
            if not form.is_valid():
                raise form_refusal(form)
            services.soa_row_update(actor=self.actor, row=row, **form.cleaned_data)
        except (ValidationError, DomainError) as error:
            if not request.htmx:
                raise
            if not form.errors:
                apply_errors(form, error)
            status = error_status(error)
            return self._render(self._row(row.pk), form, status=status)
        if not request.htmx:
            return HttpResponseRedirect(soa_url(self.organization.slug, row.soa.framework))
        return self._render(self._row(row.pk))


def _statement(request) -> StatementOfApplicability:
    """The Statement a submit or approve button names; an unknown framework is a refusal in
    words (the buttons redirect with it), not a 404."""
    code = request.POST.get("framework", "")
    framework = Framework.objects.filter(code=code).first()
    if framework is None:
        raise ValidationError(
            {"framework": f"No framework “{code}” in the control library: choose one it holds."}
        )
    soa = services.soa_for_framework(framework)
    if soa is None:
        raise Conflict(f"The Statement of Applicability for {framework.name} is not set up yet.")
    return soa


class SoASubmitView(OrgViewMixin, View):
    """POST framework=<code>: submit that SoA for approval (whoever prepared it)."""

    scope_map = {"POST": ["risks:manage"]}

    def post(self, request, *args, **kwargs):
        soa = services.soa_submit(actor=self.actor, soa=_statement(request))
        messages.success(request, "Statement of Applicability submitted for approval.")
        return HttpResponseRedirect(soa_url(self.organization.slug, soa.framework))


class SoAApproveView(OrgViewMixin, View):
    """POST framework=<code>: approve that SoA (risks:approve, not whoever submitted it)."""

    scope_map = {"POST": ["risks:approve"]}

    def post(self, request, *args, **kwargs):
        snapshot = services.soa_approve(
            actor=self.actor, soa=_statement(request), note=request.POST.get("note", "")
        )
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
        reasons = dict(InclusionReason.choices)
        statuses = dict(ImplementationStatus.choices)
        rows = [
            {
                **row,
                "reasons": ", ".join(reasons.get(r, r) for r in row.get("inclusion_reasons", [])),
                "status": statuses.get(row.get("implementation_status"), ""),
            }
            for row in snapshot.rows
        ]
        context.update(
            nav="risks",
            others=others.order_by("-number"),
            against=against,
            rows=rows,
            diff=selectors.snapshot_diff(against.rows, snapshot.rows) if against else None,
        )
        return context


class OwnControlCreateView(OrgFormView):
    """Add an own control (another framework's or the organisation's own) to this SoA
    (ISO/IEC 27001:2022 6.1.3 b–c); its row is then completed like any other."""

    template_name = "risks/own_control_form.html"
    form_class = OwnControlForm
    scope_map = {"GET": ["risks:read"], "POST": ["risks:manage"]}
    nav = "risks"

    def dispatch(self, request, *args, **kwargs):
        self.framework = _framework(kwargs["framework"])
        return super().dispatch(request, *args, **kwargs)

    def _soa(self):
        soa = services.soa_for_framework(self.framework)
        if soa is None:
            raise Conflict(
                f"The Statement of Applicability for {self.framework.name} is not set up yet."
            )
        return soa

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        soa = services.soa_for_framework(self.framework)
        context.update(
            framework=self.framework,
            can_edit=soa is not None and policy.can(self.actor, "change", soa),
        )
        return context

    def perform(self, form):
        return services.soa_own_control_add(actor=self.actor, soa=self._soa(), **form.cleaned_data)

    def get_success_url(self) -> str:
        messages.success(
            self.request,
            f"Own control {self.object.own_ref} added: complete its row (reasons, status, owner).",
        )
        return f"{soa_url(self.organization.slug, self.framework)}#soa-row-{self.object.pk}"
