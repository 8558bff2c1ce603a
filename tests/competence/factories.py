"""Object makers for competence and awareness (the generic suites use them)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from isms.models import Role
from monitoring.competence.models import (
    CompetenceRequirement,
    ResponsibilityAssignment,
    TrainingRecord,
)
from tests.factories import MembershipFactory, object_factory


@object_factory(CompetenceRequirement)
def make_requirement(organization, **fields):
    count = CompetenceRequirement.objects.count()
    values = {
        "responsibility": "ai_user",
        "title": f"AI literacy basics {count + 1}",
        "ai_literacy": True,
        "renew_every_months": 12,
        "clauses": "ISO 42001 7.2; EU AI Act Art. 4",
    }
    return CompetenceRequirement.objects.create(**(values | fields))


@object_factory(ResponsibilityAssignment)
def make_assignment(organization, **fields):
    member = MembershipFactory(organization=organization, role=Role.CONTRIBUTOR).user
    values = {"member": member, "responsibility": "human_overseer", "note": "Hiring assistant"}
    return ResponsibilityAssignment.objects.create(**(values | fields))


@object_factory(TrainingRecord)
def make_training(organization, **fields):
    today = timezone.localdate()
    values = {
        "course": "AI literacy for staff",
        "completed_on": today - timedelta(days=30),
        "expires_on": today + timedelta(days=335),
        "evidence_link": "https://learning.example/certificates/123",
    }
    values |= fields
    if "member" not in values:
        values["member"] = MembershipFactory(organization=organization, role=Role.CONTRIBUTOR).user
    if "requirement" not in values:
        values["requirement"] = make_requirement(organization)
    return TrainingRecord.objects.create(**values)
