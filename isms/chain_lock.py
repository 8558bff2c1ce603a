"""Lock order for the audit chain: the organisation's chain lock before any row lock.

The audit trail is a hash chain per organisation (isms.audit_chain, migration isms 0008): the
trigger that chains an event takes the organisation's transaction-level advisory lock, held
until commit. Taken there, it comes *after* the row locks of the write that caused the event
(an UPDATE locks its row, then its audit trigger inserts the event), so two transactions of
one organisation could each hold what the other waits for: one holds the chain lock and
wants a row, the other holds that row and wants the chain lock. PostgreSQL breaks the cycle
by rolling one back (a "deadlock detected" answered 409 `concurrent_update`), which users met
as "try again" on ordinary concurrent saves.

`chain_lock_first()` removes the cycle at its source: for the length of a tenant transaction
it watches the statements sent, and before the first one that can lock a row (INSERT,
UPDATE, DELETE, MERGE, SELECT … FOR UPDATE/SHARE) it takes the same advisory lock the
trigger takes. Every locking transaction of an organisation then takes the chain lock
first, so none waits for it while holding a row. Reads take nothing, and other
organisations never wait. The lock is re-entrant: the trigger's own call costs nothing more.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connections

# The first key of the chain's advisory locks ("audc"), as in the trigger of migration isms
# 0008; the second is the organisation id modulo 2^31 - 1.
LOCK_CLASS = 1635087459
LOCK_SQL = "SELECT pg_advisory_xact_lock(%s, %s)"

# Writes anywhere in the statement (also inside a WITH), and the locking SELECT clauses
# ("FOR UPDATE" and "FOR NO KEY UPDATE" contain UPDATE).
_LOCKING = re.compile(
    r"\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|MERGE\s+INTO)\b|\bFOR\s+(?:KEY\s+)?SHARE\b",
    re.IGNORECASE,
)


def takes_row_locks(sql: str) -> bool:
    """Whether a statement may lock rows (and so must come after the chain lock)."""
    return bool(_LOCKING.search(sql)) and not _unchained_insert().match(sql)


@functools.cache
def _unchained_insert() -> re.Pattern:
    """INSERTs into the machine-written logs the trail does not copy
    (isms.db_security.INSERTS_NOT_AUDITED): writing one (an auditor's page view, a stored
    API answer) adds no link to the chain and must not wait for a writer."""
    from isms.db_security import INSERTS_NOT_AUDITED

    tables = "|".join(map(re.escape, sorted(INSERTS_NOT_AUDITED)))
    return re.compile(rf'^\s*INSERT\s+INTO\s+"(?:{tables})"', re.IGNORECASE)


def lock_key(organization_id: int) -> tuple[int, int]:
    return LOCK_CLASS, organization_id % 2147483647


@contextmanager
def chain_lock_first(organization_id: int, using: str = "default") -> Iterator[None]:
    """Inside one transaction: take the organisation's chain lock before the first
    statement that can lock a row."""
    key = lock_key(organization_id)
    taken = False

    def wrapper(execute, sql, params, many, context):
        nonlocal taken
        if not taken and isinstance(sql, str) and takes_row_locks(sql):
            context["cursor"].cursor.execute(LOCK_SQL, key)
            taken = True
        return execute(sql, params, many, context)

    with connections[using].execute_wrapper(wrapper):
        yield
