"""CSV import (all-or-nothing, every bad row reported) and CSV/XLSX export of the register."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from isms import policy
from isms.access import Actor
from isms.errors import DomainError
from isms.members import active_members
from suppliers.models import Supplier

from . import services
from .models import Asset, Source

COLUMNS = [
    "name",
    "asset_type",
    "owner_email",
    "custodian_email",
    "classification",
    "lifecycle",
    "data_categories",
    "supplier",
    "customer_facing",
    "tags",
    "external_id",
    "description",
    "intended_purpose",
    "known_limitations",
    "human_oversight",
    "affected_groups",
    "model_provider",
    "model_version",
    "provider_trains_on_our_data",
    "eu_ai_act_role",
    "risk_tier",
    "concern_contact",
    "transparency_notice_url",
]
LIST_COLUMNS = {"data_categories", "tags", "affected_groups"}  # ";"-separated in a cell
REQUIRED = ("name", "asset_type", "owner_email")
TEXT_COLUMNS = [
    c for c in COLUMNS if c not in {"owner_email", "custodian_email", "supplier", "risk_tier"}
]


@dataclass
class RowError:
    line: int
    field: str
    message: str


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)


class ImportRefused(Exception):
    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} problem(s)")
        self.errors = errors


def _members_by_email() -> dict[str, object]:
    # Every active member (auditors too): the service then says why an auditor cannot own.
    return {user.email.lower(): user for user in active_members(scope=None)}


def _row_values(row: dict, line: int, members, suppliers, errors: list[RowError]) -> dict:
    values: dict = {}
    for column in TEXT_COLUMNS:
        raw = (row.get(column) or "").strip()
        if column in LIST_COLUMNS:
            values[column] = [v.strip() for v in raw.split(";") if v.strip()]
        elif column == "customer_facing":
            if raw.lower() not in ("", "yes", "no", "true", "false", "1", "0"):
                errors.append(RowError(line, column, f"Use yes or no, not {raw!r}."))
            values[column] = raw.lower() in ("yes", "true", "1")
        elif raw or column not in ("classification", "lifecycle"):
            values[column] = raw
    for column in ("owner_email", "custodian_email"):
        email = (row.get(column) or "").strip().lower()
        if not email:
            continue
        if email not in members:
            errors.append(
                RowError(line, column, f"No active member with email {email} in this organisation.")
            )
        else:
            values[column.removesuffix("_email")] = members[email]
    supplier = (row.get("supplier") or "").strip()
    if supplier:
        if supplier.lower() not in suppliers:
            errors.append(RowError(line, "supplier", f"No supplier named {supplier!r}."))
        else:
            values["supplier"] = suppliers[supplier.lower()]
    for column in REQUIRED:
        if not (row.get(column) or "").strip():
            errors.append(RowError(line, column, "Required."))
    return values


def import_csv(*, actor: Actor, content: bytes) -> ImportResult:
    """Create (or, with an external id, upsert) one asset per row, or nothing at all."""
    policy.require(actor, "manage", Asset)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportRefused([RowError(1, "file", "The file is not UTF-8 text.")]) from error
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise ImportRefused([RowError(1, c, "Missing column in the header row.") for c in missing])
    members = _members_by_email()
    suppliers = {s.name.lower(): s for s in Supplier.objects.all()}
    result = ImportResult()
    try:
        with transaction.atomic():
            for line, row in enumerate(reader, start=2):
                row_errors: list[RowError] = []
                values = _row_values(row, line, members, suppliers, row_errors)
                if row_errors:
                    result.errors += row_errors
                    continue
                try:
                    with transaction.atomic():
                        external_id = values.pop("external_id", "")
                        if external_id:
                            _, created = services.asset_upsert(
                                actor=actor,
                                external_id=external_id,
                                source=Source.IMPORT,
                                **values,
                            )
                        else:
                            services.asset_create(actor=actor, source=Source.IMPORT, **values)
                            created = True
                        if created:
                            result.created += 1
                        else:
                            result.updated += 1
                except ValidationError as error:
                    for name, messages in error.message_dict.items():
                        column = {"owner": "owner_email", "custodian": "custodian_email"}.get(
                            name, name
                        )
                        result.errors += [RowError(line, column, m) for m in messages]
                except DomainError as error:
                    result.errors.append(RowError(line, error.field or "row", error.message))
            if result.errors:
                raise ImportRefused(result.errors)
    except ImportRefused:
        raise
    return result


def _export_row(asset: Asset) -> list[str]:
    def cell(column: str) -> str:
        if column == "owner_email":
            return asset.owner.email if asset.owner else ""
        if column == "custodian_email":
            return asset.custodian.email if asset.custodian else ""
        if column == "supplier":
            return asset.supplier.name if asset.supplier else ""
        value = getattr(asset, column)
        if isinstance(value, list):
            return ";".join(value)
        if isinstance(value, bool):
            return "yes" if value else "no"
        return "" if value is None else str(value)

    return [cell(c) for c in COLUMNS]


def export_csv(queryset) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for asset in queryset.iterator(chunk_size=500):
        writer.writerow(_export_row(asset))
    return out.getvalue()


def export_xlsx(queryset) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Assets")
    sheet.append(COLUMNS)
    for asset in queryset.iterator(chunk_size=500):
        sheet.append(_export_row(asset))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
