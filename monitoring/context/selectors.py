"""Reads of context, scope and objectives (never write)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Prefetch, QuerySet

from monitoring.context.models import (
    Objective,
    ObjectiveMeasurement,
    ScopeStatement,
    ScopeStatus,
)


def current_scope() -> ScopeStatement | None:
    """The approved version with the highest number: the scope in force."""
    return (
        ScopeStatement.objects.filter(status=ScopeStatus.APPROVED)
        .select_related("approved_by")
        .order_by("-number")
        .first()
    )


def open_scope() -> ScopeStatement | None:
    """The version being prepared or awaiting approval, if any."""
    return ScopeStatement.objects.exclude(status=ScopeStatus.APPROVED).first()


@dataclass(frozen=True)
class ObjectiveStatus:
    key: str  # "on_target" | "off_target" | "not_measured"
    label: str
    tone: str


ON_TARGET = ObjectiveStatus("on_target", "On target", "success")
OFF_TARGET = ObjectiveStatus("off_target", "Off target", "danger")
NOT_MEASURED = ObjectiveStatus("not_measured", "Not measured yet", "secondary")


def objective_status(objective: Objective, latest: ObjectiveMeasurement | None) -> ObjectiveStatus:
    """On or off target by the latest measurement (by date); none yet: not measured."""
    if latest is None:
        return NOT_MEASURED
    return ON_TARGET if objective.meets(latest.value) else OFF_TARGET


def next_measurement_due(objective: Objective, latest: ObjectiveMeasurement | None) -> date:
    start = latest.measured_on if latest else objective.created.date()
    return start + timedelta(days=objective.measure_every_days)


def objectives_for_list() -> QuerySet:
    return Objective.objects.select_related("owner").prefetch_related(
        Prefetch(
            "measurements", queryset=ObjectiveMeasurement.objects.order_by("-measured_on", "-id")
        )
    )


def annotate_status(objectives) -> list[Objective]:
    """Attach `latest`, `status` and `next_due` from prefetched measurements (no query)."""
    rows = list(objectives)
    for objective in rows:
        measurements = list(objective.measurements.all())
        objective.latest = measurements[0] if measurements else None
        objective.status = objective_status(objective, objective.latest)
        objective.next_due = next_measurement_due(objective, objective.latest)
    return rows
