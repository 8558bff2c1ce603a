"""What a row said at an earlier moment, read back from the audit trail.

Registers keep only their current values; the audit trail (isms.db_security, written by a
database trigger with the wall-clock time of each change) keeps every change as
`{column: [before, after]}`. So a value as it stood at `as_of` is today's value with every
later change undone, newest first: the `before` of the earliest change after `as_of` wins.
A pack uses this for states that move in place (a request's status, a review schedule's next
due date, the organisation's AI roles, a register row's scores, lifecycle or rating), so it
says what was true at its date, not today.

One query per table, whatever the number of rows (`rolled_back`), or per chunk of a streamed
register (`rolled_back_rows`); values come back as the model field's Python type (a date,
not the string the trail stores).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from itertools import islice

from django.db import models

from isms.models import AuditEvent

# Up to this many rows the query names them; past it, it reads the table's later changes and
# skips the others (a long IN list costs more than the rows it saves).
BY_ID_UP_TO = 500


def rolled_back(objects: Iterable[models.Model], as_of: datetime, fields: list[str]) -> list:
    """`objects` (of one model) with `fields` set back to their values at `as_of`, in memory
    only (nothing is saved). Objects must already be limited to those that existed then."""
    objects = list(objects)
    if not objects:
        return objects
    model = type(objects[0])
    by_column = {model._meta.get_field(name).column: model._meta.get_field(name) for name in fields}
    by_id = {str(obj.pk): obj for obj in objects}
    later = AuditEvent.objects.filter(
        table_name=model._meta.db_table, action=AuditEvent.Action.UPDATE, occurred_at__gt=as_of
    )
    if len(by_id) <= BY_ID_UP_TO:
        later = later.filter(object_id__in=list(by_id))
    later = later.order_by("-occurred_at", "-id").values_list("object_id", "changes")
    for object_id, changes in later.iterator(chunk_size=500):
        obj = by_id.get(object_id)
        if obj is None:
            continue
        for column, field in by_column.items():
            if column in changes:
                before = changes[column][0]
                setattr(obj, field.attname, None if before is None else field.to_python(before))
    for field in by_column.values():
        if field.many_to_one:
            _relink(objects, field)
    return objects


def _relink(objects: list, field) -> None:
    """After a foreign key was set back (which drops the related object Django had cached):
    the related rows of the earlier values, read in one query, not one per row."""
    unlinked = [o for o in objects if not field.is_cached(o) and getattr(o, field.attname)]
    if not unlinked:
        return
    related = field.related_model._base_manager.in_bulk(
        {getattr(o, field.attname) for o in unlinked}
    )
    for obj in unlinked:
        field.set_cached_value(obj, related.get(getattr(obj, field.attname)))


def rolled_back_rows(
    rows: Iterable[models.Model], as_of: datetime, fields: list[str], chunk: int
) -> Iterator:
    """`rolled_back` for a register streamed in chunks (a pack's long tables): each chunk of
    `chunk` rows is rolled back with one query naming its rows, so memory stays bounded."""
    rows = iter(rows)
    while rows_of_chunk := list(islice(rows, chunk)):
        yield from rolled_back(rows_of_chunk, as_of, fields)
