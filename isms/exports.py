"""Column declarations of the isms core's exports (the audit trail), for isms.tabular; the page
and the API endpoint share them."""

from __future__ import annotations

import json
from itertools import islice

from isms import audit_display, tabular

# Human columns first (labels and words, times in the viewer's time zone), then the machine
# columns (table, id, changes as stored, with credential values hidden) for re-processing.
AUDIT_TRAIL_COLUMNS = [
    tabular.Column("When", lambda e: audit_display.local_time(e.occurred_at)),
    tabular.Column("Who", lambda e: e.actor or "system"),
    tabular.Column("Object type", lambda e: e.type_label),
    tabular.Column("Object", lambda e: e.object_label),
    tabular.Column("What", lambda e: e.get_action_display()),
    tabular.Column("Changes", audit_display.changes_as_text),
    tabular.attr("table_name"),
    tabular.attr("object_id"),
    tabular.Column(
        "changes (stored)",
        lambda e: json.dumps(
            audit_display.redact(e.event.changes), ensure_ascii=False, default=str
        ),
    ),
    tabular.attr("request_id"),
]


def _described(events):
    """Events in words, a thousand at a time (one query per model per thousand)."""
    rows = events.iterator(chunk_size=1000)
    while chunk := list(islice(rows, 1000)):
        yield from audit_display.describe(chunk)


def audit_trail_response(events, *, fmt: str, organization):
    return tabular.export_response(
        AUDIT_TRAIL_COLUMNS,
        _described(events),
        fmt=fmt,
        filename=f"{organization.slug}-audit-trail",
        sheet="Audit trail",
    )
