"""Pages: the checks (latest result, pass-rate trend, run now), one check's history, and a
control's monitoring page (how it is implemented, what proves it works, as of when)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.views.generic import TemplateView

from isms import policy
from isms.views.mixins import OrgViewMixin
from monitoring.checks import registry, selectors, services, svg
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
        runs = services.run_checks()
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
        runs = list(selectors.runs_for_control(framework_code, row.control.ref))
        latest_by_check: dict[str, CheckRun] = {}
        for run in runs:
            latest_by_check.setdefault(run.check_code, run)
        failing = [r for r in latest_by_check.values() if r.status != "pass"]
        results = list(ControlTestResult.objects.filter(soa_row=row).select_related("tester")[:20])
        if results and results[0].result != TestResult.EFFECTIVE:
            failing.append(results[0])
        context.update(
            row=row,
            checks=registry.checks_for_control(framework_code, row.control.ref),
            latest_by_check=latest_by_check,
            runs=runs[:30],
            chart=svg.status_strip(runs, f"Checks of control {row.control.ref}"),
            failing=failing,
            evidence=ControlEvidence.objects.filter(soa_row=row).select_related("owner"),
            plans=MonitoringPlan.objects.filter(soa_row=row).select_related("tester", "analyst"),
            results=results,
            as_of=runs[0].ran_at if runs else None,
            nonconformity_url=nonconformity_url(self.organization.slug) if failing else None,
        )
        return context
