"""The AI change gate pages: change requests with their live checklist, the impact
assessment wizard, and compliance debt."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.views.generic import DetailView, TemplateView

from assets.models import Asset
from isms import policy
from isms.errors import DomainError
from isms.models import AuditEvent
from isms.views.errors import error_status, refusal_response
from isms.views.forms import apply_errors, form_refusal
from isms.views.mixins import OrgFormView, OrgListView, OrgViewMixin
from risks import selectors
from risks.filters import AIActObligationFilterSet, ChangeRequestFilterSet
from risks.forms import (
    WIZARD_STEPS,
    AssessmentHarmsForm,
    ChangeRequestForm,
    FriaForm,
    GateEvidenceForm,
    ReasonForm,
)
from risks.models import (
    AIActObligation,
    AIChangeRequest,
    FundamentalRightsAssessment,
    ImpactAssessment,
    Risk,
    RiskCategory,
)
from risks.models.change import harm_is_significant
from risks.services import change, fria, obligations
from suppliers.models import Supplier

from .register import READ, WRITE, RiskPostView


def change_url(change_request) -> str:
    return reverse(
        "change_request_detail", args=[change_request.organization.slug, change_request.pk]
    )


def assessment_url(assessment, step: str = "") -> str:
    url = reverse("impact_assessment", args=[assessment.organization.slug, assessment.pk])
    return f"{url}?step={step}" if step else url


class ChangeRequestListView(OrgListView):
    template_name = "risks/change_request_list.html"
    rows_template = "risks/_change_request_rows.html"
    scope_map = READ
    filterset_class = ChangeRequestFilterSet
    selector = selectors.change_requests_for_list
    context_object_name = "change_requests"
    nav = "risks"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_request"] = policy.can(self.actor, "create", AIChangeRequest)
        return context


class ChangeRequestCreateView(OrgFormView):
    template_name = "risks/change_request_form.html"
    form_class = ChangeRequestForm
    scope_map = {"GET": ["risks:write"], "POST": ["risks:write"]}
    success_message = "AI change request submitted."

    def get_initial(self):
        return {"asset": self.request.GET.get("asset") or None}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["nav"] = "risks"
        return context

    def perform(self, form):
        data = dict(form.cleaned_data)
        data["asset"] = Asset.objects.filter(pk=data["asset"]).first() if data["asset"] else None
        data["supplier"] = (
            Supplier.objects.filter(pk=data["supplier"]).first() if data["supplier"] else None
        )
        data["approver"] = getattr(data["approver"], "pk", data["approver"])
        change_request = change.change_request_create(actor=self.actor, **data)
        change_request.organization = self.organization
        return change_request

    def get_success_url(self) -> str:
        return change_url(self.object)


# Checklist items a high-risk tier adds (risks.selectors._high_risk_items).
HIGH_RISK_ITEMS = frozenset({"human_oversight", "instructions_for_use", "fria"})


class ChangeRequestDetailView(OrgViewMixin, DetailView):
    template_name = "risks/change_request_detail.html"
    scope_map = READ
    model = AIChangeRequest
    context_object_name = "change_request"

    def get_base_queryset(self):
        return selectors.change_requests_for_list()

    def get_template_names(self):
        if self.request.htmx and self.request.GET.get("part") == "checklist":
            return ["risks/_checklist.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        change_request = self.object
        risks = selectors.risks_for_list().filter(asset_links__asset_id=change_request.asset_id)
        checklist = selectors.change_request_checklist(change_request)
        high_risk = any(item.key in HIGH_RISK_ITEMS for item in checklist.items)
        context.update(
            nav="risks",
            checklist=checklist,
            high_risk=high_risk,
            risks=risks,
            assessments=ImpactAssessment.objects.filter(asset_id=change_request.asset_id),
            allowed={t.name for t in change.CHANGE_REQUEST.available(self.actor, change_request)},
            can_record_evidence=high_risk
            and change_request.status == AIChangeRequest.Status.SUBMITTED
            and policy.can(self.actor, "record_evidence", change_request),
            evidence_form=GateEvidenceForm(
                initial={
                    "oversight_person": change_request.oversight_person_id,
                    "instructions_for_use": change_request.instructions_for_use,
                    "fria_reference": change_request.fria_reference,
                }
            ),
            can_assess=change.can_assess(self.actor, change_request.asset),
            can_add_risk=policy.can(self.actor, "create", Risk),
            reason_form=ReasonForm(),
            risk_categories=RiskCategory.choices,
            events=AuditEvent.objects.for_object(change_request),
        )
        return context


class ChangeRequestDecisionView(RiskPostView):
    model = AIChangeRequest
    decision = "approve"

    def act(self, change_request):
        if self.decision == "approve":
            approved = change.change_request_approve(
                actor=self.actor, change_request=change_request
            )
            stage = approved.get_target_lifecycle_display().lower()
            messages.success(self.request, f"Approved: {change_request.asset} may be in {stage}.")
        elif self.decision == "reject":
            change.change_request_reject(
                actor=self.actor,
                change_request=change_request,
                reason=self.request.POST.get("reason", ""),
            )
            messages.success(self.request, "Change request rejected.")
        else:
            change.change_request_withdraw(actor=self.actor, change_request=change_request)
            messages.success(self.request, "Change request withdrawn.")
        return change_url(change_request)


class ChangeRequestEvidenceView(RiskPostView):
    """The gate evidence of a high-risk system, recorded on the pending request."""

    model = AIChangeRequest

    def act(self, change_request):
        form = GateEvidenceForm(self.request.POST)
        if not form.is_valid():
            raise form_refusal(form)
        change.change_request_record_evidence(
            actor=self.actor, change_request=change_request, **form.cleaned_data
        )
        messages.success(self.request, "Gate evidence recorded.")
        return change_url(change_request)


class ChangeRequestRiskView(RiskPostView):
    """Identify a risk for the change request's asset: a new risk linked to it."""

    model = AIChangeRequest

    def act(self, change_request):
        from risks.services import register

        risk = register.risk_create(
            actor=self.actor,
            title=self.request.POST.get("title", ""),
            category=self.request.POST.get("category", ""),
            owner=change_request.asset.owner_id or self.actor.user_id,
            assets=[change_request.asset_id],
        )
        messages.success(self.request, "Risk identified: now assess it.")
        return reverse("risk_edit", args=[self.organization.slug, risk.pk])


class AssessmentStartView(RiskPostView):
    """Start (or continue) the impact assessment of the change request's asset."""

    model = AIChangeRequest

    def act(self, change_request):
        draft = ImpactAssessment.objects.filter(
            asset_id=change_request.asset_id, status=ImpactAssessment.Status.DRAFT
        ).first()
        if draft is None:
            draft = change.impact_assessment_create(
                actor=self.actor,
                asset=change_request.asset,
                change_request=change_request,
                affected_people=change_request.affected_people,
            )
            messages.success(self.request, "Impact assessment started.")
        else:
            messages.info(self.request, "The impact assessment in draft continues here.")
        return assessment_url(draft, "purpose")


class AssessmentWizardView(OrgViewMixin, TemplateView):
    """The assessment in four steps (plain forms); a summary with the tier and obligations."""

    template_name = "risks/impact_assessment.html"
    scope_map = WRITE
    model = ImpactAssessment

    def get_base_queryset(self):
        return ImpactAssessment.objects.select_related(
            "asset", "change_request", "prepared_by", "approved_by"
        )

    def _step(self):
        keys = [key for key, _, _ in WIZARD_STEPS]
        step = self.request.GET.get("step", "")
        if self.assessment.status != ImpactAssessment.Status.DRAFT or step not in keys:
            return None
        return next(s for s in WIZARD_STEPS if s[0] == step)

    def _form(self, step, data=None):
        key, _, form_class = step
        if key == "harms":
            return AssessmentHarmsForm.for_harms(self.assessment.harms, data)
        initial = {name: getattr(self.assessment, name) for name in form_class.base_fields}
        return form_class(data, initial=initial)

    def get(self, request, *args, **kwargs):
        self.assessment = self.get_object()
        step = self._step()
        return self.render_to_response(
            self.get_context_data(step=step, form=self._form(step) if step else None)
        )

    def post(self, request, *args, **kwargs):
        self.assessment = self.get_object()
        step = self._step()
        if step is None:
            raise DomainError("Only a draft assessment is edited, one step at a time.")
        self.current_step = step
        form = self._form(step, request.POST)
        try:
            if not form.is_valid():
                raise form_refusal(form)
            values = {"harms": form.harms()} if step[0] == "harms" else dict(form.cleaned_data)
            change.impact_assessment_update(actor=self.actor, assessment=self.assessment, **values)
        except (ValidationError, DomainError) as error:
            apply_errors(form, error)
            return self.render_to_response(
                self.get_context_data(step=step, form=form), status=error_status(error)
            )
        keys = [key for key, _, _ in WIZARD_STEPS]
        index = keys.index(step[0])
        return HttpResponseRedirect(
            assessment_url(self.assessment, keys[index + 1] if index + 1 < len(keys) else "")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        assessment = self.assessment
        assessment.refresh_from_db()
        context.update(
            nav="risks",
            assessment=assessment,
            steps=WIZARD_STEPS,
            step=kwargs.get("step") or getattr(self, "current_step", None),
            can_approve=bool(change.IMPACT_ASSESSMENT.available(self.actor, assessment)),
            can_edit=assessment.status == ImpactAssessment.Status.DRAFT
            and policy.can(self.actor, "change", assessment),
            events=AuditEvent.objects.for_object(assessment),
            harm_rows=_harm_rows(assessment),
            fria=assessment.frias.first() if assessment.fria_required else None,
            can_start_fria=policy.can(self.actor, "create", FundamentalRightsAssessment),
            can_raise_risk=policy.can(self.actor, "create", Risk),
        )
        return context


def _harm_rows(assessment: ImpactAssessment) -> list[dict]:
    """The assessment's harms and benefits, each with whether it is significant and the risk
    it became (one query)."""
    risks = {
        r.source_harm: r
        for r in Risk.objects.filter(source_assessment=assessment).only(
            "pk", "title", "source_harm"
        )
    }
    return [
        {**h, "index": i, "significant": harm_is_significant(h), "risk": risks.get(i)}
        for i, h in enumerate(assessment.harms)
    ]


class AssessmentApproveView(RiskPostView):
    model = ImpactAssessment

    def act(self, assessment):
        change.impact_assessment_approve(actor=self.actor, assessment=assessment)
        messages.success(self.request, "Impact assessment approved; the asset's risk tier is set.")
        if assessment.change_request_id:
            return change_url(assessment.change_request)
        return assessment_url(assessment)


class ComplianceDebtView(OrgListView):
    template_name = "risks/compliance_debt.html"
    scope_map = READ
    selector = selectors.compliance_debt
    context_object_name = "assets"
    nav = "risks"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_request"] = policy.can(self.actor, "create", AIChangeRequest)
        return context


class AIActObligationListView(OrgListView):
    """The EU AI Act obligations of every AI system, for our role, with their dates."""

    template_name = "risks/obligation_list.html"
    rows_template = "risks/_obligation_rows.html"
    scope_map = READ
    model = AIActObligation
    filterset_class = AIActObligationFilterSet
    context_object_name = "obligations"
    nav = "risks"

    @staticmethod
    def selector():
        return AIActObligation.objects.select_related("asset", "owner").order_by(
            "status", "due_on", "id"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for row in context["obligations"]:
            row.may_complete = row.status == "open" and policy.can(self.actor, "complete", row)
        return context


class AIActObligationCompleteView(RiskPostView):
    model = AIActObligation

    def act(self, obligation):
        obligations.obligation_complete(actor=self.actor, obligation=obligation)
        messages.success(self.request, f"{obligation.article} marked done.")
        return reverse("ai_act_obligation_list", args=[self.organization.slug])


class FriaStartView(RiskPostView):
    """POST on an impact assessment that needs a FRIA: start it (or open the one started)."""

    model = ImpactAssessment

    def act(self, assessment):
        started = fria.fria_start(actor=self.actor, assessment=assessment)
        return reverse("fria_detail", args=[self.organization.slug, started.pk])


class FriaView(OrgFormView):
    """A FRIA: its Art. 27(1) parts, completion, and the Art. 27(3) notification."""

    model = FundamentalRightsAssessment
    template_name = "risks/fria.html"
    form_class = FriaForm
    scope_map = {"GET": ["risks:read"], "POST": ["risks:manage"]}
    success_message = "FRIA saved."
    nav = "risks"

    def get_fria(self):
        if not hasattr(self, "_fria"):
            self._fria = self.get_object(
                FundamentalRightsAssessment.objects.select_related("asset", "assessment")
            )
        return self._fria

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.get_fria()
        if not policy.can(self.actor, "change", kwargs["instance"]):
            kwargs.pop("data", None)
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        record = self.get_fria()
        context.update(
            fria=record,
            can_edit=policy.can(self.actor, "change", record),
            events=AuditEvent.objects.for_object(record),
        )
        return context

    def post(self, request, *args, **kwargs):
        if "complete" in request.POST:
            try:
                fria.fria_complete(actor=self.actor, fria=self.get_fria())
            except (ValidationError, DomainError) as error:
                return refusal_response(request, error)
            messages.success(request, "FRIA completed: notify the market surveillance authority.")
            return HttpResponseRedirect(self.get_success_url())
        return super().post(request, *args, **kwargs)

    def perform(self, form):
        return fria.fria_update(actor=self.actor, fria=self.get_fria(), **form.cleaned_data)

    def get_success_url(self):
        return reverse("fria_detail", args=[self.organization.slug, self.get_fria().pk])
