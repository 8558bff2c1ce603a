"""Risk register and risk treatment plan snapshots (ISO/IEC 27001:2022 8.2, 8.3): the list
with the form to take one, a snapshot with its diff against the previous approved one, the
decision, and its CSV, XLSX and PDF exports."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.urls import reverse
from django.views.generic import DetailView, View

from isms import policy, tabular
from isms.views.forms import form_refusal
from isms.views.mixins import OrgListView, OrgViewMixin
from risks.filters import RiskSnapshotFilterSet
from risks.forms import DecisionForm, RiskSnapshotTakeForm
from risks.models import RiskSnapshot
from risks.services import snapshots as services

READ = {"GET": ["risks:read"]}

COLUMNS = services.COLUMNS


def snapshot_url(snapshot: RiskSnapshot, slug: str) -> str:
    return reverse("risk_snapshot", args=[slug, snapshot.pk])


def export_columns(kind: str) -> list[tabular.Column]:
    return [
        tabular.Column(label, lambda row, k=key: row.get(k, "")) for key, label in COLUMNS[kind]
    ]


def snapshots_for_list():
    return (
        RiskSnapshot.objects.select_related("taken_by", "decided_by")
        .defer("rows")
        .order_by("-taken_at", "-pk")
    )


class RiskSnapshotListView(OrgListView):
    template_name = "risks/risk_snapshot_list.html"
    scope_map = READ
    context_object_name = "snapshots"
    nav = "risks"
    filterset_class = RiskSnapshotFilterSet
    selector = snapshots_for_list

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        probe = RiskSnapshot(organization_id=self.organization.pk)
        context.update(
            can_take=policy.can(self.actor, "take", probe),
            form=RiskSnapshotTakeForm(),
        )
        return context


class RiskSnapshotTakeView(OrgViewMixin, View):
    """POST kind, note: freeze the register or the treatment plan for approval."""

    scope_map = {"POST": ["risks:manage"]}

    def post(self, request, *args, **kwargs):
        form = RiskSnapshotTakeForm(request.POST)
        if not form.is_valid():
            raise form_refusal(form)
        snapshot = services.snapshot_take(actor=self.actor, **form.cleaned_data)
        messages.success(
            request,
            f"{snapshot.get_kind_display()} snapshot {snapshot.number} taken: someone else with "
            "the authority to approve now approves it.",
        )
        return HttpResponseRedirect(snapshot_url(snapshot, self.organization.slug))


class RiskSnapshotDetailView(OrgViewMixin, DetailView):
    template_name = "risks/risk_snapshot.html"
    scope_map = READ
    model = RiskSnapshot
    context_object_name = "snapshot"
    nav = "risks"

    def get_base_queryset(self):
        return RiskSnapshot.objects.select_related("taken_by", "decided_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        snapshot = self.object
        others = RiskSnapshot.objects.filter(kind=snapshot.kind).exclude(pk=snapshot.pk)
        against = None
        against_id = self.request.GET.get("against", "")
        if against_id.isdigit():
            against = others.filter(pk=int(against_id)).first()
        if against is None:
            against = (
                others.filter(status=RiskSnapshot.Status.APPROVED, number__lt=snapshot.number)
                .order_by("-number")
                .first()
            )
        moves = {t.name for t in services.SNAPSHOT.available(self.actor, snapshot)}
        context.update(
            columns=COLUMNS[snapshot.kind],
            rows=services.labelled_rows(snapshot),
            others=others.order_by("-number").only("pk", "number", "status", "taken_at"),
            against=against,
            diff=services.snapshot_diff(against, snapshot) if against else None,
            can_approve="approve" in moves,
            can_reject="reject" in moves,
            can_request_pdf=snapshot.status == RiskSnapshot.Status.APPROVED
            and not snapshot.pdf
            and policy.can(self.actor, "take", snapshot),
            decision_form=DecisionForm(),
        )
        return context


class RiskSnapshotDecisionView(OrgViewMixin, View):
    """POST note: approve or reject (risks:approve, never whoever took the snapshot)."""

    scope_map = {"POST": ["risks:approve"]}
    model = RiskSnapshot
    decision = "approve"

    def post(self, request, *args, **kwargs):
        snapshot = self.get_object()
        form = DecisionForm(request.POST)
        if not form.is_valid():
            raise form_refusal(form)
        note = form.cleaned_data["note"]
        if self.decision == "approve":
            snapshot = services.snapshot_approve(actor=self.actor, snapshot=snapshot, note=note)
            messages.success(
                request,
                f"Snapshot {snapshot.number} approved; its PDF is being prepared.",
            )
        else:
            snapshot = services.snapshot_reject(actor=self.actor, snapshot=snapshot, note=note)
            messages.success(request, f"Snapshot {snapshot.number} rejected.")
        return HttpResponseRedirect(snapshot_url(snapshot, self.organization.slug))


class RiskSnapshotPdfRequestView(OrgViewMixin, View):
    """POST: prepare the PDF again (an approved snapshot whose PDF is missing)."""

    scope_map = {"POST": ["risks:manage"]}
    model = RiskSnapshot

    def post(self, request, *args, **kwargs):
        snapshot = self.get_object()
        services.snapshot_pdf_request(actor=self.actor, snapshot=snapshot)
        messages.success(request, "The PDF is being prepared; reload the page in a moment.")
        return HttpResponseRedirect(snapshot_url(snapshot, self.organization.slug))


class RiskSnapshotExportView(OrgViewMixin, View):
    """GET: the snapshot as CSV or XLSX (isms.tabular), or its PDF once rendered."""

    scope_map = READ
    model = RiskSnapshot

    def get(self, request, *args, **kwargs):
        snapshot = self.get_object()
        fmt = kwargs["fmt"]
        name = f"{self.organization.slug}-{snapshot.kind.replace('_', '-')}-{snapshot.number}"
        if fmt == "pdf":
            if not snapshot.pdf:
                raise Http404("The PDF is not ready (only approved snapshots have one).")
            return FileResponse(
                snapshot.pdf.open("rb"),
                as_attachment=True,
                filename=f"{name}.pdf",
                content_type="application/pdf",
            )
        if fmt not in tabular.FORMATS:
            raise Http404
        return tabular.export_response(
            export_columns(snapshot.kind),
            services.labelled_rows(snapshot),
            fmt=fmt,
            filename=name,
            sheet=f"{snapshot.get_kind_display()} {snapshot.number}",
        )
