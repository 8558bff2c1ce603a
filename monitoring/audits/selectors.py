"""Programme coverage (9.2.2): every clause 4–10 and every applicable SoA control, planned?"""

from __future__ import annotations

from dataclasses import dataclass, field

from isms.models import Control
from monitoring.audits.models import CLAUSES, AuditProgramme


@dataclass
class Coverage:
    clauses_missing: list[str] = field(default_factory=list)
    controls_missing: list[Control] = field(default_factory=list)
    clauses_total: int = 0
    controls_total: int = 0

    @property
    def complete(self) -> bool:
        return not self.clauses_missing and not self.controls_missing


def applicable_control_ids() -> set[int]:
    """Controls marked applicable in the organisation's Statements of Applicability."""
    from risks.models import SoARow

    return set(SoARow.objects.filter(applicable=True).values_list("control_id", flat=True))


def coverage(programme: AuditProgramme) -> Coverage:
    planned_clauses: set[str] = set()
    planned_controls: set[int] = set()
    for clauses, control_ids in programme.audits.values_list("clauses", "control_ids"):
        planned_clauses.update(clauses)
        planned_controls.update(control_ids)
    applicable = applicable_control_ids()
    missing_ids = applicable - planned_controls
    return Coverage(
        clauses_missing=[label for value, label in CLAUSES if value not in planned_clauses],
        controls_missing=list(
            Control.objects.filter(pk__in=missing_ids).select_related("framework")
        ),
        clauses_total=len(CLAUSES),
        controls_total=len(applicable),
    )
