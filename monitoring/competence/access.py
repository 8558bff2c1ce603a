"""Competence policies: officers keep requirements, assignments and training records
(`monitoring:manage`); everyone with `monitoring:read` (auditors included) reads them."""

from __future__ import annotations

from isms import policy
from isms.policy import ManagedPolicy
from monitoring.competence.models import (
    CompetenceRequirement,
    ResponsibilityAssignment,
    TrainingRecord,
)


@policy.register
class CompetenceRequirementPolicy(ManagedPolicy):
    model = CompetenceRequirement
    domain = "monitoring"


@policy.register
class ResponsibilityAssignmentPolicy(ManagedPolicy):
    model = ResponsibilityAssignment
    domain = "monitoring"


@policy.register
class TrainingRecordPolicy(ManagedPolicy):
    model = TrainingRecord
    domain = "monitoring"
