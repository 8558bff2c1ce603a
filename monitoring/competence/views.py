"""Competence and awareness pages, under /o/<org_slug>/monitoring/competence/."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

from django.core.paginator import Page, Paginator
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.views.generic import DetailView, TemplateView, View

from isms import policy, tabular, uploads
from isms.views.mixins import OrgEditFormView, OrgListView, OrgViewMixin
from monitoring.competence import forms, selectors, services
from monitoring.competence.models import (
    CompetenceRequirement,
    Responsibility,
    ResponsibilityAssignment,
    TrainingRecord,
)
from monitoring.incidents.views import MANAGE_FORM, POST_MANAGE, READ, IncidentActionView

NAV = "monitoring"
# The competence page leads with its figures and shows a page of each long list: a small
# organisation sees everything at once, a large one pages (or exports the gaps) to reach
# every row. Each list is paged by its own query parameter, the others' pages kept.
GAPS_PER_PAGE = 25
HELD_PER_PAGE = 25
# Up to this many members without AI literacy are named inline; past it, a count and a link.
UNCOVERED_INLINE = 25
UNCOVERED_PER_PAGE = 100
_PLACEHOLDER = 987654321


def _can_manage(actor) -> bool:
    return actor.has_scopes(["monitoring:write", "monitoring:manage"])


def _requirement_filter(request) -> int | None:
    value = request.GET.get("requirement", "")
    return int(value) if value.isdigit() else None


@dataclass(frozen=True)
class Section:
    """One paged list of the page: its page of rows and the links to its neighbours."""

    page: Page
    previous_url: str | None
    next_url: str | None

    @property
    def rows(self):
        return self.page.object_list


def _section(request, rows, *, param: str, per_page: int, anchor: str) -> Section:
    page = Paginator(rows, per_page).get_page(request.GET.get(param))

    def link(number: int) -> str:
        query = request.GET.copy()
        query[param] = str(number)
        return f"?{query.urlencode()}#{anchor}"

    return Section(
        page,
        link(page.previous_page_number()) if page.has_previous() else None,
        link(page.next_page_number()) if page.has_next() else None,
    )


class CompetenceView(OrgViewMixin, TemplateView):
    """Requirements per responsibility, who holds them, the gaps and AI literacy (7.2, 7.3):
    the figures first, then the most pressing gaps a page at a time."""

    model = CompetenceRequirement
    nav = NAV
    scope_map = READ
    template_name = "competence/competence.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        request = self.request
        today = timezone.localdate()
        report = selectors.gaps(today)
        figures = {f.requirement.pk: f for f in report.requirements}
        chosen = figures.get(_requirement_filter(request))
        gap_rows = report.of(chosen.requirement.pk) if chosen else report.gaps
        gaps = _section(request, gap_rows, param="gaps_page", per_page=GAPS_PER_PAGE, anchor="gaps")
        held = _section(
            request,
            ResponsibilityAssignment.objects.select_related("member"),
            param="held_page",
            per_page=HELD_PER_PAGE,
            anchor="held",
        )
        literacy = selectors.literacy_coverage(today)
        uncovered = None
        query = request.GET.copy()
        query["uncovered_page"] = "1"
        uncovered_list_url = f"?{query.urlencode()}#literacy"
        if len(literacy.uncovered) <= UNCOVERED_INLINE or "uncovered_page" in request.GET:
            uncovered = _section(
                request,
                literacy.uncovered,
                param="uncovered_page",
                per_page=UNCOVERED_PER_PAGE,
                anchor="literacy",
            )
        # One reverse() per page, not per row; labels and names worked out here, not per
        # variable lookup in the template.
        slug = self.organization.slug
        withdraw = reverse("assignment_withdraw", args=[slug, _PLACEHOLDER])
        edit = reverse("requirement_edit", args=[slug, _PLACEHOLDER])
        labels = dict(Responsibility.choices)
        for figure in report.requirements:
            requirement = figure.requirement
            requirement.responsibility_label = labels.get(
                requirement.responsibility, requirement.responsibility
            )
            requirement.edit_url = edit.replace(str(_PLACEHOLDER), str(requirement.pk))
        for assignment in held.rows:
            assignment.responsibility_label = labels.get(
                assignment.responsibility, assignment.responsibility
            )
            assignment.withdraw_url = withdraw.replace(str(_PLACEHOLDER), str(assignment.pk))
            member = assignment.member
            assignment.member_name = member.get_full_name() or member.email
        export = reverse("competence_gaps_export", args=[slug, "csv"])
        if chosen:
            export += f"?requirement={chosen.requirement.pk}"
        context.update(
            requirements=report.requirements,
            chosen=chosen,
            gap_count=len(report.gaps),
            missing_count=report.missing,
            expired_count=report.expired,
            members_with_gaps=report.members,
            gaps=gaps,
            gaps_export_url=export,
            held=held,
            record_training_url=reverse("training_create", args=[slug]),
            literacy=literacy,
            uncovered=uncovered,
            uncovered_list_url=uncovered_list_url,
            can_manage=_can_manage(self.actor),
        )
        return context


GAP_EXPORT_COLUMNS = [
    tabular.Column("Member", lambda g: g.member.name),
    tabular.Column("E-mail", lambda g: g.member.email),
    tabular.Column("Responsibility", lambda g: Responsibility(g.requirement.responsibility).label),
    tabular.Column("Competence required", lambda g: g.requirement.title),
    tabular.Column("AI literacy", lambda g: g.requirement.ai_literacy),
    tabular.Column("Gap", lambda g: "Expired" if g.expired_on else "No record"),
    tabular.Column("Expired on", lambda g: g.expired_on),
]


class GapExportView(OrgViewMixin, View):
    """Every gap (or one competence's, `?requirement=`) as CSV or XLSX, in the page's order."""

    scope_map = READ
    model = CompetenceRequirement

    def get(self, request, *args, **kwargs):
        fmt = kwargs["fmt"]
        if fmt not in tabular.FORMATS:
            raise Http404
        report = selectors.gaps(timezone.localdate())
        chosen = _requirement_filter(request)
        return tabular.export_response(
            GAP_EXPORT_COLUMNS,
            report.gaps if chosen is None else report.of(chosen),
            fmt=fmt,
            filename=f"{self.organization.slug}-competence-gaps",
            sheet="Competence gaps",
        )


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


class _ManagedFormView(OrgEditFormView):
    nav = NAV
    scope_map = MANAGE_FORM
    template_name = "competence/form.html"

    def get_success_url(self):
        return reverse("competence", args=[self.organization.slug])


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
