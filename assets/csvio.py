"""The asset register as a table: CSV/XLSX import (all-or-nothing, every bad row reported) and
export, through isms.tabular (formula neutralisation, control characters, labels).

The columns derive from the one declaration of editable fields (models.ASSET_EDITABLE):
people are written as their e-mail, the supplier as its name, choices as their labels (the
import accepts a label or the stored value).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from isms import tabular
from isms.access import Actor
from isms.errors import DomainError
from isms.models import Membership
from isms.tabular import ImportRefused, RowError
from isms.tenancy import current_organization_id
from suppliers.models import Supplier

from . import services
from .models import ASSET_EDITABLE, Asset, Source

# Editable fields a spreadsheet does not carry (a timestamp is set by "mark reviewed").
NOT_IN_TABLE = frozenset({"last_reviewed_at"})
# Relations travel as a readable key (people by e-mail, the supplier by name).
COLUMNS = ASSET_EDITABLE.table_columns(leave_out=NOT_IN_TABLE)
LIST_COLUMNS = {"data_categories", "tags", "affected_groups"}  # ";"-separated in a cell
REQUIRED = ("name", "asset_type", "owner_email")
TEXT_COLUMNS = [c for c in COLUMNS if c not in {"owner_email", "custodian_email", "supplier"}]
_FIELDS = {f.name: f for f in Asset._meta.get_fields() if hasattr(f, "choices")}


def _choices(name: str):
    """The (value, label) pairs of a choice field or of an array field's items, else None."""
    model_field = _FIELDS.get(name)
    if model_field is None:
        return None
    base = getattr(model_field, "base_field", None)
    return (base.choices if base is not None else model_field.choices) or None


EXPORT_COLUMNS = [
    *tabular.declared_columns(ASSET_EDITABLE, leave_out=NOT_IN_TABLE),
    tabular.choice("risk_tier"),
    tabular.choice("source"),
]


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)


def _members_by_email() -> dict[str, object]:
    return {
        m.user.email.lower(): m.user
        for m in Membership.objects.active()
        .filter(organization_id=current_organization_id())
        .select_related("user")
    }


def _row_values(row: dict, line: int, members, suppliers, errors: list[RowError]) -> dict:
    values: dict = {}
    for column in TEXT_COLUMNS:
        raw = (row.get(column) or "").strip()
        choices = _choices(column)
        if column in LIST_COLUMNS:
            items = tabular.split_list(raw)
            values[column] = [tabular.choice_value(v, choices) for v in items] if choices else items
        elif choices and raw:
            values[column] = tabular.choice_value(raw, choices)
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


def import_table(*, actor: Actor, content: bytes, filename: str = "") -> ImportResult:
    """Create (or, with an external id, upsert) one asset per row of a CSV or XLSX file, or
    nothing at all."""
    table = tabular.read_table(content, filename=filename, required=REQUIRED)
    members = _members_by_email()
    suppliers = {s.name.lower(): s for s in Supplier.objects.all()}
    result = ImportResult()
    try:
        with transaction.atomic():
            for line, row in table.rows:
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


def export_response(queryset, *, fmt: str, filename: str):
    return tabular.export_response(
        EXPORT_COLUMNS,
        queryset.iterator(chunk_size=500),
        fmt=fmt,
        filename=filename,
        sheet="Assets",
    )
