"""The portfolio: every organisation a person belongs to, with its key figures, in one table.

Design (row-level security stays FORCEd): an organisation's figures are computed only inside
its own tenant context — by the hourly check run (`monitoring.checks.run_for_organization`),
the "Run all checks now" button and the demo — and stored as plain counts in
`PortfolioFigures`. The portfolio page then reads, in two queries whatever the number of
organisations, the user's active memberships and the figures of exactly those
organisations. An expired or removed membership drops the row at once; figures show the time
they were computed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.urls import reverse
from django.utils import timezone

from isms.rates import percent
from isms.tenancy import current_organization_id
from monitoring.checks.models import PortfolioFigures


def figures_compute(today: date | None = None) -> dict:
    """The organisation in context: the home page's figures, set-based (constant queries)."""
    from monitoring.checks import dashboard, selectors
    from monitoring.inbox import sources
    from monitoring.incidents.models import Incident, Status

    today = today or timezone.localdate()
    ran = [row["run"] for row in selectors.latest_runs() if row["run"] is not None]
    overdue_tasks = sum(
        1 for item in sources.gather(current_organization_id(), today) if item.due_on < today
    )
    return {
        "coverage": [c.as_dict() for c in dashboard.coverage(today)],
        "checks_ran": len(ran),
        "checks_failing": sum(1 for run in ran if run.status != "pass"),
        "overdue_reviews": dashboard.overdue_reviews(today),
        "overdue_tests": dashboard.overdue_control_tests(today),
        "overdue_tasks": overdue_tasks,
        "open_incidents": Incident.objects.exclude(
            status__in=[Status.CLOSED, Status.DISMISSED]
        ).count(),
    }


def figures_refresh(today: date | None = None) -> PortfolioFigures:
    """Recompute and store the figures of the organisation in context."""
    row, _ = PortfolioFigures.objects.update_or_create(
        organization_id=current_organization_id(),
        defaults={"figures": figures_compute(today), "computed_at": timezone.now()},
    )
    return row


@dataclass
class PortfolioRow:
    organization_id: int
    name: str
    slug: str
    role: str
    figures: dict | None
    computed_at: datetime | None

    def url(self, name: str, query: str = "") -> str:
        return reverse(name, args=[self.slug]) + (f"?{query}" if query else "")

    @property
    def links(self) -> dict[str, str]:
        return {
            "home": self.url("org_home"),
            "checks_failing": self.url("check_list", "status=fail"),
            "overdue_reviews": self.url("monitoring_reviews:schedule_list", "overdue=true"),
            "overdue_tests": self.url("control_coverage", "gap=test_overdue"),
            "overdue_tasks": self.url("monitoring_inbox:my_tasks"),
            "open_incidents": self.url("incident_list", "open=true"),
            "coverage": self.url("control_coverage"),
        }

    @property
    def coverage(self) -> list[dict]:
        """Per framework, with percentages and the link to the controls missing each."""
        result = []
        for fw in (self.figures or {}).get("coverage", []):
            whole = fw["applicable"]
            result.append(
                {
                    **fw,
                    "bars": [
                        (
                            gap,
                            label,
                            fw[key],
                            percent(fw[key], whole),
                            self.url("control_coverage", f"framework={fw['code']}&gap={gap}"),
                        )
                        for key, gap, label in (
                            ("implemented", "not_implemented", "implemented"),
                            ("evidenced", "not_evidenced", "evidenced"),
                            ("effective", "not_effective", "effective"),
                        )
                    ],
                }
            )
        return result


def portfolio_rows(user, may_enter=None) -> list[PortfolioRow]:
    """The user's organisations (active memberships only) and their stored figures; with
    `may_enter(organization)`, only those the session may enter (single sign-on).

    Two queries whatever the number of organisations."""
    from isms.models import Membership

    memberships = list(
        Membership.objects.active()
        .filter(user=user)
        .select_related("organization")
        .order_by("organization__name", "organization_id")
    )
    if may_enter is not None:
        memberships = [m for m in memberships if may_enter(m.organization)]
    ids = [m.organization_id for m in memberships]
    stored = {
        f.organization_id: f for f in PortfolioFigures.objects.filter(organization_id__in=ids)
    }
    rows = []
    for m in memberships:
        figures = stored.get(m.organization_id)
        rows.append(
            PortfolioRow(
                organization_id=m.organization_id,
                name=m.organization.name,
                slug=m.organization.slug,
                role=m.get_role_display(),
                figures=figures.figures if figures else None,
                computed_at=figures.computed_at if figures else None,
            )
        )
    return rows
