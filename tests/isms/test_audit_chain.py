"""The audit trail is a hash chain per organisation (issue 21, "A tamper-evident audit trail";
ISO/IEC 27001:2022 A.8.15 Logging: logs protected against tampering).

Tampering is done the way the threat is described: by the database owner, a superuser who
bypasses row-level security and switches triggers off (`session_replication_role = replica`)
so the append-only guard and the chain trigger do not stop or repair the change.
"""

from __future__ import annotations

import hashlib
import itertools
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connections, transaction
from django.utils import timezone

from isms.audit_chain import (
    GENESIS,
    Break,
    chain_head_at,
    event_content,
    link_hash,
    verify_chain,
)
from isms.models import AuditChainHead, AuditEvent, Role
from isms.services.api_keys import api_key_create
from isms.tenancy import PG_ORGANIZATION, tenant_context
from monitoring.checks.definitions import audit_chain_intact
from tests.concurrency import run_together

OWNER_DB = ["default", "owner"]


def _write_events(organization, count: int, actor: str = "test") -> None:
    """`count` audited changes (each API key insert is one audit event)."""
    for n in range(count):
        with tenant_context(organization.pk, actor=actor):
            api_key_create(organization=organization, actor=None, name=f"key {n}")


def _events(organization) -> list[AuditEvent]:
    with tenant_context(organization.pk):
        return list(AuditEvent.objects.order_by("chain_position"))


def _as_owner(statement: str, params=()) -> None:
    """Run SQL as the database owner with triggers off (what a rogue DBA can do)."""
    with transaction.atomic(using="owner"), connections["owner"].cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(statement, params)


def _verify(organization):
    with tenant_context(organization.pk):
        return verify_chain(organization.pk)


@pytest.mark.django_db
def test_each_event_links_to_the_previous_one_with_sha256(org_a):
    _write_events(org_a, 3, actor='O\'Brien "quoted" \\ tab\t ctrl\x01 é ✓ 😀')
    events = _events(org_a)
    assert [e.chain_position for e in events] == list(range(1, len(events) + 1))
    assert events[0].previous_hash == GENESIS
    for before, after in itertools.pairwise(events):
        assert after.previous_hash == before.hash
    with connections["default"].cursor() as cursor, tenant_context(org_a.pk):
        cursor.execute(
            "SELECT guardrail_audit_content(e) FROM isms_auditevent e WHERE id = %s",
            [events[-1].pk],
        )
        content = bytes(cursor.fetchone()[0])
    assert (
        events[-1].hash
        == hashlib.sha256(bytes.fromhex(events[-1].previous_hash) + content).hexdigest()
    )
    # Python rebuilds the same bytes (awkward characters included): the chain verifies.
    result = _verify(org_a)
    assert result.intact, result.broken
    assert result.events_checked == len(events)
    assert (result.head.event_id, result.head.hash) == (events[-1].pk, events[-1].hash)


@pytest.mark.django_db
def test_organisations_have_separate_chains(org_a, org_b):
    _write_events(org_a, 2)
    _write_events(org_b, 2)
    for org in (org_a, org_b):
        events = _events(org)
        assert events[0].chain_position == 1 and events[0].previous_hash == GENESIS
        assert _verify(org).intact


@pytest.mark.django_db
def test_chain_head_at_a_moment(org_a):
    _write_events(org_a, 2)
    events = _events(org_a)
    middle = events[len(events) // 2]
    assert chain_head_at(org_a.pk, middle.occurred_at) == (middle.pk, middle.hash)
    assert chain_head_at(org_a.pk, timezone.now()) == (events[-1].pk, events[-1].hash)
    assert chain_head_at(org_a.pk, events[0].occurred_at - timedelta(seconds=1)) is None


@pytest.mark.django_db
def test_one_organisation_cannot_verify_or_read_another_chain(org_a, org_b):
    _write_events(org_a, 1)
    _write_events(org_b, 1)
    with tenant_context(org_a.pk):
        with pytest.raises(PermissionError):
            verify_chain(org_b.pk)
        with pytest.raises(PermissionError):
            chain_head_at(org_b.pk, timezone.now())


@pytest.mark.django_db
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE isms_auditchainhead SET position = 1",
        "DELETE FROM isms_auditchainhead",
        "UPDATE isms_auditevent SET hash = previous_hash",
    ],
)
def test_the_app_role_cannot_move_the_chain(org_a, statement):
    _write_events(org_a, 1)
    with pytest.raises(DatabaseError), tenant_context(org_a.pk):
        with connections["default"].cursor() as cursor:
            cursor.execute(statement)


def _middle(org) -> AuditEvent:
    events = _events(org)
    return events[len(events) // 2]


@pytest.mark.django_db(transaction=True, databases=OWNER_DB)
def test_tampering_by_the_database_owner_is_detected_and_located(org_a, org_b, member):
    _write_events(org_a, 4)
    _write_events(org_b, 2)
    events = _events(org_a)
    assert _verify(org_a).intact
    # The heads (written at commit) are readable per organisation only, as the app role.
    with tenant_context(org_a.pk):
        assert list(AuditChainHead.objects.values_list("organization_id", flat=True)) == [org_a.pk]
        with connections["default"].cursor() as cursor:  # raw SQL: row-level security
            cursor.execute("SELECT organization_id, event_id FROM isms_auditchainhead")
            assert cursor.fetchall() == [(org_a.pk, events[-1].pk)]
    with transaction.atomic(), connections["default"].cursor() as cursor:
        cursor.execute("SELECT set_config(%s, '', true)", [PG_ORGANIZATION])
        cursor.execute("SELECT count(*) FROM isms_auditchainhead")
        assert cursor.fetchone() == (0,)

    # Changed: one column of one event.
    target = events[2]
    _as_owner("UPDATE isms_auditevent SET actor = 'someone else' WHERE id = %s", [target.pk])
    broken = _verify(org_a).broken
    assert (broken.kind, broken.event_id, broken.position) == (
        Break.CHANGED,
        target.pk,
        target.chain_position,
    )
    assert _verify(org_b).intact, "another organisation's chain is not affected"
    _as_owner("UPDATE isms_auditevent SET actor = %s WHERE id = %s", [target.actor, target.pk])
    assert _verify(org_a).intact

    # Changed, with its own hash recomputed: the next event's link names it.
    _as_owner(
        "UPDATE isms_auditevent SET action = 'delete' WHERE id = %s;"
        " UPDATE isms_auditevent e SET hash = encode(sha256(decode(previous_hash, 'hex')"
        " || guardrail_audit_content(e)), 'hex') WHERE id = %s",
        [target.pk, target.pk],
    )
    broken = _verify(org_a).broken
    assert (broken.kind, broken.event_id) == (Break.CHANGED, target.pk)
    _as_owner(
        "UPDATE isms_auditevent SET action = %s, hash = %s WHERE id = %s",
        [target.action, target.hash, target.pk],
    )
    assert _verify(org_a).intact

    # Inserted: a forged event outside the chain.
    _as_owner(
        "INSERT INTO isms_auditevent (organization_id, table_name, object_id, action, changes,"
        " actor, request_id, occurred_at) VALUES (%s, 'assets_asset', '1', 'delete', '{}',"
        " 'nobody', '', %s)",
        [org_a.pk, events[1].occurred_at],
    )
    with tenant_context(org_a.pk):
        forged = AuditEvent.objects.get(actor="nobody")
    broken = _verify(org_a).broken
    assert (broken.kind, broken.event_id, broken.position) == (Break.INSERTED, forged.pk, None)
    _as_owner("DELETE FROM isms_auditevent WHERE id = %s", [forged.pk])

    # Inserted past the head, linked to the last event.
    last = events[-1]
    _as_owner(
        "INSERT INTO isms_auditevent (organization_id, table_name, object_id, action, changes,"
        " actor, request_id, occurred_at, chain_position, previous_hash, hash)"
        " VALUES (%s, 'assets_asset', '1', 'delete', '{}', 'nobody', '', now(), %s, %s, %s)",
        [org_a.pk, last.chain_position + 1, last.hash, "ab" * 32],
    )
    broken = _verify(org_a).broken
    assert (broken.kind, broken.position) == (Break.INSERTED, last.chain_position + 1)
    _as_owner("DELETE FROM isms_auditevent WHERE actor = 'nobody'")
    assert _verify(org_a).intact

    # Deleted: one event from the middle; then the newest one.
    _as_owner("DELETE FROM isms_auditevent WHERE id = %s", [target.pk])
    broken = _verify(org_a).broken
    assert (broken.kind, broken.position, broken.event_id) == (
        Break.DELETED,
        target.chain_position,
        events[3].pk,
    )
    assert "missing" in broken.detail
    with pytest.raises(CommandError, match=org_a.slug):
        call_command("verify_audit_chain", organization=[org_a.slug, org_b.slug])
    # The Clause 9.1 control check (ISO/IEC 27001:2022 8.15) fails and names it.
    with tenant_context(org_a.pk):
        outcome = audit_chain_intact(timezone.localdate())
    assert not outcome.passed and outcome.failing[0].id == events[3].pk
    with tenant_context(org_b.pk):
        assert audit_chain_intact(timezone.localdate()).passed
    # The page and the API name it too, to the organisation's officers and auditors.
    auditor = member(org_a, Role.AUDITOR)
    from django.test import Client

    client = Client()
    client.force_login(auditor)
    page = client.get(f"/o/{org_a.slug}/audit/chain/")
    assert page.status_code == 200
    assert "Broken: an event was deleted" in page.content.decode()
    api = client.get(f"/api/v1/orgs/{org_a.slug}/audit-events/chain/").json()
    assert api["intact"] is False
    assert api["first_broken_link"]["kind"] == "deleted"
    assert api["first_broken_link"]["position"] == target.chain_position

    _as_owner(
        "DELETE FROM isms_auditevent WHERE organization_id = %s AND chain_position >= %s",
        [org_a.pk, target.chain_position],
    )
    broken = _verify(org_a).broken
    assert (broken.kind, broken.position) == (Break.DELETED, target.chain_position)
    assert _verify(org_b).intact
    _rewrite_is_found_against_a_recorded_head(org_b)


def _rewrite_is_found_against_a_recorded_head(organization):
    recorded = chain_head_at(organization.pk, timezone.now())
    # The owner rewrites the last event and recomputes its hash and the head's.
    with tenant_context(organization.pk):
        event = AuditEvent.objects.get(pk=recorded[0])
    with connections["owner"].cursor() as cursor:
        cursor.execute("SELECT changes::text FROM isms_auditevent WHERE id = %s", [event.pk])
        (changes_text,) = cursor.fetchone()
    forged = link_hash(
        event.previous_hash,
        event_content(
            id=event.pk,
            organization_id=event.organization_id,
            table_name=event.table_name,
            object_id=event.object_id,
            action=event.action,
            changes_text=changes_text,
            actor_id=event.actor_id,
            actor="rewritten",
            request_id=event.request_id,
            occurred_at=event.occurred_at,
        ),
    )
    _as_owner(
        "UPDATE isms_auditevent SET actor = 'rewritten', hash = %s WHERE id = %s;"
        " UPDATE isms_auditchainhead SET hash = %s WHERE organization_id = %s",
        [forged, event.pk, forged, organization.pk],
    )
    with tenant_context(organization.pk):
        assert verify_chain(organization.pk).intact, (
            "a consistent rewrite is invisible inside the DB"
        )
        broken = verify_chain(organization.pk, anchors=[recorded]).broken
    assert (broken.kind, broken.event_id) == (Break.CHANGED, recorded[0])


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_in_one_organisation_keep_one_valid_chain(org_a, org_b):
    writers, per_writer = 6, 5

    def write(organization, label):
        def work():
            for n in range(per_writer):
                with tenant_context(organization.pk, actor=label):
                    api_key_create(organization=organization, actor=None, name=f"{label} {n}")
                    api_key_create(organization=organization, actor=None, name=f"{label} {n}b")

        return work

    outcomes = run_together(
        [write(org_a, f"writer {i}") for i in range(writers)] + [write(org_b, "other")]
    )
    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    result = _verify(org_a)
    assert result.intact, result.broken
    with tenant_context(org_a.pk):
        assert result.events_checked == AuditEvent.objects.count() >= writers * per_writer * 2
    assert result.head.position == result.events_checked
    assert _verify(org_b).intact


@pytest.mark.django_db
def test_verification_needs_officer_or_auditor(org_a, member, client_for, api_for):
    _write_events(org_a, 1)
    for role, status in [
        (Role.AUDITOR, 200),
        (Role.OFFICER, 200),
        (Role.ADMIN, 200),
        (Role.CONTRIBUTOR, 403),
    ]:
        user = member(org_a, role)
        page = client_for(user).get(f"/o/{org_a.slug}/audit/chain/")
        assert page.status_code == status, role
        api = api_for(user).get(f"/api/v1/orgs/{org_a.slug}/audit-events/chain/")
        assert api.status_code == status, role
        if status == 200:
            assert "Intact." in page.content.decode()
            assert api.json()["intact"] is True


@pytest.mark.django_db
def test_another_organisation_cannot_reach_the_verification(org_a, org_b, member, client_for):
    _write_events(org_b, 1)
    outsider = client_for(member(org_a, Role.OFFICER))
    assert outsider.get(f"/o/{org_b.slug}/audit/chain/").status_code == 404
    assert outsider.get(f"/api/v1/orgs/{org_b.slug}/audit-events/chain/").status_code in (
        403,
        404,
    )


@pytest.mark.django_db
def test_verification_reads_a_constant_number_of_queries(
    org_a, member, api_for, django_assert_max_num_queries
):
    client = api_for(member(org_a, Role.OFFICER))
    _write_events(org_a, 2)
    with django_assert_max_num_queries(20) as few:
        client.get(f"/api/v1/orgs/{org_a.slug}/audit-events/chain/")
    _write_events(org_a, 20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(f"/api/v1/orgs/{org_a.slug}/audit-events/chain/").json()["intact"]
