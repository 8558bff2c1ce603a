"""Clause 10 pages: nonconformities with their corrective actions, the improvement log."""

from __future__ import annotations

from django.db.models import Count, Q
from django.urls import reverse
from django.views.generic import DetailView

from isms import policy
from isms.members import bind_member_fields
from isms.views.mixins import OrgFormView, OrgListView, OrgViewMixin
from monitoring.improvement import filters, forms, services
from monitoring.improvement.models import (
    ActionStatus,
    CorrectiveAction,
    ImprovementEntry,
    Nonconformity,
)
from monitoring.incidents.views import READ, WRITE_FORM, IncidentActionView


def nonconformities_for_list():
    return (
        Nonconformity.objects.select_related("owner", "source_incident")
        .annotate(
            action_count=Count("actions"),
            verified_count=Count("actions", filter=Q(actions__status=ActionStatus.VERIFIED)),
        )
        .order_by(*Nonconformity._meta.ordering)
    )  # GROUP BY drops Meta.ordering: page stably


class NonconformityListView(OrgListView):
    model = Nonconformity
    nav = "monitoring"
    scope_map = READ
    template_name = "improvement/nonconformity_list.html"
    filterset_class = filters.NonconformityFilterSet
    selector = staticmethod(nonconformities_for_list)
    context_object_name = "nonconformities"


class NonconformityCreateView(OrgFormView):
    model = Nonconformity
    nav = "monitoring"
    scope_map = WRITE_FORM
    form_class = forms.NonconformityForm
    template_name = "improvement/nonconformity_form.html"
    success_message = "Nonconformity “{obj}” raised."

    def get_initial(self):
        return {
            "owner": self.actor.user_id,
            "source": self.request.GET.get("source", "other"),
            "source_reference": self.request.GET.get("reference", "")[:200],
        }

    def perform(self, form):
        data = dict(form.cleaned_data)
        return services.nonconformity_raise(
            actor=self.actor,
            title=data.pop("title"),
            description=data.pop("description"),
            owner=data.pop("owner"),
            source=data.pop("source"),
            **data,
        )


class NonconformityEditView(OrgFormView):
    model = Nonconformity
    nav = "monitoring"
    scope_map = WRITE_FORM
    form_class = forms.NonconformityEditForm
    template_name = "improvement/nonconformity_form.html"
    success_message = "Nonconformity “{obj}” saved."

    def dispatch(self, request, *args, **kwargs):
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        self.object = self.get_object()
        kwargs["instance"] = Nonconformity.objects.get(pk=self.object.pk)
        return kwargs

    def perform(self, form):
        return services.nonconformity_update(
            actor=self.actor, nonconformity=self.object, **form.cleaned_data
        )


class NonconformityDetailView(OrgViewMixin, DetailView):
    model = Nonconformity
    nav = "monitoring"
    scope_map = READ
    template_name = "improvement/nonconformity_detail.html"
    context_object_name = "nc"

    def get_base_queryset(self):
        return Nonconformity.objects.select_related("owner", "source_incident", "raised_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        nc = self.object
        actions = list(nc.actions.select_related("owner", "verified_by"))
        for action in actions:
            action.moves = {
                t.name for t in services.CORRECTIVE_ACTION.available(self.actor, action)
            }
            action.verify_refusal = None
            if action.status == ActionStatus.DONE and "verify" not in action.moves:
                refused = policy.refusal(self.actor, "verify", action)
                action.verify_refusal = refused.message if refused else None
        action_form = forms.ActionForm()
        bind_member_fields(action_form)
        context.update(
            actions=actions,
            action_form=action_form,
            can_change=policy.can(self.actor, "change", nc) and nc.status == "open",
            can_close=nc.status == "open" and policy.can(self.actor, "close", nc),
        )
        return context


class ActionPlanView(IncidentActionView):
    model = Nonconformity
    form_class = forms.ActionForm
    done = "Corrective action planned."

    def act(self, obj, data):
        services.action_plan(actor=self.actor, nonconformity=obj, **data)


class NonconformityCloseView(IncidentActionView):
    model = Nonconformity
    form_class = forms.NoteForm
    done = "Nonconformity closed: every corrective action was verified effective."

    def act(self, obj, data):
        return services.nonconformity_close(actor=self.actor, nonconformity=obj)


class _ActionMove(IncidentActionView):
    model = CorrectiveAction
    form_class = forms.NoteForm

    def target(self, obj):
        return reverse("nonconformity_detail", args=[obj.organization.slug, obj.nonconformity_id])


class ActionStartView(_ActionMove):
    done = "Action started."

    def act(self, obj, data):
        return services.action_start(actor=self.actor, action=obj)


class ActionCompleteView(_ActionMove):
    done = "Action marked done: it now needs verification by someone else."

    def act(self, obj, data):
        return services.action_complete(actor=self.actor, action=obj, note=data["note"])


class ActionVerifyView(_ActionMove):
    done = "Verified effective."

    def act(self, obj, data):
        return services.action_verify(actor=self.actor, action=obj, note=data["note"])


class ActionRejectView(_ActionMove):
    done = "Not effective: the action went back to its owner."

    def act(self, obj, data):
        return services.action_reject(actor=self.actor, action=obj, note=data["note"])


class ImprovementListView(OrgListView):
    model = ImprovementEntry
    nav = "monitoring"
    scope_map = READ
    template_name = "improvement/improvement_list.html"
    filterset_class = filters.ImprovementFilterSet
    selector = staticmethod(lambda: ImprovementEntry.objects.select_related("owner"))
    context_object_name = "entries"


class ImprovementCreateView(OrgFormView):
    model = ImprovementEntry
    nav = "monitoring"
    scope_map = WRITE_FORM
    form_class = forms.ImprovementForm
    template_name = "improvement/improvement_form.html"
    success_message = "Logged: “{obj}”."

    def perform(self, form):
        data = dict(form.cleaned_data)
        return services.improvement_log(actor=self.actor, title=data.pop("title"), **data)

    def get_success_url(self):
        return reverse("improvement_list", args=[self.organization.slug])
