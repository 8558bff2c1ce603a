"""Suppliers as a table: CSV/XLSX import (all-or-nothing, every bad row reported) and export,
through isms.tabular (formula neutralisation, control characters, choice labels)."""

from __future__ import annotations

from datetime import date

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from isms import tabular
from isms.access import Actor
from isms.choices import DataCategory
from isms.models import Membership
from isms.tabular import ImportRefused, RowError
from suppliers.models import SUPPLIER_EDITABLE, Supplier
from suppliers.services.common import require_scope
from suppliers.services.register import supplier_create

COLUMNS = SUPPLIER_EDITABLE.table_columns()
EXPORT_COLUMNS = [
    *tabular.declared_columns(SUPPLIER_EDITABLE),
    tabular.choice("rating"),
    tabular.attr("last_assessed_on"),
    tabular.Column("certifications_expiring", lambda s: getattr(s, "certs_expiring", "")),
]
REQUIRED = {"name", "owner_email"}
MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_ROWS = 5000


def _parse_row(line: int, row: dict, members: dict, seen: dict) -> tuple[dict, list[RowError]]:
    errors: list[RowError] = []

    def bad(field, message):
        errors.append(RowError(line, field, message))

    data: dict = {}
    name = (row.get("name") or "").strip()
    if not name:
        bad("name", "A name is required.")
    elif len(name) > 200:
        bad("name", "At most 200 characters.")
    elif name.lower() in seen:
        bad("name", f"Same name as line {seen[name.lower()]}.")
    else:
        seen[name.lower()] = line
    data["name"] = name
    data["website"] = (row.get("website") or "").strip()
    data["provides"] = (row.get("provides") or "").strip()
    for field, choices in (
        ("ai_services", Supplier.AIService.choices),
        ("data_categories", DataCategory.choices),
    ):
        names = [value for value, _ in choices]
        values = [
            tabular.choice_value(v, choices)
            for v in tabular.split_list(row.get(field) or "", commas=True)
        ]
        unknown = [v for v in values if v not in names]
        if unknown:
            bad(field, f"Unknown value(s) {', '.join(unknown)}; use {', '.join(names)}.")
        data[field] = values
    for field, choices, default in (
        ("criticality", Supplier.Criticality.choices, "medium"),
        ("status", Supplier.Status.choices, "prospective"),
    ):
        names = [value for value, _ in choices]
        value = tabular.choice_value(row.get(field) or "", choices) or default
        if value not in names:
            bad(field, f"'{value}' is not one of {', '.join(names)}.")
        data[field] = value
    email = (row.get("owner_email") or "").strip().lower()
    if not email:
        bad("owner_email", "An owner is required: the e-mail of an active member.")
    elif email not in members:
        bad("owner_email", f"{email} is not an active member of this organisation.")
    else:
        data["owner"] = members[email]
    when = (row.get("next_reassessment_date") or "").strip()
    data["next_reassessment_date"] = None
    if when:
        try:
            data["next_reassessment_date"] = date.fromisoformat(when)
        except ValueError:
            bad("next_reassessment_date", f"'{when}' is not a date like 2026-12-31.")
    return data, errors


def suppliers_import(*, actor: Actor, content: bytes, filename: str = "") -> list[Supplier]:
    """Create every row's supplier, or none: ImportRefused lists each bad row and field."""
    require_scope(actor, "suppliers:write")
    table = tabular.read_table(
        content,
        filename=filename,
        required=sorted(REQUIRED),
        max_bytes=MAX_IMPORT_BYTES,
        max_rows=MAX_IMPORT_ROWS,
    )
    User = get_user_model()
    members = {
        u.email.lower(): u
        for u in User.objects.filter(
            pk__in=Membership.objects.active()
            .filter(organization=actor.organization)
            .values("user_id")
        )
    }
    existing = {n.lower(): "existing" for n in Supplier.objects.values_list("name", flat=True)}
    seen: dict[str, int] = {}
    parsed, errors = [], []
    for line, row in table.rows:
        data, row_errors = _parse_row(line, row, members, seen)
        if data["name"].lower() in existing:
            row_errors.append(RowError(line, "name", "A supplier with this name already exists."))
        errors += row_errors
        parsed.append((line, data))
    if not parsed and not errors:
        errors.append(RowError(2, "file", "The file has a header but no rows."))
    if errors:
        raise ImportRefused(errors)
    created = []
    with transaction.atomic():
        for line, data in parsed:
            try:
                created.append(supplier_create(actor=actor, **data))
            except ValidationError as error:
                errors += [
                    RowError(line, field, message)
                    for field, messages in error.message_dict.items()
                    for message in messages
                ]
        if errors:
            transaction.set_rollback(True)
            raise ImportRefused(errors)
    return created


def suppliers_export_response(suppliers, *, fmt: str, filename: str):
    return tabular.export_response(
        EXPORT_COLUMNS, suppliers, fmt=fmt, filename=filename, sheet="Suppliers"
    )
