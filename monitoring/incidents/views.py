"""Incident pages: register, report form, the incident page and its actions, settings."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import FileResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import DetailView, View

from isms import policy
from isms.errors import DomainError
from isms.members import bind_member_fields
from isms.views.errors import error_message
from isms.views.mixins import OrgFormView, OrgListView, OrgViewMixin
from monitoring.checks.models import CheckRun
from monitoring.incidents import forms, selectors, services
from monitoring.incidents.clocks import countdown
from monitoring.incidents.filters import IncidentFilterSet
from monitoring.incidents.models import (
    ConcernChannel,
    Incident,
    IncidentEvidence,
    IncidentSettings,
    ReportingClock,
)


def _actions_with_verifier():
    from monitoring.improvement.models import CorrectiveAction

    return CorrectiveAction.objects.select_related("verified_by")


READ = {"GET": ["monitoring:read"]}
WRITE = {"GET": ["monitoring:read"], "POST": ["monitoring:write"]}
POST_WRITE = {"POST": ["monitoring:write"]}
MANAGE = {"GET": ["monitoring:read"], "POST": ["monitoring:write", "monitoring:manage"]}
# Form pages: opening the form needs what submitting it needs (readers get no form).
WRITE_FORM = {"GET": ["monitoring:write"], "POST": ["monitoring:write"]}
MANAGE_FORM = {
    "GET": ["monitoring:write", "monitoring:manage"],
    "POST": ["monitoring:write", "monitoring:manage"],
}
POST_MANAGE = {"POST": ["monitoring:write", "monitoring:manage"]}


class IncidentListView(OrgListView):
    model = Incident
    nav = "monitoring"
    scope_map = READ
    template_name = "incidents/incident_list.html"
    rows_template = "incidents/_incident_rows.html"
    filterset_class = IncidentFilterSet
    selector = staticmethod(selectors.incidents_for_list)
    context_object_name = "incidents"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        now = timezone.now()
        for incident in context["incidents"]:
            incident.countdown = (
                countdown(incident.next_deadline, now) if incident.next_deadline else ""
            )
            incident.overdue = bool(incident.next_deadline and incident.next_deadline < now)
        return context


class IncidentReportView(OrgFormView):
    model = Incident
    nav = "monitoring"
    scope_map = WRITE_FORM
    form_class = forms.IncidentForm
    template_name = "incidents/incident_form.html"
    success_message = "Incident “{obj}” reported: it is waiting for triage."

    def get_initial(self):
        return {"aware_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")}

    def perform(self, form):
        data = dict(form.cleaned_data)
        assets = data.pop("assets")
        suppliers = data.pop("suppliers")
        if data.get("occurred_at") is None:
            data.pop("occurred_at", None)
        return services.incident_report(
            actor=self.actor, assets=assets, suppliers=suppliers, **data
        )


class IncidentDetailView(OrgViewMixin, DetailView):
    model = Incident
    nav = "monitoring"
    scope_map = READ
    template_name = "incidents/incident_detail.html"
    context_object_name = "incident"

    def get_base_queryset(self):
        return selectors.incident_detail_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        incident = self.object
        now = timezone.now()
        clocks = list(incident.clocks.all())
        for clock in clocks:
            clock.countdown = countdown(clock.due_at, now)
            clock.overdue = clock.reported_at is None and clock.due_at < now
        can_change = policy.can(self.actor, "change", incident)
        triage_form = forms.TriageForm(initial={"severity": incident.severity})
        bind_member_fields(triage_form)
        context.update(
            clocks=clocks,
            timeline=incident.timeline.select_related("author"),
            evidence=incident.evidence.all(),
            asset_links=incident.asset_links.select_related("asset"),
            supplier_links=incident.supplier_links.select_related("supplier"),
            nonconformities=incident.nonconformities.prefetch_related(
                Prefetch("actions", queryset=_actions_with_verifier())
            ),
            transitions={t.name for t in services.INCIDENT.available(self.actor, incident)},
            can_change=can_change and incident.status != "closed",
            can_suspend=policy.can(self.actor, "suspend", incident) and incident.is_open,
            can_raise_nc=self.actor.has_scope("monitoring:write"),
            triage_form=triage_form,
            settings=services.incident_settings(),
        )
        return context


class IncidentActionView(OrgViewMixin, View):
    """A POST from the incident page: one form, one service call, a message, back."""

    model = Incident
    scope_map = POST_WRITE
    form_class = None
    done = ""

    def act(self, obj, data):
        raise NotImplementedError

    def target(self, obj):
        return obj.get_absolute_url()

    def post(self, request, *args, **kwargs):
        obj = self.get_object()
        form = self.form_class(request.POST, request.FILES)
        bind_member_fields(form)
        if not form.is_valid():
            errors = "; ".join(f"{f}: {' '.join(e)}" for f, e in form.errors.items())
            messages.error(request, f"Nothing changed. {errors}")
            return HttpResponseRedirect(self.target(obj))
        try:
            result = self.act(obj, form.cleaned_data)
        except ValidationError as error:
            text = (
                "; ".join(" ".join(m) for m in error.message_dict.values())
                if hasattr(error, "message_dict")
                else " ".join(error.messages)
            )
            messages.error(request, f"Nothing changed. {text}")
            return HttpResponseRedirect(self.target(obj))
        except DomainError as error:
            messages.error(request, error_message(error))
            return HttpResponseRedirect(self.target(obj))
        messages.success(request, self.done)
        return HttpResponseRedirect(self.target(result if result is not None else obj))


class IncidentTriageView(IncidentActionView):
    form_class = forms.TriageForm
    done = "Triaged: the incident is being investigated."

    def act(self, obj, data):
        return services.incident_triage(
            actor=self.actor,
            incident=obj,
            owner=data["owner"],
            severity=data["severity"],
            note=data["note"],
        )


class IncidentDismissView(IncidentActionView):
    form_class = forms.ReasonForm
    done = "Dismissed: the report is kept, marked as not an incident."

    def act(self, obj, data):
        return services.incident_dismiss(actor=self.actor, incident=obj, reason=data["reason"])


class IncidentContainView(IncidentActionView):
    form_class = forms.ContainForm
    done = "Marked contained."

    def act(self, obj, data):
        return services.incident_contain(
            actor=self.actor, incident=obj, containment=data["containment"]
        )


class IncidentCloseView(IncidentActionView):
    form_class = forms.CloseForm
    done = "Closed with its lessons learned; linked risks are flagged for reassessment."

    def act(self, obj, data):
        return services.incident_close(
            actor=self.actor, incident=obj, lessons_learned=data["lessons_learned"]
        )


class IncidentSuspendView(IncidentActionView):
    scope_map = POST_MANAGE
    form_class = forms.ReasonForm
    done = "Decision recorded: the affected systems are suspended."

    def act(self, obj, data):
        return services.incident_suspend(actor=self.actor, incident=obj, reason=data["reason"])


class IncidentNoteView(IncidentActionView):
    form_class = forms.NoteForm
    done = "Added to the timeline."

    def act(self, obj, data):
        services.timeline_add(actor=self.actor, incident=obj, text=data["text"])


class IncidentEvidenceView(IncidentActionView):
    form_class = forms.EvidenceForm
    done = "Evidence kept, with its SHA-256."

    def act(self, obj, data):
        services.evidence_add(
            actor=self.actor, incident=obj, upload=data["file"], description=data["description"]
        )


class ClockReportView(IncidentActionView):
    model = ReportingClock
    form_class = forms.ClockReportForm
    done = "Report recorded: when and to whom."

    def target(self, obj):
        return obj.incident.get_absolute_url()

    def act(self, obj, data):
        services.clock_record_report(
            actor=self.actor,
            clock=obj,
            recipient=data["recipient"],
            reported_at=data["reported_at"],
            reference=data["reference"],
            initial=data["initial"],
        )


class IncidentRaiseNonconformityView(IncidentActionView):
    """One click: a nonconformity pre-filled from the incident."""

    form_class = forms.forms.Form
    done = "Nonconformity raised from the incident: add its root cause and actions."

    def act(self, obj, data):
        from monitoring.improvement.services import nonconformity_from_incident

        return nonconformity_from_incident(actor=self.actor, incident=obj)


class IncidentFromCheckRunView(OrgViewMixin, View):
    """One click on a failing check run: its incident, pre-filled (and its nonconformity
    where the run evidences controls). A second click opens the same incident."""

    model = CheckRun
    scope_map = POST_WRITE

    def post(self, request, *args, **kwargs):
        from monitoring.incidents.from_checks import incident_from_check_run

        run = self.get_object()
        back = reverse("check_detail", args=[self.organization.slug, run.check_code])
        try:
            raised = incident_from_check_run(
                actor=self.actor, run=run, nonconformity=bool(request.POST.get("nonconformity"))
            )
        except (DomainError, ValidationError) as error:
            messages.error(request, f"No incident raised. {error_message(error)}")
            return HttpResponseRedirect(back)
        incident = raised.incident
        if not raised.created:
            messages.info(request, f"This check run already raised incident “{incident}”.")
        elif raised.nonconformity is not None:
            messages.success(
                request,
                f"Incident “{incident}” raised from the check run, with a nonconformity: "
                "triage the incident and plan the corrective action.",
            )
        else:
            messages.success(
                request, f"Incident “{incident}” raised from the check run: triage it next."
            )
        return HttpResponseRedirect(incident.get_absolute_url())


class EvidenceDownloadView(OrgViewMixin, View):
    model = IncidentEvidence
    scope_map = READ

    def get(self, request, *args, **kwargs):
        evidence = self.get_object()
        response = FileResponse(
            evidence.file.open("rb"),
            as_attachment=True,
            filename=evidence.original_name,
            content_type=evidence.content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response


class IncidentSettingsView(OrgFormView):
    model = IncidentSettings
    nav = "monitoring"
    scope_map = MANAGE_FORM
    form_class = forms.SettingsForm
    template_name = "incidents/settings.html"
    success_message = "Incident settings saved; open clocks were recomputed."

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = services.incident_settings()
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["channels"] = ConcernChannel.objects.select_related("created_by")
        return context

    def perform(self, form):
        return services.settings_update(actor=self.actor, **form.cleaned_data)

    def get_success_url(self):
        return reverse("incident_settings", args=[self.organization.slug])


class ConcernChannelCreateView(OrgViewMixin, View):
    model = ConcernChannel
    scope_map = POST_MANAGE

    def post(self, request, *args, **kwargs):
        issued = services.concern_channel_create(actor=self.actor)
        url = request.build_absolute_uri(reverse("concern_form", args=[issued.token]))
        messages.success(
            request,
            f"New public concern link (shown once; publish it on your site): {url}",
        )
        return HttpResponseRedirect(reverse("incident_settings", args=[self.organization.slug]))


class ConcernChannelRevokeView(OrgViewMixin, View):
    model = ConcernChannel
    scope_map = POST_MANAGE

    def post(self, request, *args, **kwargs):
        channel = self.get_object()
        services.concern_channel_revoke(actor=self.actor, channel=channel)
        messages.success(request, f"Link {channel.token_prefix}… revoked: it no longer opens.")
        return HttpResponseRedirect(reverse("incident_settings", args=[self.organization.slug]))
