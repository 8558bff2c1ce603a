"""Pages: the checks (latest result, pass-rate trend, run now), one check's history, and a
control's monitoring page (how it is implemented, what proves it works, as of when)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView

from isms import policy
from isms.views.mixins import OrgFormView, OrgViewMixin
from monitoring.checks import control_services, forms, registry, selectors, services, svg
from monitoring.checks.models import (
    CheckRun,
    ControlEvidence,
    ControlTestResult,
    MonitoringPlan,
    TestResult,
)
from monitoring.checks.notifications import incident_link, nonconformity_url


class CheckListView(OrgViewMixin, TemplateView):
    scope_map = {"GET": ["monitoring:read"], "POST": ["monitoring:manage"]}
    template_name = "monitoring_checks/check_list.html"
    nav = "monitoring"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = selectors.latest_runs()
        status = self.request.GET.get("status")
        if status == "fail":
            rows = [r for r in rows if r["run"] is not None and r["run"].status != "pass"]
        context["rows"] = rows
        context["status"] = status
        context["trend"] = svg.rate_line(selectors.pass_rate_by_day(), "Check pass rate by day")
        context["can_run"] = policy.can(
            self.actor, "run", CheckRun(organization_id=self.organization.pk)
        )
        return context

    def post(self, request, *args, **kwargs):
        policy.require(self.actor, "run", CheckRun(organization_id=self.organization.pk))
        from monitoring.checks.portfolio import figures_refresh

        runs = services.run_checks()
        figures_refresh()
        failing = sum(1 for r in runs if r.status != "pass")
        messages.success(
            request, f"Ran {len(runs)} checks: {len(runs) - failing} passed, {failing} failing."
        )
        return HttpResponseRedirect(reverse("check_list", args=[self.organization.slug]))


class CheckDetailView(OrgViewMixin, TemplateView):
    scope_map = {"GET": ["monitoring:read"]}
    template_name = "monitoring_checks/check_detail.html"
    nav = "monitoring"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        check_type = registry.get(self.kwargs["code"])
        if check_type is None:
            raise Http404
        runs = list(selectors.runs_of_check(check_type.code))
        context.update(
            check=check_type,
            runs=runs[:50],
            latest=runs[0] if runs else None,
            chart=svg.status_strip(runs, check_type.title),
            incident_link=incident_link(
                self.organization.slug, self.actor, runs[0] if runs else None
            ),
        )
        return context


class ControlMonitoringView(OrgViewMixin, TemplateView):
    """One control (an SoA row): its implementation, the checks that evidence it, their
    history as a chart, and (when failing) the way to raise a nonconformity."""

    scope_map = {"GET": ["monitoring:read", "controls:read"]}
    template_name = "monitoring_checks/control.html"
    nav = "monitoring"

    def get_context_data(self, **kwargs):
        from django.shortcuts import get_object_or_404

        from risks.models import SoARow

        context = super().get_context_data(**kwargs)
        row = get_object_or_404(
            SoARow.objects.select_related("control", "soa__framework", "owner"),
            pk=self.kwargs["pk"],
        )
        framework_code = row.soa.framework.code
        runs = list(selectors.runs_for_control(framework_code, row.ref))
        latest_by_check: dict[str, CheckRun] = {}
        for run in runs:
            latest_by_check.setdefault(run.check_code, run)
        failing = [r for r in latest_by_check.values() if r.status != "pass"]
        results = list(ControlTestResult.objects.filter(soa_row=row).select_related("tester")[:20])
        if results and results[0].result != TestResult.EFFECTIVE:
            failing.append(results[0])
        context.update(
            row=row,
            checks=registry.checks_for_control(framework_code, row.ref),
            latest_by_check=latest_by_check,
            runs=runs[:30],
            chart=svg.status_strip(runs, f"Checks of control {row.ref}"),
            failing=failing,
            evidence=ControlEvidence.objects.filter(soa_row=row).select_related("owner"),
            plans=MonitoringPlan.objects.filter(soa_row=row).select_related("tester", "analyst"),
            results=results,
            as_of=runs[0].ran_at if runs else None,
            nonconformity_url=nonconformity_url(self.organization.slug) if failing else None,
            can_change=self.actor.has_scope("monitoring:write")
            and policy.can(
                self.actor,
                "change",
                ControlEvidence(organization_id=self.organization.pk, soa_row=row),
            ),
        )
        return context


class ControlCoverageView(OrgViewMixin, TemplateView):
    """The applicable controls with what each lacks (implemented, current evidence, tested
    effective, a test overdue): the list behind every coverage figure of the home page,
    filtered by framework and gap exactly as the figure counts."""

    scope_map = {"GET": ["monitoring:read", "controls:read"]}
    template_name = "monitoring_checks/coverage.html"
    nav = "monitoring"

    def get_context_data(self, **kwargs):
        from monitoring.checks import dashboard

        context = super().get_context_data(**kwargs)
        framework = self.request.GET.get("framework") or None
        gap = self.request.GET.get("gap") or None
        if gap not in dashboard.GAPS:
            gap = None
        states = dashboard.control_states(framework=framework)
        if gap:
            states = [s for s in states if gap in s.gaps]
        slug = self.organization.slug
        may_add = self.actor.has_scope("monitoring:write") and policy.can(
            self.actor, "change", ControlEvidence(organization_id=self.organization.pk)
        )
        may_edit_soa = self.actor.has_scope("risks:write")
        for state in states:
            state.action = self._action(state, gap, slug, may_add, may_edit_soa)
        context.update(
            states=states,
            framework=framework,
            gap=gap,
            gap_label=dashboard.GAPS.get(gap, ""),
            gaps=dashboard.GAPS,
            frameworks=[(c.code, c.name) for c in dashboard.coverage()],
        )
        return context

    @staticmethod
    def _action(state, gap, slug, may_add, may_edit_soa) -> tuple[str, str] | None:
        """(label, url) of the next thing to do for the gap shown (else the first gap), or
        None when this person cannot do it (readers see the gaps, not the buttons)."""
        wanted = gap or (state.gaps[0] if state.gaps else None)
        page = reverse("control_monitoring", args=[slug, state.soa_row_id])
        if wanted == "not_implemented" and may_edit_soa:
            soa = reverse("soa_table", args=[slug, state.framework])
            return "Update the SoA", f"{soa}#soa-row-{state.soa_row_id}"
        if wanted == "not_evidenced" and may_add:
            return "Add evidence", reverse("control_evidence_add", args=[slug, state.soa_row_id])
        if wanted in ("not_effective", "test_overdue"):
            return ("Plan or record a test" if may_add else "See its tests"), page
        return None


class _ControlFormView(OrgFormView):
    """A form on one control (SoA row) of the organisation: 404 for another's, the control's
    monitoring page after success."""

    template_name = "monitoring_checks/form.html"
    scope_map = {"GET": ["monitoring:write", "controls:read"], "POST": ["monitoring:write"]}
    nav = "monitoring"
    title = ""
    intro = ""
    submit_label = "Save"

    def get_row(self):
        if not hasattr(self, "_row"):
            from django.shortcuts import get_object_or_404

            from risks.models import SoARow

            self._row = get_object_or_404(
                SoARow.objects.select_related("control", "soa__framework", "owner"),
                pk=self.kwargs["pk"],
            )
        return self._row

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        row = self.get_row()
        context.update(
            row=row,
            title=self.title.format(row=row),
            intro=self.intro,
            submit_label=self.submit_label,
            back=reverse("control_monitoring", args=[self.organization.slug, row.pk]),
        )
        return context

    def get_success_url(self) -> str:
        return reverse("control_monitoring", args=[self.organization.slug, self.get_row().pk])


class EvidenceAddView(_ControlFormView):
    form_class = forms.EvidenceForm
    title = "Add evidence to {row.ref} {row.title}"
    intro = (
        "A file or a link that proves the control works, with when it was collected and "
        "until when it holds. Files are checked (type and size) before they are stored."
    )
    submit_label = "Add evidence"
    success_message = "Evidence “{obj.title}” added."

    def get_initial(self):
        row = self.get_row()
        return {
            "kind": ControlEvidence.Kind.FILE,
            "collected_on": timezone.localdate(),
            "owner": row.owner_id or self.actor.user_id,
            "source": "",
        }

    def perform(self, form):
        data = form.cleaned_data
        return control_services.evidence_add(
            actor=self.actor,
            soa_row=self.get_row(),
            title=data["title"],
            kind=data["kind"],
            url=data["url"] or "",
            upload=data["file"],
            collected_on=data["collected_on"],
            valid_until=data["valid_until"],
            owner=data["owner"],
            source=data["source"],
        )


class PlanCreateView(_ControlFormView):
    form_class = forms.MonitoringPlanForm
    title = "Plan the monitoring of {row.ref} {row.title}"
    intro = (
        "Clause 9.1: what is measured, how, when, who measures, who analyses the results and "
        "when, and the target. The tester is reminded when the test is due."
    )
    submit_label = "Save the plan"
    success_message = (
        "Monitoring plan “{obj.measured}” saved; the next test is due {obj.next_due:%d %b %Y}."
    )

    def get_initial(self):
        from datetime import timedelta

        return {
            "test_type": "operating",
            "interval_days": 90,
            "next_due": timezone.localdate() + timedelta(days=90),
            "analyst": self.get_row().owner_id,
        }

    def perform(self, form):
        return control_services.plan_create(
            actor=self.actor, soa_row=self.get_row(), **form.cleaned_data
        )


class PlanEditView(_ControlFormView):
    form_class = forms.MonitoringPlanForm
    title = "Edit the monitoring plan of {row.ref} {row.title}"
    submit_label = "Save the plan"
    success_message = "Monitoring plan “{obj.measured}” saved."

    def get_plan(self) -> MonitoringPlan:
        if not hasattr(self, "_plan"):
            from django.shortcuts import get_object_or_404

            self._plan = get_object_or_404(
                MonitoringPlan.objects.select_related("soa_row"), pk=self.kwargs["plan"]
            )
            if self._plan.soa_row_id != self.get_row().pk:
                raise Http404
        return self._plan

    def get_initial(self):
        plan = self.get_plan()
        return {name: getattr(plan, name) for name in control_services.PLAN_FIELDS}

    def perform(self, form):
        return control_services.plan_update(
            actor=self.actor, plan=self.get_plan(), **form.cleaned_data
        )


class TestRecordView(_ControlFormView):
    """The plan's tester records a design or operating test; the plan's next date moves on."""

    form_class = forms.ControlTestForm
    title = "Record a test of {row.ref} {row.title}"
    submit_label = "Record the result"
    success_message = "Test recorded: {obj}. The next test is due {obj.plan.next_due:%d %b %Y}."

    def get_plan(self) -> MonitoringPlan:
        return PlanEditView.get_plan(self)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["soa_row"] = self.get_row()
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        plan = self.get_plan()
        refused = None
        if self.actor.user_id != plan.tester_id:
            refused = f"Only the plan's tester ({plan.tester}) records this test."
        else:
            refused = control_services.tester_refusal(self.get_row(), self.actor.user)
        context.update(
            plan=plan,
            refused=refused,
            intro=" ".join(
                f"{label}: {value.rstrip('.')}."
                for label, value in (
                    (plan.get_test_type_display(), plan.measured),
                    ("Method", plan.method),
                    ("Target", plan.target),
                    ("Tolerance", plan.tolerance),
                )
                if value
            ),
        )
        return context

    def perform(self, form):
        return control_services.manual_test_record(
            actor=self.actor, plan=self.get_plan(), **form.cleaned_data
        )
