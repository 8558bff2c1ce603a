"""Competence and awareness pages, under /o/<org_slug>/monitoring/competence/."""

from __future__ import annotations

from pathlib import PurePosixPath

from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.views.generic import DetailView, TemplateView, View

from isms import policy, uploads
from isms.views.mixins import OrgFormView, OrgListView, OrgViewMixin
from monitoring.competence import forms, selectors, services
from monitoring.competence.models import (
    CompetenceRequirement,
    Responsibility,
    ResponsibilityAssignment,
    TrainingRecord,
)
from monitoring.incidents.views import MANAGE_FORM, POST_MANAGE, READ, IncidentActionView

NAV = "monitoring"
# The competence page lists at most this many gaps and assignments (with their totals).
SHOWN = 200
_PLACEHOLDER = 987654321


def _can_manage(actor) -> bool:
    return actor.has_scopes(["monitoring:write", "monitoring:manage"])


class CompetenceView(OrgViewMixin, TemplateView):
    """Requirements per responsibility, who holds them, the gaps and AI literacy (7.2, 7.3)."""

    model = CompetenceRequirement
    nav = NAV
    scope_map = READ
    template_name = "competence/competence.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        gaps, gap_count = selectors.gaps(today, shown=SHOWN)
        assignments = ResponsibilityAssignment.objects.select_related("member")
        shown_assignments = list(assignments[:SHOWN])
        # One reverse() per page, not per row (hundreds of rows; the output is the same).
        withdraw = reverse("assignment_withdraw", args=[self.organization.slug, _PLACEHOLDER])
        labels = dict(Responsibility.choices)
        for row in [gap.requirement for gap in gaps] + shown_assignments:
            row.responsibility_label = labels.get(row.responsibility, row.responsibility)
        for assignment in shown_assignments:
            assignment.withdraw_url = withdraw.replace(str(_PLACEHOLDER), str(assignment.pk))
            member = assignment.member
            assignment.member_name = member.get_full_name() or member.email
        context.update(
            requirements=CompetenceRequirement.objects.all(),
            assignments=shown_assignments,
            assignment_count=assignments.count(),
            record_training_url=reverse("training_create", args=[self.organization.slug]),
            gaps=gaps,
            gap_count=gap_count,
            shown=SHOWN,
            literacy=selectors.literacy_coverage(today),
            can_manage=_can_manage(self.actor),
        )
        return context


class TrainingListView(OrgListView):
    model = TrainingRecord
    nav = NAV
    scope_map = READ
    template_name = "competence/training_list.html"
    selector = staticmethod(selectors.records_for_list)
    context_object_name = "records"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(today=timezone.localdate(), can_manage=_can_manage(self.actor))
        return context


class TrainingDetailView(OrgViewMixin, DetailView):
    model = TrainingRecord
    nav = NAV
    scope_map = READ
    template_name = "competence/training_detail.html"
    context_object_name = "record"

    def get_base_queryset(self):
        return selectors.records_for_list()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            valid=self.object.valid_on(timezone.localdate()),
            can_edit=policy.can(self.actor, "change", self.object),
        )
        return context


class TrainingEvidenceView(OrgViewMixin, View):
    """Download a record's evidence file (tenant-checked, never a public media URL)."""

    scope_map = READ
    model = TrainingRecord

    def get(self, request, *args, **kwargs):
        record = self.get_object()
        if not record.evidence_file:
            raise Http404
        suffix = PurePosixPath(record.evidence_file.name).suffix
        name = f"training-{record.completed_on.isoformat()}{suffix}"
        return uploads.attachment_response(record.evidence_file, filename=name)


class _ManagedFormView(OrgFormView):
    nav = NAV
    scope_map = MANAGE_FORM
    template_name = "competence/form.html"

    def get_success_url(self):
        return reverse("competence", args=[self.organization.slug])

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if "pk" in self.kwargs:
            self.object = self.get_object()
            kwargs["instance"] = type(self.object).objects.get(pk=self.object.pk)
        return kwargs


class RequirementCreateView(_ManagedFormView):
    model = CompetenceRequirement
    form_class = forms.RequirementForm
    success_message = "Competence “{obj}” required."

    def perform(self, form):
        return services.requirement_create(actor=self.actor, **form.cleaned_data)


class RequirementEditView(_ManagedFormView):
    model = CompetenceRequirement
    form_class = forms.RequirementForm
    success_message = "Competence “{obj}” saved."

    def perform(self, form):
        return services.requirement_update(
            actor=self.actor, requirement=self.object, **form.cleaned_data
        )


class AssignmentCreateView(_ManagedFormView):
    model = ResponsibilityAssignment
    form_class = forms.AssignmentForm
    success_message = "Responsibility assigned: {obj}."

    def perform(self, form):
        return services.assignment_create(actor=self.actor, **form.cleaned_data)


class AssignmentDeleteView(IncidentActionView):
    model = ResponsibilityAssignment
    scope_map = POST_MANAGE
    form_class = forms.EmptyForm
    done = "Responsibility withdrawn."

    def target(self, obj):
        return reverse("competence", args=[self.organization.slug])

    def act(self, obj, data):
        services.assignment_delete(actor=self.actor, assignment=obj)


class TrainingCreateView(_ManagedFormView):
    model = TrainingRecord
    form_class = forms.TrainingRecordForm
    success_message = "Training “{obj}” recorded."

    def get_initial(self):
        initial = super().get_initial()
        for name in ("member", "requirement"):
            if self.request.GET.get(name, "").isdigit():
                initial[name] = self.request.GET[name]
        return initial

    def get_success_url(self):
        return self.object.get_absolute_url()

    def perform(self, form):
        data = dict(form.cleaned_data)
        return services.record_create(
            actor=self.actor, evidence_file=data.pop("evidence_file", None) or None, **data
        )


class TrainingEditView(_ManagedFormView):
    model = TrainingRecord
    form_class = forms.TrainingRecordForm
    success_message = "Training “{obj}” saved."

    def get_success_url(self):
        return self.object.get_absolute_url()

    def perform(self, form):
        data = dict(form.cleaned_data)
        upload = data.pop("evidence_file", None)
        # An unchanged form carries the stored file back: only a new upload is new evidence.
        new_upload = upload if upload and hasattr(upload, "content_type") else None
        return services.record_update(
            actor=self.actor, record=self.object, evidence_file=new_upload, **data
        )
