"""The tenant context: which organisation the current request or task acts for.

One context variable holds it. `tenant_context()` sets it, opens a transaction and copies it
into PostgreSQL (`set_config(..., true)`, transaction-local) so row-level security sees the
same tenant as the ORM. Tenant querysets read it and fail closed: no context, no rows — an
exception, never "all organisations".
"""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass

from django.db import connections, models, transaction

from isms.chain_lock import chain_lock_first

# The PostgreSQL settings row-level security and the audit trigger read.
PG_ORGANIZATION = "app.organization_id"
PG_ACTOR_ID = "app.actor_id"
PG_ACTOR = "app.actor"
PG_REQUEST_ID = "app.request_id"


class TenantContextMissing(RuntimeError):
    """A tenant-owned table was queried with no organisation in context."""


@dataclass(frozen=True)
class TenantState:
    organization_id: int
    actor_id: int | None = None  # the user acting, if any
    actor: str = ""  # a label for the audit trail: an email or an API key prefix
    request_id: str = ""


_current: contextvars.ContextVar[TenantState | None] = contextvars.ContextVar(
    "guardrail_tenant", default=None
)


def current_tenant() -> TenantState | None:
    return _current.get()


def current_organization_id() -> int:
    state = _current.get()
    if state is None:
        raise TenantContextMissing(
            "No organisation in context: wrap the work in isms.tenancy.tenant_context()."
        )
    return state.organization_id


def _apply_to_database(state: TenantState | None, using: str) -> None:
    values = (
        ("", "", "", "")
        if state is None
        else (
            str(state.organization_id),
            "" if state.actor_id is None else str(state.actor_id),
            state.actor,
            state.request_id,
        )
    )
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT set_config(%s, %s, true), set_config(%s, %s, true),"
            " set_config(%s, %s, true), set_config(%s, %s, true)",
            [
                PG_ORGANIZATION,
                values[0],
                PG_ACTOR_ID,
                values[1],
                PG_ACTOR,
                values[2],
                PG_REQUEST_ID,
                values[3],
            ],
        )


@contextmanager
def tenant_context(
    organization_id: int,
    *,
    actor_id: int | None = None,
    actor: str = "",
    request_id: str = "",
    using: str = "default",
) -> Iterator[TenantState]:
    """Act for one organisation inside one transaction (nested uses make savepoints).

    Its writes take the organisation's audit chain lock before their first row lock
    (isms.chain_lock), so concurrent writers of one organisation queue instead of
    deadlocking."""
    state = TenantState(
        organization_id=int(organization_id),
        actor_id=actor_id,
        actor=actor,
        request_id=request_id or uuid.uuid4().hex,
    )
    previous = _current.get()
    nested = connections[using].in_atomic_block
    token = _current.set(state)
    lock_order = (
        chain_lock_first(state.organization_id, using)
        if previous is None or previous.organization_id != state.organization_id
        else nullcontext()
    )
    applied = False

    def apply_first(execute, sql, params, many, context):
        # The settings go to PostgreSQL with the context's first statement, not when it
        # opens: a request answered without SQL (an AI usage decision from its Redis
        # snapshot) makes no round trip to the database at all. Every statement passes
        # here first, a SAVEPOINT too, so the settings always precede any savepoint opened
        # inside the context and no rollback to one can undo them.
        nonlocal applied
        if not applied:
            applied = True
            # Past the other wrappers: an inner context's own would otherwise apply its
            # settings first and then see them overwritten by these.
            connection = connections[using]
            wrappers, connection.execute_wrappers = connection.execute_wrappers, []
            try:
                _apply_to_database(state, using)
            finally:
                connection.execute_wrappers = wrappers
        return execute(sql, params, many, context)

    try:
        with (
            transaction.atomic(using=using),
            connections[using].execute_wrapper(apply_first),
            lock_order,
        ):
            yield state
            # set_config(..., true) ends with the transaction, but outlives a released
            # savepoint: inside an outer transaction, restore the outer scope's settings.
            if applied and nested and not connections[using].needs_rollback:
                _apply_to_database(previous, using)
    finally:
        _current.reset(token)


class TenantQuerySet(models.QuerySet):
    pass


class FailClosedManagerMixin:
    """Filter to the organisation in context; with none, raise (but `.none()` is harmless)."""

    def get_queryset(self):
        return super().get_queryset().filter(organization_id=current_organization_id())

    def none(self):
        return self._queryset_class(model=self.model, using=self._db).none()


class TenantManager(FailClosedManagerMixin, models.Manager.from_queryset(TenantQuerySet)):
    """The default manager of tenant models: filtered to the organisation in context."""


class TenantModel(models.Model):
    """Base of every tenant-owned table.

    Subclasses get, without doing anything: the organisation foreign key, the fail-closed
    default manager, row-level security and the audit trigger (applied after every
    `migrate` by isms.db_security, checked by tests/isms/test_row_level_security.py).
    """

    organization = models.ForeignKey(
        "isms.Organization", on_delete=models.CASCADE, related_name="+", editable=False
    )

    objects = TenantManager()
    unscoped = models.Manager()  # platform staff only (admin, maintenance); RLS still applies

    class Meta:
        abstract = True
        base_manager_name = "unscoped"

    def save(self, *args, **kwargs):
        if self.organization_id is None:
            self.organization_id = current_organization_id()
        elif (state := current_tenant()) and state.organization_id != self.organization_id:
            raise TenantContextMissing(
                f"{type(self).__name__} belongs to organisation {self.organization_id}, "
                f"but the context is organisation {state.organization_id}."
            )
        super().save(*args, **kwargs)


def tenant_models() -> list[type[models.Model]]:
    from django.apps import apps

    return [m for m in apps.get_models() if issubclass(m, TenantModel)]
