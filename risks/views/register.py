"""The risk register pages: list with heat maps, risk page, forms, acceptances, criteria."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.views.generic import DetailView, View

from isms import policy, tabular
from isms.errors import DomainError
from isms.list_columns import Column, ColumnChoiceMixin, ColumnSet, ListColumnsView
from isms.models import AuditEvent
from isms.views.errors import refusal_response
from isms.views.forms import form_refusal
from isms.views.mixins import OrgFormView, OrgListView, OrgViewMixin
from risks import selectors
from risks.filters import RiskFilterSet
from risks.forms import (
    AcceptanceRequestForm,
    CriteriaForm,
    DecisionForm,
    RiskForm,
    TreatmentActionForm,
    TreatmentActionStatusForm,
)
from risks.models import ImpactAssessment, Risk, RiskAcceptance, TreatmentAction
from risks.models.register import RISK_EDITABLE, RiskStatus
from risks.services import register
from suppliers.models import SupplierAnswer

READ = {"GET": ["risks:read"]}
WRITE = {"GET": ["risks:read"], "POST": ["risks:write"]}
CELL_PARAMS = ("inherent_likelihood", "inherent_impact", "residual_likelihood", "residual_impact")


def risk_url(risk) -> str:
    return reverse("risk_detail", args=[risk.organization.slug, risk.pk])


RISK_COLUMNS = ColumnSet(
    register="risks",
    list_url_name="risk_list",
    columns=(
        Column("title", "Risk", always=True),
        Column("category", "Category"),
        Column("owner", "Owner"),
        Column("inherent", "Inherent"),
        Column("residual", "Residual"),
        Column("treatment", "Treatment"),
        Column("status", "Status"),
        Column("next_review", "Next review"),
        Column("created", "Raised on", default=False),
        Column("updated", "Last changed", default=False),
    ),
)


class RiskListView(ColumnChoiceMixin, OrgListView):
    """The register with its filters and the inherent and residual heat maps. A heat-map cell
    links to this list filtered to it; its count is computed from the same filtered rows."""

    template_name = "risks/risk_list.html"
    rows_template = "risks/_risk_rows.html"
    scope_map = READ
    filterset_class = RiskFilterSet
    context_object_name = "risks"
    nav = "risks"
    column_set = RISK_COLUMNS
    columns_url_name = "risk_columns"
    rows_target = "#risk-rows"

    def get_selector_queryset(self):
        self.criteria = register.criteria_get()
        return selectors.risks_for_list(self.criteria, self.shown_columns).order_by("-id")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        htmx = getattr(self.request, "htmx", None)
        if htmx and not htmx.boosted:
            return context  # the rows alone: no heat maps to count
        without_cell = self.request.GET.copy()
        for name in CELL_PARAMS:
            without_cell.pop(name, None)
        # The maps count the filtered rows of every cell: the same filters, without the cell.
        rows = RiskFilterSet(without_cell, queryset=self.filterset.queryset).qs
        query = self.request.GET.copy()
        for name in (*CELL_PARAMS, "page"):
            query.pop(name, None)
        base_query = query.urlencode()
        chosen = [self.request.GET.get(n, "") for n in CELL_PARAMS]
        context.update(
            can_add=policy.can(self.actor, "create", Risk),
            criteria=self.criteria,
            heat_maps=[
                heat_map_table(selectors.heat_map(rows, self.criteria, kind), base_query, chosen)
                for kind in ("inherent", "residual")
            ],
            base_query=base_query,
            cell=chosen,
        )
        return context


# One heat-map cell: a link to the register filtered to it. Written here rather than in the
# template: 50 cells of 16 variables, conditions and filters were two thirds of the register
# page's template time (1,200 variable lookups and 500 number localisations a page).
_HEAT_CELL = (
    '<td class="heat-{band}"><a class="d-block text-reset text-decoration-none{chosen}"\n'
    '      href="?{query}{kind}_likelihood={likelihood}&amp;{kind}_impact={impact}"\n'
    '      data-kind="{kind}" data-likelihood="{likelihood}" data-impact="{impact}" '
    'data-count="{count}"\n'
    '      aria-label="{count} risk{plural} with {kind} likelihood {likelihood} and impact '
    '{impact} (score {score}, {band})">{count}</a></td>'
)
_CHOSEN = mark_safe(" fw-bold text-decoration-underline")


def heat_map_table(heat_map: selectors.HeatMap, base_query: str, chosen: list[str]) -> dict:
    """What risks/_heatmap.html draws: the map, and each row's header and cells as HTML.
    `chosen`: the request's inherent and residual likelihood and impact (the cell shown)."""
    offset = 0 if heat_map.kind == "inherent" else 2
    query = format_html("{}&amp;", base_query) if base_query else ""
    labels = heat_map.likelihood_labels
    rows = []
    for row in heat_map.rows:
        likelihood = row[0].likelihood
        cells = [
            format_html(
                _HEAT_CELL,
                band=c.band,
                chosen=_CHOSEN
                if chosen[offset : offset + 2] == [str(c.likelihood), str(c.impact)]
                else "",
                query=query,
                kind=heat_map.kind,
                likelihood=c.likelihood,
                impact=c.impact,
                count=c.count,
                plural="" if c.count == 1 else "s",
                score=c.score,
            )
            for c in row
        ]
        label = labels[likelihood - 1] if 0 < likelihood <= len(labels) else ""
        rows.append({"likelihood": likelihood, "label": label, "cells": cells})
    return {"map": heat_map, "rows": rows}


class RiskColumnsView(OrgViewMixin, ListColumnsView):
    """The register's column choice (isms.list_columns): reading the register is enough."""

    scope_map = {"POST": ["risks:read"]}
    column_set = RISK_COLUMNS


_STATUS_LABELS = dict(RiskStatus.choices)

RISK_EXPORT_COLUMNS = [
    tabular.Column("ref", lambda r: f"R-{r.pk}"),
    *tabular.declared_columns(
        RISK_EDITABLE,
        overrides={
            "controls": tabular.Column("controls", lambda r: [c.ref for c in r.controls.all()])
        },
    ),
    tabular.attr("inherent_score"),
    tabular.attr("inherent_band"),
    tabular.attr("residual_score"),
    tabular.attr("residual_band"),
    tabular.Column("status", lambda r: _STATUS_LABELS.get(r.effective_status, r.effective_status)),
    tabular.attr("acceptance_expires_on"),
]


class RiskExportView(OrgViewMixin, View):
    """The filtered register as CSV or XLSX (isms.tabular: formulas neutralised, labels)."""

    scope_map = READ

    def get(self, request, *args, **kwargs):
        fmt = kwargs["fmt"]
        if fmt not in tabular.FORMATS:
            raise Http404
        base = selectors.risks_for_list(register.criteria_get()).prefetch_related(
            "assets", "suppliers", "controls"
        )
        risks = RiskFilterSet(request.GET, queryset=base).qs.order_by("id")
        return tabular.export_response(
            RISK_EXPORT_COLUMNS,
            risks.iterator(chunk_size=1000),
            fmt=fmt,
            filename=f"{self.organization.slug}-risks",
            sheet="Risk register",
        )


class RiskFormMixin:
    template_name = "risks/risk_form.html"
    form_class = RiskForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["criteria"] = register.criteria_get()
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["nav"] = "risks"
        return context

    def _values(self, form) -> dict:
        data = dict(form.cleaned_data)
        data["treatment"] = data.get("treatment") or ""
        return data


class RiskCreateView(RiskFormMixin, OrgFormView):
    scope_map = {"GET": ["risks:write"], "POST": ["risks:write"]}
    success_message = "Risk “{obj.title}” added."

    def get_initial(self):
        return {"owner": self.request.user.pk}

    def perform(self, form):
        risk = register.risk_create(actor=self.actor, **self._values(form))
        risk.organization = self.organization
        return risk

    def get_success_url(self) -> str:
        return risk_url(self.object)


class RiskUpdateView(RiskFormMixin, OrgFormView):
    scope_map = {"GET": ["risks:write"], "POST": ["risks:write"]}
    model = Risk
    success_message = "Risk saved."

    def get(self, request, *args, **kwargs):
        self.risk = self.get_object()
        policy.require(self.actor, "change", self.risk)
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.risk = self.get_object()
        return super().post(request, *args, **kwargs)

    def get_initial(self):
        risk = self.risk
        initial = {f: getattr(risk, f) for f in register.RISK_FIELDS if f != "owner"}
        initial["owner"] = risk.owner_id
        initial["assets"] = list(risk.asset_links.values_list("asset_id", flat=True))
        initial["suppliers"] = list(risk.supplier_links.values_list("supplier_id", flat=True))
        initial["controls"] = list(risk.control_links.values_list("control_id", flat=True))
        return initial

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["risk"] = self.risk
        return context

    def perform(self, form):
        return register.risk_update(actor=self.actor, risk=self.risk, **self._values(form))

    def get_success_url(self) -> str:
        return risk_url(self.risk)


class RiskDetailView(OrgViewMixin, DetailView):
    template_name = "risks/risk_detail.html"
    scope_map = READ
    model = Risk
    context_object_name = "risk"

    def get_base_queryset(self):
        return selectors.risk_detail_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        risk = self.object
        criteria = register.criteria_get()
        above_appetite = criteria.above_appetite(risk.current_score)
        acceptances = list(
            risk.acceptances.select_related("requested_by", "decided_by", "authority")
        )
        for acceptance in acceptances:
            acceptance.risk = risk
            acceptance.allowed = register.ACCEPTANCE.available(self.actor, acceptance)
            acceptance.allowed_names = {t.name for t in acceptance.allowed}
            acceptance.endorsed_now = (
                acceptance.authority_id is not None
                and acceptance.authority_score == risk.current_score
            )
            acceptance.needs_endorsement = (
                acceptance.status == RiskAcceptance.Status.REQUESTED
                and above_appetite
                and not acceptance.endorsed_now
            )
            if acceptance.needs_endorsement and policy.can(self.actor, "endorse", acceptance):
                acceptance.allowed_names.add("endorse")
        can_edit = policy.can(self.actor, "change", risk)
        actions = list(risk.actions.select_related("owner"))
        for action in actions:
            action.risk = risk
            action.can_update_status = policy.can(self.actor, "update_status", action)
        context.update(
            nav="risks",
            criteria=criteria,
            inherent_band=criteria.band(risk.inherent_score),
            residual_band=criteria.band(risk.residual_score),
            above_appetite=above_appetite,
            can_approve_plan=policy.can(self.actor, "approve_plan", risk)
            and bool(risk.treatment)
            and (risk.plan_approved_treatment != risk.treatment),
            assets=[link.asset for link in risk.asset_links.select_related("asset")],
            suppliers=[link.supplier for link in risk.supplier_links.select_related("supplier")],
            controls=[
                link.control for link in risk.control_links.select_related("control__framework")
            ],
            actions=actions,
            acceptances=acceptances,
            can_edit=can_edit,
            can_request_acceptance=can_edit
            and self.actor.user_id is not None
            and not any(a.status == RiskAcceptance.Status.REQUESTED for a in acceptances),
            action_form=TreatmentActionForm(),
            acceptance_form=AcceptanceRequestForm(),
            decision_form=DecisionForm(),
            status_moves=sorted(register.RISK_TRANSITIONS[risk.status]),
            events=AuditEvent.objects.for_object(risk),
        )
        return context


class RiskPostView(OrgViewMixin, View):
    """POST-only action on one object: look it up (404), act, redirect. A refusal becomes a
    flash message and a redirect back (isms.views.errors.refusal_response); the service's
    transaction has rolled back, so nothing is kept."""

    scope_map = {"POST": ["risks:write"]}

    def act(self, obj):  # returns the URL to go back to
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        obj = self.get_object()
        try:
            return HttpResponseRedirect(self.act(obj))
        except (ValidationError, DomainError) as error:
            return refusal_response(request, error)


class RiskStatusView(RiskPostView):
    model = Risk

    def act(self, risk):
        register.risk_set_status(
            actor=self.actor, risk=risk, status=self.request.POST.get("status", "")
        )
        messages.success(self.request, "Status changed.")
        return risk_url(risk)


class TreatmentActionCreateView(RiskPostView):
    model = Risk

    def act(self, risk):
        form = TreatmentActionForm(self.request.POST)
        if not form.is_valid():
            raise form_refusal(form)
        register.treatment_action_create(actor=self.actor, risk=risk, **form.cleaned_data)
        messages.success(self.request, "Treatment action added.")
        return risk_url(risk)


class TreatmentActionStatusView(RiskPostView):
    model = TreatmentAction

    def act(self, action):
        form = TreatmentActionStatusForm(self.request.POST)
        if not form.is_valid():
            raise ValidationError({"status": "Choose a status."})
        register.treatment_action_update(actor=self.actor, action=action, **form.cleaned_data)
        messages.success(self.request, "Treatment action updated.")
        return risk_url(action.risk)


class AcceptanceRequestView(RiskPostView):
    model = Risk

    def act(self, risk):
        form = AcceptanceRequestForm(self.request.POST)
        if not form.is_valid():
            raise form_refusal(form)
        register.acceptance_request(actor=self.actor, risk=risk, **form.cleaned_data)
        messages.success(self.request, "Acceptance requested: the risk owner decides.")
        return risk_url(risk)


class TreatmentPlanApproveView(RiskPostView):
    """The risk owner approves the treatment plan (ISO/IEC 27001:2022 6.1.3 f)."""

    model = Risk

    def act(self, risk):
        register.treatment_plan_approve(actor=self.actor, risk=risk)
        messages.success(self.request, "Treatment plan approved by the risk owner.")
        return risk_url(risk)


class AcceptanceDecisionView(RiskPostView):
    model = RiskAcceptance
    decision = "approve"

    def act(self, acceptance):
        note = self.request.POST.get("note", "")
        if self.decision == "approve":
            register.acceptance_approve(actor=self.actor, acceptance=acceptance, note=note)
            messages.success(self.request, "Residual risk accepted by its owner.")
        elif self.decision == "endorse":
            register.acceptance_endorse(actor=self.actor, acceptance=acceptance)
            messages.success(
                self.request, "Endorsed by top management: the risk owner may now accept it."
            )
        elif self.decision == "reject":
            register.acceptance_reject(actor=self.actor, acceptance=acceptance, note=note)
            messages.success(self.request, "Acceptance rejected.")
        else:
            register.acceptance_withdraw(actor=self.actor, acceptance=acceptance)
            messages.success(self.request, "Request withdrawn.")
        return risk_url(acceptance.risk)


class SupplierGapListView(OrgListView):
    """Gaps found in supplier assessments, each ready to become a risk with one click."""

    template_name = "risks/supplier_gaps.html"
    scope_map = {"GET": ["risks:read"]}
    selector = selectors.supplier_gaps
    context_object_name = "gaps"
    nav = "risks"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_create_risk"] = policy.can(self.actor, "create", Risk)
        return context


class RiskFromGapView(RiskPostView):
    """POST with the supplier-assessment answer (a gap) as pk: the risk is created and shown."""

    model = SupplierAnswer

    def act(self, answer):
        risk = register.risk_from_gap(actor=self.actor, answer_id=answer.pk)
        risk.organization = self.organization
        messages.success(self.request, "Risk created from the gap: assess it.")
        return risk_url(risk)


class RiskFromHarmView(RiskPostView):
    """POST with the impact assessment as pk and `harm` (its 0-based number): the significant
    harm becomes a risk on the AI system, and the risk is shown."""

    model = ImpactAssessment

    def act(self, assessment):
        index = self.request.POST.get("harm", "")
        if not index.isdigit():
            raise ValidationError({"harm": "Say which harm (its number)."})
        risk = register.risk_from_harm(
            actor=self.actor, assessment_id=assessment.pk, harm_index=int(index)
        )
        risk.organization = self.organization
        messages.success(self.request, "Risk created from the harm: assess and treat it.")
        return risk_url(risk)


class CriteriaView(OrgFormView):
    """The criteria; only who may change them sees the form (risks:manage; the appetite also
    needs risks:accept_above_appetite)."""

    template_name = "risks/criteria_form.html"
    form_class = CriteriaForm
    scope_map = {"GET": ["risks:read"], "POST": ["risks:manage"]}
    success_message = "Risk criteria saved."

    def get_initial(self):
        return CriteriaForm.initial_from(register.criteria_get())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        criteria = register.criteria_get()
        context.update(
            nav="risks",
            criteria=criteria,
            can_edit=policy.can(self.actor, "change", criteria),
            can_set_appetite=policy.can(self.actor, "set_appetite", criteria),
            scales=[
                ("Likelihood", criteria.likelihood_scale),
                ("Impact", criteria.impact_scale),
            ],
            band_fields=["medium_from", "high_from", "critical_from", "acceptance_threshold"],
            events=AuditEvent.objects.for_object(criteria) if criteria.pk else [],
        )
        return context

    def perform(self, form):
        return register.criteria_update(actor=self.actor, **form.cleaned_data)

    def get_success_url(self) -> str:
        return reverse("risk_criteria", args=[self.organization.slug])
