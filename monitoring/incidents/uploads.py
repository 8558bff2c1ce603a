"""The upload gate for incident evidence and the public concern form, in one place.

isms.uploads (the platform's one gate: content sniffing, size, generated names) is arriving
on main; until it does, this module applies the supplier register's checks (extension and
magic bytes, 10 MB) and computes the SHA-256 itself. Switching is an edit of this module.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.core.exceptions import ValidationError

try:  # pragma: no cover - depends on what main holds
    from isms import uploads as _platform
except ImportError:  # pragma: no cover
    _platform = None

KNOWN_EXTENSIONS = {".pdf", ".png", ".jpg", ".jpeg", ".docx", ".xlsx", ".txt", ".csv"}


@dataclass(frozen=True)
class Checked:
    name: str
    content_type: str
    size: int
    sha256: str


def check(upload, *, field: str = "file") -> Checked:
    """Check an uploaded file (type by content, size) or raise ValidationError naming `field`."""
    if _platform is not None:
        checked = _platform.check_upload(upload, allowed=_platform.EVIDENCE, field=field)
        return Checked(checked.name, checked.content_type, checked.size, checked.sha256)
    from suppliers.services.common import validate_upload

    if not getattr(upload, "size", 0):
        raise ValidationError({field: "The file is empty."})
    content_type = validate_upload(upload, field)
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    name = PurePosixPath((upload.name or "file").replace("\\", "/")).name[:255]
    return Checked(name, content_type, upload.size, digest.hexdigest())


def storage_name(organization_id: int, category: str, filename: str) -> str:
    suffix = PurePosixPath(filename or "").suffix.lower()
    suffix = suffix if suffix in KNOWN_EXTENSIONS else ""
    return f"org-{organization_id}/{category}/{uuid.uuid4().hex}{suffix}"
