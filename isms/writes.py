"""Writing rows safely under concurrent requests: the helpers every service uses.

- `model_update()` sets the given fields, validates, and saves only the fields whose value
  changed (`save(update_fields=…)`): two requests changing different fields of one row both
  keep their change (last writer wins per field, never per row), and a workflow or lifecycle
  field the caller did not name is never written back from a stale read.
- `unique_or_conflict()` turns the database's answer to a duplicate (a unique index, also
  when two requests race past the service's own check) into a 409 `duplicate` naming the
  field, instead of a 500.
- `db_error_to_domain()` is the one mapping of integrity, serialization and deadlock errors
  to domain errors, used by the API exception handler and the UI middleware.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.db import DatabaseError, IntegrityError, models, transaction

from isms.errors import Conflict, DomainError, Duplicate, ErrorCode

# PostgreSQL SQLSTATEs
UNIQUE_VIOLATION = "23505"
SERIALIZATION_FAILURE = "40001"
DEADLOCK_DETECTED = "40P01"
LOCK_NOT_AVAILABLE = "55P03"


def model_update(
    instance: models.Model,
    *,
    data: Mapping[str, Any],
    fields: Iterable[str],
    clean: bool = True,
) -> list[str]:
    """Set `data[f]` for each allowed field present in `data`; save the changed ones only.

    Returns the names of the fields that changed (empty: nothing was written). Many-to-many
    fields are not handled here (set them after, on the saved instance).
    """
    allowed = set(fields)
    unknown = set(data) - allowed
    if unknown:
        raise ValueError(f"model_update got fields it may not set: {sorted(unknown)}")
    changed: list[str] = []
    for name, value in data.items():
        field = instance._meta.get_field(name)
        if field.many_to_many:
            raise ValueError(f"{name} is many-to-many; set it after saving.")
        if field.is_relation:
            new = getattr(value, "pk", value)
            if getattr(instance, field.attname) != new:
                if hasattr(value, "pk"):
                    setattr(instance, name, value)
                else:
                    setattr(instance, field.attname, new)
                changed.append(name)
        elif getattr(instance, name) != value:
            setattr(instance, name, value)
            changed.append(name)
    if not changed:
        return []
    if clean:
        instance.full_clean()
    update_fields = set(changed)
    if any(f.name == "updated" for f in instance._meta.concrete_fields):
        update_fields.add("updated")
    instance.save(update_fields=sorted(update_fields))
    return changed


def _sqlstate(error: BaseException) -> str | None:
    cause = error.__cause__ or error
    return getattr(cause, "pgcode", None)


def _constraint(error: BaseException) -> str | None:
    cause = error.__cause__ or error
    diag = getattr(cause, "diag", None)
    return getattr(diag, "constraint_name", None)


@contextmanager
def unique_or_conflict(messages: Mapping[str, tuple[str | None, str]]) -> Iterator[None]:
    """Run the block in a savepoint; a unique violation of a named constraint becomes
    Duplicate(message, field=field). `messages`: constraint name -> (field, message)."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as error:
        if _sqlstate(error) == UNIQUE_VIOLATION and _constraint(error) in messages:
            field, message = messages[_constraint(error)]
            raise Duplicate(message, field=field) from error
        raise


def db_error_to_domain(error: BaseException) -> DomainError | None:
    """The domain error a database error from a concurrent request stands for, if any."""
    if not isinstance(error, DatabaseError):
        return None
    state = _sqlstate(error)
    if state == UNIQUE_VIOLATION:
        return Duplicate(
            "Something with the same unique name or key was saved at the same moment; "
            "reload and check before trying again."
        )
    if isinstance(error, IntegrityError):
        return Conflict(
            "The change conflicts with the current data (a rule of the database refused it).",
        )
    if state in {SERIALIZATION_FAILURE, DEADLOCK_DETECTED, LOCK_NOT_AVAILABLE}:
        return Conflict(
            "Another request changed the same data at the same moment; try again.",
            code=ErrorCode.CONCURRENT_UPDATE,
        )
    return None
