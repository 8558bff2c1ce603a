"""Context, scope and objectives pages, under /o/<org_slug>/monitoring/context/."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.views.generic import DetailView, TemplateView

from isms import policy
from isms.errors import DomainError
from isms.members import bind_member_fields
from isms.views.errors import error_message
from isms.views.mixins import OrgEditFormView, OrgFormView, OrgListView, OrgViewMixin
from monitoring.context import forms, selectors, services
from monitoring.context.models import (
    ContextIssue,
    InterestedParty,
    Objective,
    ScopeStatement,
)
from monitoring.incidents.views import MANAGE_FORM, POST_MANAGE, READ, IncidentActionView

NAV = "monitoring"


def _can_manage(actor) -> bool:
    return actor.has_scopes(["monitoring:write", "monitoring:manage"])


# --- issues and interested parties -----------------------------------------------------------


class ContextListView(OrgListView):
    """Internal and external issues (4.1) with the interested parties (4.2) beside them."""

    model = ContextIssue
    nav = NAV
    scope_map = READ
    template_name = "context/context_list.html"
    selector = staticmethod(lambda: ContextIssue.objects.all())
    context_object_name = "issues"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(parties=InterestedParty.objects.all(), can_manage=_can_manage(self.actor))
        return context


class _ManagedFormView(OrgEditFormView):
    nav = NAV
    scope_map = MANAGE_FORM

    def get_success_url(self):
        return reverse("context_list", args=[self.organization.slug])


class IssueCreateView(_ManagedFormView):
    model = ContextIssue
    form_class = forms.IssueForm
    template_name = "context/form.html"
    success_message = "Issue “{obj}” recorded."

    def perform(self, form):
        return services.issue_create(actor=self.actor, **form.cleaned_data)


class IssueEditView(_ManagedFormView):
    model = ContextIssue
    form_class = forms.IssueForm
    template_name = "context/form.html"
    success_message = "Issue “{obj}” saved."

    def perform(self, form):
        return services.issue_update(actor=self.actor, issue=self.object, **form.cleaned_data)


class PartyCreateView(_ManagedFormView):
    model = InterestedParty
    form_class = forms.PartyForm
    template_name = "context/form.html"
    success_message = "Interested party “{obj}” recorded."

    def perform(self, form):
        return services.party_create(actor=self.actor, **form.cleaned_data)


class PartyEditView(_ManagedFormView):
    model = InterestedParty
    form_class = forms.PartyForm
    template_name = "context/form.html"
    success_message = "Interested party “{obj}” saved."

    def perform(self, form):
        return services.party_update(actor=self.actor, party=self.object, **form.cleaned_data)


# --- scope ----------------------------------------------------------------------------------


class ScopeView(OrgViewMixin, TemplateView):
    """The scope in force, the version being prepared and the earlier versions."""

    model = ScopeStatement
    nav = NAV
    scope_map = READ
    template_name = "context/scope.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            current=selectors.current_scope(),
            open_scope=selectors.open_scope(),
            versions=ScopeStatement.objects.select_related("prepared_by", "approved_by"),
            can_manage=_can_manage(self.actor),
        )
        return context


class ScopeDraftView(IncidentActionView):
    """POST: start the next version from the scope in force."""

    model = ScopeStatement
    scope_map = POST_MANAGE
    form_class = forms.EmptyForm

    def post(self, request, *args, **kwargs):
        try:
            scope = services.scope_draft(actor=self.actor)
        except DomainError as error:
            messages.error(request, error_message(error))
            return HttpResponseRedirect(reverse("scope", args=[self.organization.slug]))
        messages.success(request, f"{scope} started as a draft: edit it, then submit it.")
        return HttpResponseRedirect(scope.get_absolute_url())


class ScopeDetailView(OrgViewMixin, DetailView):
    model = ScopeStatement
    nav = NAV
    scope_map = READ
    template_name = "context/scope_detail.html"
    context_object_name = "scope"

    def get_base_queryset(self):
        return ScopeStatement.objects.select_related("prepared_by", "approved_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        scope = self.object
        moves = {t.name for t in services.SCOPE.available(self.actor, scope)}
        approve_refusal = None
        if scope.status == "submitted" and "approve" not in moves:
            refused = policy.refusal(self.actor, "approve", scope)
            approve_refusal = refused.message if refused else None
        context.update(
            moves=moves,
            approve_refusal=approve_refusal,
            can_edit=scope.status == "draft" and policy.can(self.actor, "change", scope),
        )
        return context


class ScopeEditView(_ManagedFormView):
    model = ScopeStatement
    form_class = forms.ScopeForm
    template_name = "context/form.html"
    success_message = "{obj} saved."

    def get_success_url(self):
        return self.object.get_absolute_url()

    def get(self, request, *args, **kwargs):
        scope = self.get_object()
        if scope.status != "draft":
            messages.info(
                request, f"{scope} is {scope.get_status_display().lower()}: only a draft changes."
            )
            return HttpResponseRedirect(scope.get_absolute_url())
        return super().get(request, *args, **kwargs)

    def perform(self, form):
        return services.scope_update(actor=self.actor, scope=self.object, **form.cleaned_data)


class ScopeSubmitView(IncidentActionView):
    model = ScopeStatement
    form_class = forms.EmptyForm
    done = "Scope statement submitted for approval by top management."

    def act(self, obj, data):
        return services.scope_submit(actor=self.actor, scope=obj)


class ScopeReturnView(IncidentActionView):
    model = ScopeStatement
    form_class = forms.ReasonForm
    done = "Scope statement returned to draft."

    def act(self, obj, data):
        return services.scope_return(actor=self.actor, scope=obj, reason=data["reason"])


class ScopeApproveView(IncidentActionView):
    model = ScopeStatement
    form_class = forms.EmptyForm
    done = "Scope statement approved: it is now the scope in force and can no longer change."

    def act(self, obj, data):
        return services.scope_approve(actor=self.actor, scope=obj)


# --- objectives -----------------------------------------------------------------------------


class ObjectiveListView(OrgListView):
    model = Objective
    nav = NAV
    scope_map = READ
    template_name = "context/objective_list.html"
    selector = staticmethod(selectors.objectives_for_list)
    context_object_name = "objectives"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["objectives"] = selectors.annotate_status(context["objectives"])
        context["can_manage"] = _can_manage(self.actor)
        return context


class ObjectiveCreateView(OrgFormView):
    model = Objective
    nav = NAV
    scope_map = MANAGE_FORM
    form_class = forms.ObjectiveForm
    template_name = "context/form.html"
    success_message = "Objective “{obj}” set; its owner is reminded when a measurement is due."

    def perform(self, form):
        data = dict(form.cleaned_data)
        return services.objective_create(actor=self.actor, owner=data.pop("owner"), **data)


class ObjectiveEditView(_ManagedFormView):
    model = Objective
    form_class = forms.ObjectiveForm
    template_name = "context/form.html"
    success_message = "Objective “{obj}” saved."

    def get_success_url(self):
        return self.object.get_absolute_url()

    def perform(self, form):
        return services.objective_update(
            actor=self.actor, objective=self.object, **form.cleaned_data
        )


class ObjectiveDetailView(OrgViewMixin, DetailView):
    model = Objective
    nav = NAV
    scope_map = READ
    template_name = "context/objective_detail.html"
    context_object_name = "objective"

    def get_base_queryset(self):
        return selectors.objectives_for_list()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        objective = selectors.annotate_status([self.object])[0]
        measurements = list(objective.measurements.all())
        for m in measurements:
            m.meets = objective.meets(m.value)
        form = forms.MeasurementForm()
        bind_member_fields(form)
        context.update(
            objective=objective,
            measurements=measurements,
            measurement_form=form,
            can_measure=policy.can(self.actor, "measure", objective),
            can_manage=_can_manage(self.actor),
        )
        return context


class MeasurementRecordView(IncidentActionView):
    model = Objective
    form_class = forms.MeasurementForm
    done = "Measurement recorded."

    def act(self, obj, data):
        services.measurement_record(actor=self.actor, objective=obj, **data)
