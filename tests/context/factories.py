"""Object makers for context, scope and objectives (the generic suites use them)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from isms import permissions
from isms.models import Role
from monitoring.context.models import (
    ContextIssue,
    InterestedParty,
    Objective,
    ObjectiveMeasurement,
    ObjectiveUserObjectPermission,
    ScopeStatement,
)
from tests.factories import MembershipFactory, object_factory


@object_factory(ContextIssue)
def make_issue(organization):
    return ContextIssue.objects.create(
        kind="external", topic="regulation", title="AI regulation applies"
    )


@object_factory(InterestedParty)
def make_party(organization):
    count = InterestedParty.objects.count()
    return InterestedParty.objects.create(
        name=f"Customers {count + 1}", requirements="Certified security."
    )


@object_factory(ScopeStatement)
def make_scope(organization):
    """An approved version (approved rows never change: safe to share in suites)."""
    from django.db.models import Max

    number = (ScopeStatement.objects.aggregate(n=Max("number"))["n"] or 0) + 1
    preparer = MembershipFactory(organization=organization, role=Role.OFFICER).user
    approver = MembershipFactory(organization=organization, role=Role.ADMIN).user
    return ScopeStatement.objects.create(
        number=number,
        prepared_by=preparer,
        statement="The SaaS products and their AI assistants.",
        status="approved",
        approved_by=approver,
        approved_at=timezone.now(),
    )


@object_factory(Objective)
def make_objective(organization):
    owner = MembershipFactory(organization=organization, role=Role.CONTRIBUTOR).user
    return Objective.objects.create(
        title="Patch quickly",
        measure="Median days to fix a critical finding",
        direction="at_most",
        target=Decimal("7"),
        unit="days",
        owner=owner,
        due_date=timezone.localdate() + timedelta(days=90),
    )


@object_factory(ObjectiveMeasurement)
def make_measurement(organization):
    return ObjectiveMeasurement.objects.create(
        objective=make_objective(organization),
        measured_on=timezone.localdate(),
        value=Decimal("5"),
    )


@object_factory(ObjectiveUserObjectPermission)
def make_objective_grant(organization):
    objective = make_objective(organization)
    permissions.grant(objective.owner, "change_objective", objective)
    return ObjectiveUserObjectPermission.objects.get(content_object=objective)
