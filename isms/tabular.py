"""Tabular export and import (CSV and XLSX): the one place every register's file goes through.

Invariants, for every export of the product:

- every text cell is *cleaned*: C0 control characters other than tab, newline and carriage
  return, and DEL, are removed (openpyxl raises ``IllegalCharacterError`` on most of them, and
  they have no business in a register);
- every text cell is *neutralised* against formula injection (OWASP "CSV Injection", ASVS
  5.0 V1.2.10): a cell whose first character is ``=``, ``+``, ``-``, ``@``, a tab or a carriage
  return gets a leading apostrophe, so a spreadsheet shows it as text instead of evaluating it.
  Numbers, booleans and dates are written as values, never as text, so they need no escape.
- columns are declared once (`Column`: a header and a getter); choice fields export their
  human label (`choice`), lists are joined with "; ", booleans are "yes"/"no".

Import reads CSV (UTF-8, with or without BOM) or XLSX into rows of strings keyed by the header;
it undoes the apostrophe this module adds, so an export imports back unchanged. The caller
validates every row and writes all or nothing (`ImportRefused` lists every bad row and field).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from django.http import HttpResponse

from isms import uploads

if TYPE_CHECKING:
    from isms.fields import EditableFields

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# --- cells ------------------------------------------------------------------------------------


def clean_text(value: str) -> str:
    """The text without control characters (C0 except tab, LF, CR; and DEL)."""
    return _CONTROL.sub("", value)


def neutralise(value: str) -> str:
    """Text a spreadsheet will not evaluate: a leading apostrophe before a formula trigger."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def safe_text(value: str) -> str:
    return neutralise(clean_text(value))


def cell(value: Any) -> str | int | float | Decimal | dt.date:
    """One exported cell: text cleaned and neutralised, numbers and dates kept as values."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, dt.datetime):
        # XLSX has no time zones: write an unambiguous ISO 8601 text instead.
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, list | tuple | set | frozenset):
        return safe_text("; ".join(str(v) for v in value))
    return safe_text(str(value))


# --- columns ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One exported column: the header row's text and how to read the value from a row."""

    header: str
    get: Callable[[Any], Any]


def attr(header: str, path: str | None = None) -> Column:
    """A column reading an attribute (dotted for relations: ``owner.email``); None gives ""."""
    parts = (path or header).split(".")

    def get(obj):
        for part in parts:
            if obj is None:
                return None
            obj = getattr(obj, part)
        return obj

    return Column(header, get)


def choice(header: str, field: str | None = None) -> Column:
    """A choice field exported as its human label (``get_<field>_display``)."""
    name = field or header
    return Column(header, lambda obj: getattr(obj, f"get_{name}_display")())


def choice_list(header: str, choices, field: str | None = None) -> Column:
    """A list of choice values (ArrayField/JSON list) exported as labels joined by "; "."""
    labels = dict(choices)
    name = field or header
    return Column(header, lambda obj: [labels.get(v, v) for v in (getattr(obj, name) or [])])


def declared_columns(
    declaration: EditableFields,
    *,
    leave_out: Iterable[str] = (),
    overrides: dict[str, Column] | None = None,
) -> list[Column]:
    """One column per editable field of a declaration (isms.fields), named as in its
    spreadsheet: people by e-mail, other relations by their text, choices by label."""
    from django.conf import settings

    overrides = overrides or {}
    rename = declaration.table_names or {}
    user_model = settings.AUTH_USER_MODEL.lower()
    columns = []
    for name in declaration.names:
        if name in set(leave_out):
            continue
        header = rename.get(name, name)
        if name in overrides:
            columns.append(overrides[name])
            continue
        field = declaration.model._meta.get_field(name)
        base = getattr(field, "base_field", None)
        if field.many_to_many:
            columns.append(Column(header, lambda o, n=name: [str(x) for x in getattr(o, n).all()]))
        elif field.many_to_one:
            related = field.related_model._meta.label_lower
            path = f"{name}.email" if related == user_model else name
            column = attr(header, path)
            if related != user_model:
                column = Column(header, lambda o, n=name: str(getattr(o, n) or ""))
            columns.append(column)
        elif base is not None and base.choices:
            columns.append(choice_list(header, base.choices, name))
        elif field.choices:
            columns.append(choice(header, name))
        else:
            columns.append(attr(header, name))
    return columns


def choice_value(raw: str, choices) -> str:
    """The stored value for an imported cell holding a choice's value or its label (any case);
    anything else is returned as given, for the caller's validation to name."""
    wanted = raw.strip().casefold()
    for value, label in choices:
        if wanted in (str(value).casefold(), str(label).casefold()):
            return value
    return raw.strip()


def split_list(raw: str, *, commas: bool = False) -> list[str]:
    """A list cell ("a; b; c", and "a, b" when ``commas``) as its stripped, non-empty parts."""
    if commas:
        raw = raw.replace(",", ";")
    return [part.strip() for part in raw.split(";") if part.strip()]


def headers(columns: Sequence[Column]) -> list[str]:
    return [c.header for c in columns]


def rows(columns: Sequence[Column], objects: Iterable[Any]) -> Iterator[list[Any]]:
    """The header row, then one cleaned row per object."""
    yield [safe_text(c.header) for c in columns]
    for obj in objects:
        yield [cell(c.get(obj)) for c in columns]


# --- writing -----------------------------------------------------------------------------------


def to_csv(columns: Sequence[Column], objects: Iterable[Any]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows(columns, objects):
        writer.writerow([v.isoformat() if isinstance(v, dt.date) else v for v in row])
    return out.getvalue().encode("utf-8")


def to_xlsx(columns: Sequence[Column], objects: Iterable[Any], *, sheet: str = "Export") -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(clean_text(sheet)[:31] or "Export")
    for row in rows(columns, objects):
        worksheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def export_response(
    columns: Sequence[Column],
    objects: Iterable[Any],
    *,
    fmt: str,
    filename: str,
    sheet: str = "Export",
) -> HttpResponse:
    """A download of the rows as ``fmt`` ("csv" or "xlsx"); ``filename`` has no extension."""
    if fmt == "xlsx":
        response = HttpResponse(to_xlsx(columns, objects, sheet=sheet), XLSX_CONTENT_TYPE)
    elif fmt == "csv":
        response = HttpResponse(to_csv(columns, objects), CSV_CONTENT_TYPE)
    else:
        raise ValueError(f"Unknown export format {fmt!r}.")
    safe_name = re.sub(r"[^A-Za-z0-9._-]+", "-", filename).strip("-") or "export"
    response["Content-Disposition"] = f'attachment; filename="{safe_name}.{fmt}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- reading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """One problem in an import: the file line (1 is the header), the column, what is wrong."""

    line: int
    field: str
    message: str


class ImportRefused(Exception):
    """Nothing was imported: every problem found is in ``errors``."""

    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} problem(s); nothing was imported.")
        self.errors = errors


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[tuple[int, dict[str, str]]]  # (line number, {header: text})


def _unneutralise(value: str) -> str:
    if value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return value.isoformat() if value.time() != dt.time() else value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _unneutralise(clean_text(str(value)).strip())


def _csv_records(content: bytes) -> Iterator[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRefused([RowError(1, "file", "The file is not UTF-8 text.")]) from None
    if "\x00" in text:
        raise ImportRefused([RowError(1, "file", "The file is not a CSV: it holds binary data.")])
    try:
        yield from csv.reader(io.StringIO(text, newline=""))
    except csv.Error as error:
        raise ImportRefused([RowError(1, "file", f"The CSV cannot be read: {error}.")]) from None


def _xlsx_records(content: bytes) -> Iterator[list[Any]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise ImportRefused(
            [RowError(1, "file", f"The XLSX workbook cannot be read ({error}).")]
        ) from None
    try:
        for values in workbook.worksheets[0].iter_rows(values_only=True):
            yield list(values)
    finally:
        workbook.close()


def read_table(
    content: bytes,
    *,
    filename: str = "",
    required: Iterable[str] = (),
    max_bytes: int | None = None,
    max_rows: int | None = None,
) -> Table:
    """The file's rows as text keyed by the (stripped) header; XLSX by content or name.

    Blank rows are skipped. Raises ImportRefused for a file that is neither UTF-8 CSV nor an
    XLSX workbook (by content: a binary renamed .csv is refused), a missing required column, a
    file over ``max_bytes`` (and never over the upload limit of isms.uploads) or more than
    ``max_rows`` data rows.
    """
    limits = [uploads.max_upload_bytes()] + ([max_bytes] if max_bytes is not None else [])
    limit = min(limits)
    if len(content) > limit:
        mib = 1024 * 1024
        shown = f"{limit / mib:g} MB" if limit >= mib else f"{limit} bytes"
        raise ImportRefused([RowError(1, "file", f"The file is larger than {shown}.")])
    suffix = PurePosixPath(filename or "").suffix.lower()
    if suffix and suffix not in (".csv", ".txt", ".xlsx"):
        raise ImportRefused([RowError(1, "file", "Only these file types are accepted: CSV, XLSX.")])
    if suffix == ".xlsx" or content.startswith(b"PK\x03\x04"):
        if uploads.sniff(content) != "xlsx":
            raise ImportRefused(
                [RowError(1, "file", "The file's content is not an XLSX workbook.")]
            )
        records = _xlsx_records(content)
    else:
        records = _csv_records(content)
    header: list[str] | None = None
    table_rows: list[tuple[int, dict[str, str]]] = []
    for line, record in enumerate(records, start=1):
        values = [_text(v) for v in record]
        if header is None:
            header = values
            while header and not header[-1]:
                header.pop()
            missing = [c for c in required if c not in header]
            if missing:
                raise ImportRefused(
                    [
                        RowError(1, c, "Missing column in the header row (the first line).")
                        for c in missing
                    ]
                )
            continue
        if not any(values):
            continue
        if max_rows is not None and len(table_rows) >= max_rows:
            raise ImportRefused([RowError(line, "file", f"At most {max_rows} rows per import.")])
        table_rows.append((line, dict(zip(header, values, strict=False))))
    if header is None:
        raise ImportRefused([RowError(1, "file", "The file is empty: no header row.")])
    return Table(header=header, rows=table_rows)
