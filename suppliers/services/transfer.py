"""CSV import (all-or-nothing, every bad row reported) and CSV/XLSX export of suppliers."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from isms import policy
from isms.access import Actor
from isms.choices import DataCategory
from isms.members import active_members
from suppliers.models import Supplier
from suppliers.services.register import supplier_create

COLUMNS = [
    "name",
    "website",
    "provides",
    "ai_services",
    "criticality",
    "status",
    "owner_email",
    "data_categories",
    "next_reassessment_date",
]
EXPORT_COLUMNS = [*COLUMNS, "rating", "last_assessed_on", "certifications_expiring"]
REQUIRED = {"name", "owner_email"}
MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_ROWS = 5000


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    message: str


class ImportRejected(Exception):
    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} problem(s); nothing was imported.")
        self.errors = errors


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.replace(",", ";").split(";") if part.strip()]


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
        ("ai_services", Supplier.AIService.values),
        ("data_categories", DataCategory.values),
    ):
        values = _split(row.get(field) or "")
        unknown = [v for v in values if v not in choices]
        if unknown:
            bad(field, f"Unknown value(s) {', '.join(unknown)}; use {', '.join(choices)}.")
        data[field] = values
    for field, choices, default in (
        ("criticality", Supplier.Criticality.values, "medium"),
        ("status", Supplier.Status.values, "prospective"),
    ):
        value = (row.get(field) or "").strip().lower() or default
        if value not in choices:
            bad(field, f"'{value}' is not one of {', '.join(choices)}.")
        data[field] = value
    email = (row.get("owner_email") or "").strip().lower()
    if not email:
        bad("owner_email", "An owner is required: the e-mail of an active member.")
    elif email not in members:
        bad(
            "owner_email",
            f"{email} is not an active member of this organisation who can own records.",
        )
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


def suppliers_import_csv(*, actor: Actor, content: bytes) -> list[Supplier]:
    """Create every row's supplier, or none: ImportRejected lists each bad row and field."""
    policy.require(actor, "create", Supplier(organization=actor.organization))
    if len(content) > MAX_IMPORT_BYTES:
        raise ImportRejected([RowError(0, "file", "The file is larger than 2 MB.")])
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRejected([RowError(0, "file", "The file is not UTF-8 text.")]) from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    missing = sorted(REQUIRED - set(header))
    if missing:
        raise ImportRejected(
            [RowError(1, col, "Missing column (the first line is the header).") for col in missing]
        )
    # Owners must be members whose role can own records (auditors never can).
    members = {u.email.lower(): u for u in active_members()}
    existing = {n.lower(): "existing" for n in Supplier.objects.values_list("name", flat=True)}
    seen: dict[str, int] = {}
    parsed, errors = [], []
    for index, row in enumerate(reader):
        line = index + 2
        if index >= MAX_IMPORT_ROWS:
            errors.append(RowError(line, "file", f"At most {MAX_IMPORT_ROWS} rows per import."))
            break
        data, row_errors = _parse_row(line, row, members, seen)
        if data["name"].lower() in existing:
            row_errors.append(RowError(line, "name", "A supplier with this name already exists."))
        errors += row_errors
        parsed.append((line, data))
    if not parsed and not errors:
        errors.append(RowError(2, "file", "The file has a header but no rows."))
    if errors:
        raise ImportRejected(errors)
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
            raise ImportRejected(errors)
    return created


def _export_row(supplier: Supplier) -> list:
    return [
        supplier.name,
        supplier.website,
        supplier.provides,
        ";".join(supplier.ai_services),
        supplier.criticality,
        supplier.status,
        supplier.owner.email,
        ";".join(supplier.data_categories),
        supplier.next_reassessment_date.isoformat() if supplier.next_reassessment_date else "",
        supplier.rating,
        supplier.last_assessed_on.isoformat() if supplier.last_assessed_on else "",
        getattr(supplier, "certs_expiring", ""),
    ]


def _safe_cell(value):
    """Neutralise spreadsheet formulas in text cells (CSV injection)."""
    if isinstance(value, str) and value[:1] in {"=", "+", "-", "@"}:
        return "'" + value
    return value


def suppliers_export_csv(suppliers) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for supplier in suppliers:
        writer.writerow([_safe_cell(v) for v in _export_row(supplier)])
    return out.getvalue().encode("utf-8")


def suppliers_export_xlsx(suppliers) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Suppliers"
    sheet.append(EXPORT_COLUMNS)
    for supplier in suppliers:
        sheet.append([_safe_cell(v) for v in _export_row(supplier)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
