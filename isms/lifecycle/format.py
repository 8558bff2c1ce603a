"""The organisation export format (version 1), shared by the exporter and the importer.

docs/org-export.md documents it for people; this module is the one declaration of its names,
its value encoding and the models it leaves out.
"""

from __future__ import annotations

import base64
import json
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from uuid import UUID

from django.db import models
from django.utils.duration import duration_iso_string

FORMAT = "guardrail.organization-export"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
PEOPLE = "people.json"
REFERENCES = "references.json"
AUDIT_TRAIL = "audit/audit_trail.json"
DATA_DIR = "data"
FILES_DIR = "files"

# Records of the installation's own handling of the organisation, not its ISMS data: an
# export inside an export would nest every earlier ZIP, and a deletion request belongs to the
# organisation it was made in.
EXCLUDED_MODELS = ("isms.OrganizationExport", "isms.OrganizationDeletion")


def exported_models() -> list[type[models.Model]]:
    from isms.tenancy import tenant_models

    return [m for m in tenant_models() if m._meta.label not in EXCLUDED_MODELS]


def data_file(label: str) -> str:
    return f"{DATA_DIR}/{label}.json"


def loose_references(model: type[models.Model]) -> dict[str, tuple[str, dict[str, str] | str]]:
    """Columns that hold another row's id without a foreign key, declared on the model as
    `loose_references = {column: (discriminator column, {value: model label} | "db_table")}`.
    """
    return getattr(model, "loose_references", {})


class ExportEncoder(json.JSONEncoder):
    """Full precision: datetimes keep their microseconds (DjangoJSONEncoder drops them)."""

    def default(self, o):
        if isinstance(o, datetime | date | time):
            return o.isoformat()
        if isinstance(o, timedelta):
            return duration_iso_string(o)
        if isinstance(o, Decimal | UUID):
            return str(o)
        if isinstance(o, bytes | memoryview):
            return base64.b64encode(bytes(o)).decode()
        return super().default(o)


def dumps(value) -> bytes:
    return json.dumps(value, cls=ExportEncoder, ensure_ascii=False, indent=1).encode()
