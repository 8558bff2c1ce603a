"""The figures of the home page and the portfolio (Clause 9.1 "as pictures"), set-based.

Per framework, over the *applicable* rows of the organisation's Statement of Applicability:

- implemented: the row's implementation status is "implemented";
- evidenced: the row has at least one piece of evidence that is current (no valid-until
  date, or one not yet past);
- tested effective: the row's latest manual or pushed test result is "effective", or, where
  the row has no such result, every automated check mapped to the control has run and its
  latest run passed (at least one check must exist and have run).

Every reader here runs in one organisation's tenant context and makes a constant number of
queries whatever its size (the home page's query count is pinned by a test).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone

from isms.rates import percent
from monitoring.checks.models import (
    CheckStatus,
    ControlEvidence,
    ControlTestResult,
    MonitoringPlan,
    TestResult,
)
from monitoring.checks.registry import all_checks, control_key

# The coverage list's "gap" filter: which rows lack what.
GAPS = {
    "not_implemented": "not implemented",
    "not_evidenced": "without current evidence",
    "not_effective": "not tested effective",
    "test_overdue": "with a control test overdue",
}


@dataclass
class ControlState:
    soa_row_id: int
    framework: str
    ref: str
    title: str
    owner_id: int | None
    implemented: bool
    evidenced: bool
    effective: bool
    latest_test: str | None
    test_overdue: bool = False
    checks: list[str] = field(default_factory=list)
    action: tuple[str, str] | None = None  # set by the coverage page for the viewer

    @property
    def gaps(self) -> list[str]:
        return [
            gap
            for gap, missing in (
                ("not_implemented", not self.implemented),
                ("not_evidenced", not self.evidenced),
                ("not_effective", not self.effective),
                ("test_overdue", self.test_overdue),
            )
            if missing
        ]


@dataclass
class FrameworkCoverage:
    code: str
    name: str
    applicable: int = 0
    implemented: int = 0
    evidenced: int = 0
    effective: int = 0

    @staticmethod
    def _pct(part: int, whole: int) -> int:
        return percent(part, whole)

    @property
    def implemented_pct(self) -> int:
        return self._pct(self.implemented, self.applicable)

    @property
    def evidenced_pct(self) -> int:
        return self._pct(self.evidenced, self.applicable)

    @property
    def effective_pct(self) -> int:
        return self._pct(self.effective, self.applicable)

    @property
    def bars(self) -> list[tuple[str, str, int, int, int]]:
        """(gap filter, label, count, percent, count missing) per measure."""
        return [
            (gap, label, count, self._pct(count, self.applicable), self.applicable - count)
            for gap, label, count in (
                ("not_implemented", "Implemented", self.implemented),
                ("not_evidenced", "Evidenced", self.evidenced),
                ("not_effective", "Tested effective", self.effective),
            )
        ]

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "applicable": self.applicable,
            "implemented": self.implemented,
            "evidenced": self.evidenced,
            "effective": self.effective,
        }


def latest_check_status() -> dict[str, str]:
    """check code -> status of its latest run (one query)."""
    from monitoring.checks.models import CheckRun

    codes = [c.code for c in all_checks()]
    return dict(
        CheckRun.objects.filter(check_code__in=codes)
        .order_by("check_code", "-ran_at", "-id")
        .distinct("check_code")
        .values_list("check_code", "status")
    )


def control_states(today: date | None = None, framework: str | None = None) -> list[ControlState]:
    """Every applicable SoA row with what it lacks. Two queries (rows, latest check runs)."""
    from risks.models import SoARow
    from risks.models.soa import ImplementationStatus

    today = today or timezone.localdate()
    current = ControlEvidence.objects.filter(soa_row=OuterRef("pk")).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=today)
    )
    latest_test = ControlTestResult.objects.filter(soa_row=OuterRef("pk")).order_by(
        "-tested_at", "-id"
    )
    overdue_plan = MonitoringPlan.objects.filter(soa_row=OuterRef("pk"), next_due__lt=today)
    rows = SoARow.objects.filter(applicable=True)
    if framework:
        rows = rows.filter(soa__framework__code=framework)
    rows = rows.annotate(
        has_evidence=Exists(current),
        latest_test=Subquery(latest_test.values("result")[:1]),
        test_overdue=Exists(overdue_plan),
    ).values_list(
        "pk",
        "soa__framework__code",
        "control__ref",
        "control__title",
        "owner_id",
        "implementation_status",
        "has_evidence",
        "latest_test",
        "test_overdue",
    )
    statuses = latest_check_status()
    checks_by_control: dict[str, list[str]] = {}
    for check in all_checks():
        for key in check.control_keys:
            checks_by_control.setdefault(key, []).append(check.code)
    states = []
    for pk, code, ref, title, owner_id, status, evidenced, test, overdue in rows:
        checks = checks_by_control.get(control_key(code, ref), [])
        if test is not None:
            effective = test == TestResult.EFFECTIVE
        else:
            effective = bool(checks) and all(statuses.get(c) == CheckStatus.PASS for c in checks)
        states.append(
            ControlState(
                soa_row_id=pk,
                framework=code,
                ref=ref,
                title=title,
                owner_id=owner_id,
                implemented=status == ImplementationStatus.IMPLEMENTED,
                evidenced=bool(evidenced),
                effective=effective,
                latest_test=test,
                test_overdue=bool(overdue),
                checks=checks,
            )
        )
    return states


def coverage(today: date | None = None) -> list[FrameworkCoverage]:
    """Per framework of the organisation's SoAs: applicable, implemented, evidenced and
    tested-effective counts. Three queries."""
    from risks.models import StatementOfApplicability

    result = {
        code: FrameworkCoverage(code, name)
        for code, name in StatementOfApplicability.objects.order_by("framework__code").values_list(
            "framework__code", "framework__name"
        )
    }
    for state in control_states(today):
        cov = result.get(state.framework)
        if cov is None:
            continue
        cov.applicable += 1
        cov.implemented += state.implemented
        cov.evidenced += state.evidenced
        cov.effective += state.effective
    return list(result.values())


def overdue_reviews(today: date | None = None) -> int:
    """Active review schedules past their due date (one query)."""
    from monitoring.reviews.models import ReviewSchedule

    today = today or timezone.localdate()
    return ReviewSchedule.objects.filter(active=True, next_due__lt=today).count()


def overdue_control_tests(today: date | None = None) -> int:
    """Controls (applicable SoA rows) with a monitoring-plan test past its date (one query)."""
    today = today or timezone.localdate()
    return (
        MonitoringPlan.objects.filter(next_due__lt=today, soa_row__applicable=True)
        .values("soa_row")
        .distinct()
        .count()
    )
