from __future__ import annotations

from pathlib import PurePosixPath

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from isms.access import Actor
from suppliers.models import ALLOWED_UPLOAD_TYPES, MAX_UPLOAD_BYTES

# Magic numbers of the allowed types: the extension alone is not trusted.
_SIGNATURES = {
    ".pdf": (b"%PDF-",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".docx": (b"PK\x03\x04",),
}


def validate_upload(upload: UploadedFile, field: str = "file") -> str:
    """The file's content type, or ValidationError naming the field. PDF/PNG/JPEG/DOCX ≤10 MB."""
    suffix = PurePosixPath(upload.name or "").suffix.lower()
    allowed = ", ".join(sorted({k.lstrip(".").upper() for k in ALLOWED_UPLOAD_TYPES}))
    if suffix not in ALLOWED_UPLOAD_TYPES:
        raise ValidationError({field: f"Only these file types are accepted: {allowed}."})
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            {field: f"The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB."}
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(sig) for sig in _SIGNATURES[suffix]):
        raise ValidationError(
            {field: f"The file's content is not a {suffix.lstrip('.').upper()} file."}
        )
    return ALLOWED_UPLOAD_TYPES[suffix]


def actor_label(actor: Actor | None) -> str:
    return actor.label if actor is not None else "system"
