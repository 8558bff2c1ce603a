"""Remove organisations' rows table by table: the one way tenant data is deleted in bulk.

Django's emulated cascade cannot do it under forced row-level security: it collects child
rows before deleting, and the tenant tables protect their organisation. Here every tenant
table gets one plain `DELETE … WHERE organization_id = %s` inside the organisation's tenant
context; Django's foreign keys are DEFERRABLE INITIALLY DEFERRED, so the order of the tables
does not matter, and `SET CONSTRAINTS ALL IMMEDIATE` checks them before the transaction ends.
Rows of other tables that point at the organisation's rows go first.

Who runs what:
- The DELETEs run as the application role (`SET LOCAL ROLE`, settings.DATABASE_APP_USER),
  not as the owner or a superuser: row-level security is forced on them, so a wrong
  predicate could not reach another organisation's rows.
- Approved, published and reported records are immutable even to DELETE (the `*_immutable`
  and guard triggers of the apps' migrations); only the table owner may switch a trigger off
  (ALTER TABLE … DISABLE TRIGGER, transactional), so the owner does that before switching
  role and switches them on again before the transaction ends. `guards_off()` is that step
  on its own (the importer inserts approved records with it).

Cost: ALTER TABLE takes an ACCESS EXCLUSIVE lock on each table it touches until the
transaction ends, so every organisation's writes and reads of those tables wait while a
purge or an import runs (measured in tests/isms/test_org_lifecycle.py's figures). Only the
tables where the organisation has rows are altered.

The audit trail (`isms_auditevent`) is never touched: it has no foreign key to what it
describes and is append-only even for the owner.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.db import connections, models, transaction
from psycopg2 import sql

from isms.db_security import AUDIT_TRIGGER
from isms.tenancy import tenant_context, tenant_models


@dataclass
class PurgeResult:
    rows: dict[str, int] = field(default_factory=dict)  # model label -> rows deleted
    role: str = ""  # the database role the DELETEs ran as
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def _user_triggers(cursor, tables: list[str], *, audit: bool) -> list[tuple[str, str]]:
    """The user-defined triggers (not the foreign-key ones) of these tables; without
    `audit`, the audit trigger stays out of the list (it keeps recording)."""
    cursor.execute(
        "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE NOT t.tgisinternal AND c.relname = ANY(%s) ORDER BY 1, 2",
        [tables],
    )
    return [(t, g) for t, g in cursor.fetchall() if audit or g != AUDIT_TRIGGER]


@contextmanager
def guards_off(
    tables: Iterable[str], *, using: str = "owner", audit: bool = False
) -> Iterator[None]:
    """Inside one transaction of `using` (the owner): the tables' user-defined triggers off,
    then the application role for the body, then the owner again and the triggers on.

    `audit=True` switches the audit trigger off too (the caller records the work as one
    event instead of one per row)."""
    connection = connections[using]
    if not connection.in_atomic_block:
        raise RuntimeError("guards_off() must run inside a transaction of the owner alias.")
    with connection.cursor() as cursor:
        triggers = _user_triggers(cursor, sorted(set(tables)), audit=audit)
        for table, trigger in triggers:
            cursor.execute(
                sql.SQL("ALTER TABLE {} DISABLE TRIGGER {}").format(
                    sql.Identifier(table), sql.Identifier(trigger)
                )
            )
        cursor.execute(
            sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(settings.DATABASE_APP_USER))
        )
    # No `finally`: after an error the transaction is rolled back, and with it the role and
    # the triggers (both are transactional).
    yield
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # check the deferred keys now
        for table, trigger in triggers:
            cursor.execute(
                sql.SQL("ALTER TABLE {} ENABLE TRIGGER {}").format(
                    sql.Identifier(table), sql.Identifier(trigger)
                )
            )


def _pointing_fields() -> list[tuple[type[models.Model], models.Field]]:
    """Foreign keys of non-tenant tables (guardian's generic grants, …) to tenant tables."""
    tenant_set = set(tenant_models())
    return [
        (model, f)
        for model in apps.get_models()
        if model not in tenant_set
        for f in model._meta.concrete_fields
        if f.is_relation and f.related_model in tenant_set
    ]


def _tables_with_rows(cursor, organization_ids: list[int], tables: list[str]) -> list[str]:
    """The tenant tables where any of these organisations has a row (the owner reads them:
    row-level security limits it to one organisation at a time, so ask per organisation)."""
    found: set[str] = set()
    for organization_id in organization_ids:
        with tenant_context(organization_id, actor="purge", using=cursor.db.alias):
            for table in tables:
                if table in found:
                    continue
                cursor.execute(
                    sql.SQL("SELECT EXISTS (SELECT 1 FROM {} WHERE organization_id = %s)").format(
                        sql.Identifier(table)
                    ),
                    [organization_id],
                )
                if cursor.fetchone()[0]:
                    found.add(table)
    return sorted(found)


def purge_organizations(
    organization_ids: Iterable[int],
    *,
    keep: Iterable[type[models.Model]] = (),
    actor: str = "purge",
    using: str = "owner",
) -> PurgeResult:
    """Delete every tenant row of these organisations (except the models in `keep`) and the
    rows of other tables that point at them, in one transaction; the organisations' own rows,
    memberships and the audit trail stay (the caller decides about those)."""
    started = time.monotonic()
    ids = [int(i) for i in organization_ids]
    kept = set(keep)
    models_ = [m for m in tenant_models() if m not in kept]
    result = PurgeResult(rows={m._meta.label: 0 for m in models_})
    pointing = _pointing_fields()
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        tables = _tables_with_rows(cursor, ids, [m._meta.db_table for m in models_])
        with guards_off(tables, using=using, audit=True):
            cursor.execute("SELECT current_user")
            result.role = cursor.fetchone()[0]
            for organization_id in ids:
                with tenant_context(organization_id, actor=actor, using=using):
                    for model, f in pointing:
                        target = f.related_model._meta.db_table
                        cursor.execute(
                            sql.SQL(
                                "DELETE FROM {} WHERE {} IN "
                                "(SELECT id FROM {} WHERE organization_id = %s)"
                            ).format(
                                sql.Identifier(model._meta.db_table),
                                sql.Identifier(f.column),
                                sql.Identifier(target),
                            ),
                            [organization_id],
                        )
                    for model in models_:
                        if model._meta.db_table not in tables:
                            continue
                        cursor.execute(
                            sql.SQL("DELETE FROM {} WHERE organization_id = %s").format(
                                sql.Identifier(model._meta.db_table)
                            ),
                            [organization_id],
                        )
                        result.rows[model._meta.label] += cursor.rowcount
    result.seconds = time.monotonic() - started
    return result
