"""The audit chain's lock is taken before any row lock (isms.chain_lock), so two writers of
one organisation queue instead of deadlocking (ISO/IEC 27001:2022 A.8.15 asks for logs that
are kept whole; Guardrail chains them per organisation, and a deadlock between that chain
and the rows being written used to roll ordinary saves back)."""

from __future__ import annotations

import threading

import pytest

from isms.audit_chain import verify_chain
from isms.chain_lock import takes_row_locks
from isms.models import Role
from isms.tenancy import tenant_context
from suppliers.models import Supplier
from tests.concurrency import run_together
from tests.factories import MembershipFactory, OrganizationFactory
from tests.suppliers.factories import SupplierFactory

WAIT = 3  # seconds a writer waits for a signal that, with the lock order right, never comes


@pytest.mark.parametrize(
    ("sql", "locks"),
    [
        ('SELECT "assets_asset"."id" FROM "assets_asset"', False),
        ('SELECT "x"."updated", "x"."last_update" FROM "x"', False),
        ('SELECT "x"."id" FROM "x" WHERE "x"."id" = 1 FOR UPDATE', True),
        ('SELECT "x"."id" FROM "x" FOR NO KEY UPDATE OF "x"', True),
        ('SELECT "x"."id" FROM "x" FOR SHARE', True),
        ('INSERT INTO "assets_asset" ("name") VALUES (%s)', True),
        ('UPDATE "assets_asset" SET "name" = %s', True),
        ('DELETE FROM "assets_asset" WHERE "id" = 1', True),
        ('WITH moved AS (UPDATE "x" SET "a" = 1 RETURNING 1) SELECT 1', True),
        # the auditor access log and the other logs the trail does not copy
        ('INSERT INTO "monitoring_engagements_auditoraccess" ("path") VALUES (%s)', False),
        ('INSERT INTO "isms_idempotencyrecord" ("key") VALUES (%s)', False),
        ('UPDATE "isms_idempotencyrecord" SET "key" = %s', True),
    ],
)
def test_statements_that_lock_rows_are_recognised(sql, locks):
    assert takes_row_locks(sql) is locks


@pytest.mark.django_db(transaction=True)
def test_crossed_writers_of_one_organisation_queue_instead_of_deadlocking():
    """Writer 1 changes supplier A, then supplier B; writer 2 locks B, then changes it.

    With the chain lock taken by the audit trigger (after the row lock), writer 2 would hold
    B and wait for the chain lock while writer 1 holds the chain lock and waits for B:
    PostgreSQL would roll one back ("deadlock detected"). With the chain lock first, writer
    2 waits at its first locking statement until writer 1 commits, and both succeed."""
    org = OrganizationFactory()
    owner = MembershipFactory(organization=org, role=Role.OFFICER).user
    with tenant_context(org.pk):
        a = SupplierFactory(name="Alpha AI", owner=owner)
        b = SupplierFactory(name="Beta AI", owner=owner)
    first_wrote = threading.Event()
    second_locked = threading.Event()

    def writer_1():
        with tenant_context(org.pk):
            Supplier.objects.filter(pk=a.pk).update(name="Alpha AI (renamed)")
            first_wrote.set()
            second_locked.wait(WAIT)  # with the right lock order, writer 2 is still waiting
            Supplier.objects.filter(pk=b.pk).update(provides="reviewed by writer 1")
        return "committed"

    def writer_2():
        first_wrote.wait(WAIT)
        with tenant_context(org.pk):
            Supplier.objects.select_for_update().get(pk=b.pk)
            second_locked.set()
            Supplier.objects.filter(pk=b.pk).update(name="Beta AI (renamed)")
        return "committed"

    outcomes = run_together([writer_1, writer_2], timeout=60)

    assert [o.error for o in outcomes] == [None, None]
    assert [o.value for o in outcomes] == ["committed", "committed"]
    with tenant_context(org.pk):
        assert Supplier.objects.get(pk=b.pk).name == "Beta AI (renamed)"
        assert Supplier.objects.get(pk=b.pk).provides == "reviewed by writer 1"
        assert verify_chain(org.pk).intact
