"""The home page's Clause 9.1 picture: failing checks, overdue reviews and control tests
(figures), and a panel with each framework's coverage (implemented, evidenced, tested
effective), the residual-risk heat map and the check pass-rate trend.

Every number links to the list that shows exactly the rows it counts; a constant number of
queries whatever the organisation's size (tests/monitoring_checks/test_dashboard.py)."""

from __future__ import annotations

from django.urls import reverse

from isms.home import HomeFigure, HomePanel


def check_figures(actor) -> list[HomeFigure]:
    if not actor.has_scope("monitoring:read"):
        return []
    from monitoring.checks import dashboard, selectors

    slug = actor.organization.slug
    latest = selectors.latest_runs()
    ran = [row for row in latest if row["run"] is not None]
    failing = sum(1 for row in ran if row["run"].status != "pass")
    url = reverse("check_list", args=[slug])
    reviews = dashboard.overdue_reviews()
    tests = dashboard.overdue_control_tests()
    return [
        HomeFigure(
            label="Control checks failing",
            value=failing,
            url=url + ("?status=fail" if failing else ""),
            tone="danger" if failing else ("success" if ran else "secondary"),
            note=f"of {len(ran)} automated checks at their latest run"
            if ran
            else "no check has run yet",
        ),
        HomeFigure(
            label="Reviews overdue",
            value=reviews,
            url=reverse("monitoring_reviews:schedule_list", args=[slug]) + "?overdue=true",
            tone="danger" if reviews else "success",
            note="AI systems, suppliers, policies, risks… past their review date",
        ),
        HomeFigure(
            label="Control tests overdue",
            value=tests,
            url=reverse("control_coverage", args=[slug]) + "?gap=test_overdue",
            tone="danger" if tests else "success",
            note="manual tests of the monitoring plan past their date",
        ),
    ]


def dashboard_panels(actor) -> list[HomePanel]:
    if not actor.has_scope("monitoring:read"):
        return []
    from monitoring.checks import dashboard, selectors, svg

    slug = actor.organization.slug
    context = {
        "coverage": dashboard.coverage() if actor.has_scope("controls:read") else None,
        "coverage_url": reverse("control_coverage", args=[slug]),
        "trend": svg.rate_line(selectors.pass_rate_by_day(), "Check pass rate by day"),
        "checks_url": reverse("check_list", args=[slug]),
        "heat_map": None,
    }
    if actor.has_scope("risks:read"):
        from risks import selectors as risk_selectors
        from risks.models import Risk
        from risks.services.register import criteria_get

        criteria = criteria_get()
        context["heat_map"] = risk_selectors.heat_map(Risk.objects.all(), criteria, "residual")
        context["risks_url"] = reverse("risk_list", args=[slug])
    return [HomePanel("monitoring_checks/_dashboard.html", context)]
