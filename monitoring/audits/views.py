"""Internal audit pages: programmes with their coverage, audits, findings, reports."""

from __future__ import annotations

from django.views.generic import DetailView

from isms import policy
from isms.views.mixins import OrgFormView, OrgListView, OrgViewMixin
from monitoring.audits import forms, selectors, services
from monitoring.audits.models import Audit, AuditFinding, AuditProgramme
from monitoring.incidents.views import MANAGE_FORM, READ, IncidentActionView


class ProgrammeListView(OrgListView):
    model = AuditProgramme
    nav = "monitoring"
    scope_map = READ
    template_name = "audits/programme_list.html"
    selector = staticmethod(lambda: AuditProgramme.objects.all())
    context_object_name = "programmes"


class ProgrammeCreateView(OrgFormView):
    model = AuditProgramme
    nav = "monitoring"
    scope_map = MANAGE_FORM
    form_class = forms.ProgrammeForm
    template_name = "audits/form.html"
    success_message = "Programme “{obj}” created: plan its audits until nothing is uncovered."

    def perform(self, form):
        return services.programme_create(actor=self.actor, **form.cleaned_data)


class ProgrammeDetailView(OrgViewMixin, DetailView):
    model = AuditProgramme
    nav = "monitoring"
    scope_map = READ
    template_name = "audits/programme_detail.html"
    context_object_name = "programme"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["audits"] = self.object.audits.select_related("auditor")
        context["coverage"] = selectors.coverage(self.object)
        context["can_plan"] = policy.can(self.actor, "change", self.object)
        return context


class AuditPlanView(OrgFormView):
    model = AuditProgramme
    nav = "monitoring"
    scope_map = MANAGE_FORM
    form_class = forms.AuditForm
    template_name = "audits/form.html"
    success_message = "Audit “{obj}” planned."

    def get_form_kwargs(self):
        self.programme = self.get_object()  # another organisation's programme: 404
        return super().get_form_kwargs()

    def perform(self, form):
        return services.audit_plan(
            actor=self.actor, programme=self.programme, **form.service_values()
        )


class AuditDetailView(OrgViewMixin, DetailView):
    model = Audit
    nav = "monitoring"
    scope_map = READ
    template_name = "audits/audit_detail.html"
    context_object_name = "audit"

    def get_base_queryset(self):
        return Audit.objects.select_related("programme", "auditor", "reported_by")

    def get_context_data(self, **kwargs):
        from assets.models import Asset
        from isms.models import Control

        context = super().get_context_data(**kwargs)
        audit = self.object
        context.update(
            findings=audit.findings.select_related("nonconformity"),
            assets=Asset.objects.filter(pk__in=audit.asset_ids),
            controls=Control.objects.filter(pk__in=audit.control_ids).select_related("framework"),
            moves={t.name for t in services.AUDIT.available(self.actor, audit)},
            can_conduct=policy.can(self.actor, "conduct", audit),
            finding_form=forms.FindingForm(),
            checklist=[line for line in audit.checklist.splitlines() if line.strip()],
        )
        return context


class AuditStartView(IncidentActionView):
    model = Audit
    form_class = forms.EmptyForm
    done = "Audit started: record checklist answers, sampled evidence and findings."

    def act(self, obj, data):
        return services.audit_start(actor=self.actor, audit=obj)


class AuditReportView(IncidentActionView):
    model = Audit
    form_class = forms.ReportForm
    done = "Audit reported: the report is kept and goes to management review."

    def act(self, obj, data):
        return services.audit_report(actor=self.actor, audit=obj, report=data["report"])


class FindingAddView(IncidentActionView):
    model = Audit
    form_class = forms.FindingForm
    done = "Finding recorded."

    def act(self, obj, data):
        services.finding_add(actor=self.actor, audit=obj, **data)


class FindingRaiseNonconformityView(IncidentActionView):
    model = AuditFinding
    form_class = forms.EmptyForm
    done = "Nonconformity raised from the finding."

    def target(self, obj):
        return (
            obj.audit.get_absolute_url()
            if isinstance(obj, AuditFinding)
            else obj.get_absolute_url()
        )

    def act(self, obj, data):
        return services.finding_raise_nonconformity(actor=self.actor, finding=obj)
