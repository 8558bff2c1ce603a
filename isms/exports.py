"""Column declarations of the isms core's exports (the audit trail), for isms.tabular; the page
and the API endpoint share them."""

from __future__ import annotations

import json

from isms import tabular

AUDIT_TRAIL_COLUMNS = [
    tabular.Column("occurred_at (UTC)", lambda e: e.occurred_at),
    tabular.Column("actor", lambda e: e.actor or "system"),
    tabular.choice("action"),
    tabular.attr("table_name"),
    tabular.attr("object_id"),
    tabular.Column("changed_fields", lambda e: sorted(e.changes or {})),
    tabular.Column("changes", lambda e: json.dumps(e.changes, ensure_ascii=False, default=str)),
    tabular.attr("request_id"),
]


def audit_trail_response(events, *, fmt: str, organization):
    return tabular.export_response(
        AUDIT_TRAIL_COLUMNS,
        events.iterator(chunk_size=1000),
        fmt=fmt,
        filename=f"{organization.slug}-audit-trail",
        sheet="Audit trail",
    )
