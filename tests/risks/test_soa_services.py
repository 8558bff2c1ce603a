"""The Statement of Applicability: rows, approval snapshots (immutable), diff, stale flag."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connections, transaction

from isms.errors import Conflict, NotPermitted
from risks import selectors
from risks.models import SoARow, SoASnapshot
from risks.services import register
from risks.services import soa as services
from tests.risks.factories import library_control

pytestmark = pytest.mark.django_db


@pytest.fixture
def controls(db):
    return [library_control(ref) for ref in ("T.1", "T.2", "T.3")]


def _justify_all(actor, soa):
    for row in SoARow.objects.filter(soa=soa):
        services.soa_row_update(
            actor=actor,
            row=row,
            inclusion_reasons=["business"],
            implementation_status="implemented",
        )


def _approve(people, soa, note: str = ""):
    """The officer who prepared it submits; another person (the approver) approves."""
    services.soa_submit(actor=people.officer_actor, soa=soa)
    return services.soa_approve(actor=people.approver_actor, soa=soa, note=note)


def test_rows_exist_for_every_control_and_grow_with_the_library(org_a, in_tenant, controls):
    with in_tenant(org_a):
        soa = services.soa_for_framework(controls[0].framework)
        assert SoARow.objects.filter(soa=soa).count() == 3
        assert services.soa_for_framework(controls[0].framework).pk == soa.pk
        assert SoARow.objects.filter(soa=soa).count() == 3
        library_control("T.4")
        services.soa_for_framework(controls[0].framework)
        assert SoARow.objects.filter(soa=soa).count() == 4


def test_row_rules(org_a, in_tenant, people, controls):
    with in_tenant(org_a):
        soa = services.soa_for_framework(controls[0].framework)
        row = SoARow.objects.filter(soa=soa).first()
        with pytest.raises(ValidationError) as error:
            services.soa_row_update(actor=people.officer_actor, row=row, applicable=False)
        assert "justification" in error.value.message_dict
        with pytest.raises(ValidationError) as error:
            services.soa_row_update(
                actor=people.officer_actor, row=row, inclusion_reasons=["vibes"]
            )
        assert "inclusion_reasons" in error.value.message_dict
        with pytest.raises(ValidationError) as error:
            services.soa_row_update(
                actor=people.officer_actor, row=row, evidence_links=["not a link"]
            )
        assert "evidence_links" in error.value.message_dict
        with pytest.raises(NotPermitted):
            services.soa_row_update(actor=people.contributor_actor, row=row, evidence="x")
        services.soa_row_update(
            actor=people.officer_actor,
            row=row,
            applicable=False,
            justification="We run no software development",
            inclusion_reasons=["legal"],
        )
        row.refresh_from_db()
        assert (row.applicable, row.inclusion_reasons) == (False, [])


def test_approval_needs_every_row_justified_and_numbers_snapshots(
    org_a, in_tenant, people, controls
):
    with in_tenant(org_a):
        soa = services.soa_for_framework(controls[0].framework)
        services.soa_submit(actor=people.officer_actor, soa=soa)
        with pytest.raises(Conflict, match="3 control"):
            services.soa_approve(actor=people.approver_actor, soa=soa)
        with pytest.raises(NotPermitted):
            services.soa_approve(actor=people.contributor_actor, soa=soa)
        _justify_all(people.officer_actor, soa)  # editing returns it to draft
        soa.refresh_from_db()
        assert soa.status == "draft"
        first = _approve(people, soa, note="Board review")
        assert first.number == 1 and first.approved_by == people.approver
        assert [r["ref"] for r in first.rows] == ["T.1", "T.2", "T.3"]
        row = SoARow.objects.get(soa=soa, control=controls[1])
        services.soa_row_update(
            actor=people.officer_actor,
            row=row,
            implementation_status="partial",
            owner=people.officer,
            target_date=date(2027, 3, 31),
        )
        second = _approve(people, soa)
        assert second.number == 2
        diff = selectors.snapshot_diff(first.rows, second.rows)
        assert diff["added"] == diff["removed"] == []
        assert [c["ref"] for c in diff["changed"]] == ["T.2"]
        # Labels and words, not field names and codes.
        assert [(c["label"], c["from"], c["to"]) for c in diff["changed"][0]["changes"]] == [
            ("Implementation status", "Implemented", "Partially implemented"),
            ("Target date", "—", "2027-03-31"),
            ("Owner", "—", people.officer.email),
        ]


def test_snapshots_are_immutable_in_the_database(org_a, in_tenant, people, controls):
    with in_tenant(org_a):
        soa = services.soa_for_framework(controls[0].framework)
        _justify_all(people.officer_actor, soa)
        snapshot = _approve(people, soa)
        snapshot.note = "edited later"
        with pytest.raises(DatabaseError), transaction.atomic():
            snapshot.save()
        with pytest.raises(DatabaseError), transaction.atomic():
            SoASnapshot.objects.filter(pk=snapshot.pk).update(rows=[])
        for statement in (
            "UPDATE risks_soasnapshot SET rows = '[]'::jsonb WHERE id = %s",
            "DELETE FROM risks_soasnapshot WHERE id = %s",
        ):
            with pytest.raises(DatabaseError), transaction.atomic():
                with connections["default"].cursor() as cursor:
                    cursor.execute(statement, [snapshot.pk])
        assert len(SoASnapshot.objects.get(pk=snapshot.pk).rows) == 3


def test_rows_go_stale_when_linked_risks_change_after_approval(org_a, in_tenant, people, controls):
    with in_tenant(org_a):
        soa = services.soa_for_framework(controls[0].framework)
        risk = register.risk_create(
            actor=people.officer_actor,
            title="Model drift",
            category="integrity",
            owner=people.contributor,
            controls=[controls[0].pk],
        )
        _justify_all(people.officer_actor, soa)
        snapshot = _approve(people, soa)
        assert snapshot.rows[0]["linked_risks"] == [f"R-{risk.pk} Model drift"]

        def stale():
            return {r.control.ref for r in selectors.soa_rows(soa) if r.is_stale}

        assert stale() == set()
        register.risk_update(
            actor=people.officer_actor, risk=risk, inherent_likelihood=3, inherent_impact=3
        )
        assert stale() == {"T.1"}
        register.risk_update(actor=people.officer_actor, risk=risk, controls=[controls[2].pk])
        assert stale() == {"T.1", "T.3"}  # unlinking is a change too
        _approve(people, soa)
        assert stale() == set()
