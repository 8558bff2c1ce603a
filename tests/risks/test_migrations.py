"""The data migration for organisations that existed before the signals and guardian grants
(risks 0004): it gives each its criteria, SoA rows and the risk owners' grants, one
organisation per transaction with the tenant set (row-level security is forced), and running
it twice changes nothing."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.db import connections
from django.db.migrations.loader import MigrationLoader

from isms import policy
from isms.models import Role
from risks.models import (
    Risk,
    RiskCriteria,
    RiskUserObjectPermission,
    SoARow,
    StatementOfApplicability,
)
from tests.risks.factories import RiskFactory, actor_for, library_control

pytestmark = pytest.mark.django_db

migration = importlib.import_module("risks.migrations.0004_starter_rows_and_owner_grants")


def _counts(organization, in_tenant):
    with in_tenant(organization):
        return (
            RiskCriteria.objects.count(),
            StatementOfApplicability.objects.count(),
            SoARow.objects.count(),
            RiskUserObjectPermission.objects.count(),
        )


def test_existing_organisations_get_criteria_soa_rows_and_owner_grants(
    org_a, org_b, in_tenant, member
):
    library_control("M.1")
    library_control("M.2")
    owners = {}
    for organization in (org_a, org_b):
        owner = member(organization, Role.CONTRIBUTOR)
        with in_tenant(organization):
            owners[organization.pk] = (owner, RiskFactory(organization=organization, owner=owner))
            # As before this change: no starter rows, no grants.
            RiskUserObjectPermission.objects.all().delete()
            SoARow.objects.all().delete()
            StatementOfApplicability.objects.all().delete()
            RiskCriteria.objects.all().delete()
        assert _counts(organization, in_tenant) == (0, 0, 0, 0)

    schema_editor = SimpleNamespace(connection=connections["default"])
    loader = MigrationLoader(connections["default"])
    apps = loader.project_state(("risks", "0004_starter_rows_and_owner_grants")).apps
    migration.forwards(apps, schema_editor)
    for organization in (org_a, org_b):
        assert _counts(organization, in_tenant) == (1, 1, 2, 1)
        owner, risk = owners[organization.pk]
        with in_tenant(organization):
            fresh = Risk.objects.get(pk=risk.pk)
            assert policy.can(actor_for(organization, user=owner), "change", fresh)
    migration.forwards(apps, schema_editor)  # idempotent
    assert _counts(org_a, in_tenant) == (1, 1, 2, 1)
