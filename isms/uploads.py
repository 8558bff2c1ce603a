"""Uploads: the one gate every uploaded file passes, and the one way files are downloaded.

Invariants, for every upload of the product (supplier certificates and assessment evidence,
the supplier portal, policy documents, responsible-AI evaluation evidence, register imports):

- the *content* decides the type: magic bytes (PDF, PNG, JPEG), the zip's parts (DOCX, XLSX),
  or UTF-8 text without control characters or markup (plain text, CSV) where a caller allows
  it. The name's extension must be one of the allowed types *and* agree with the content, so
  an .exe or an HTML page renamed .pdf is refused;
- a size limit (``settings.GUARDRAIL_UPLOAD_MAX_BYTES``, 10 MB unless a caller passes less);
- the stored name is generated: ``org-<organization_id>/<category>/<random hex><.ext>``, the
  extension being that of the checked type, never the client's file name (which is kept, cleaned
  and truncated to its field, only for display: `display_name`);
- downloads are attachments with ``X-Content-Type-Options: nosniff`` and a sandboxing CSP, so
  a browser never renders an uploaded file inside our origin (`attachment_response`).
"""

from __future__ import annotations

import hashlib
import io
import re
import uuid
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.http import FileResponse

DEFAULT_MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class FileType:
    key: str
    label: str
    extensions: tuple[str, ...]
    content_type: str


PDF = FileType("pdf", "PDF", (".pdf",), "application/pdf")
PNG = FileType("png", "PNG", (".png",), "image/png")
JPEG = FileType("jpeg", "JPEG", (".jpg", ".jpeg"), "image/jpeg")
DOCX = FileType(
    "docx",
    "DOCX",
    (".docx",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
)
XLSX = FileType(
    "xlsx", "XLSX", (".xlsx",), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)
TEXT = FileType("text", "TXT", (".txt",), "text/plain")
CSV = FileType("csv", "CSV", (".csv",), "text/csv")
TYPES = {t.key: t for t in (PDF, PNG, JPEG, DOCX, XLSX, TEXT, CSV)}

# What each kind of upload accepts.
DOCUMENTS = (PDF, DOCX)
EVIDENCE = (PDF, PNG, JPEG, DOCX, XLSX)
TABLES = (CSV, XLSX)

_TEXT_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def accept(types: Iterable[FileType]) -> str:
    """The HTML ``accept`` attribute for a file input taking these types."""
    return ",".join(ext for t in types for ext in t.extensions)


def max_upload_bytes() -> int:
    return int(getattr(settings, "GUARDRAIL_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


def _zip_kind(content: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    return None


def _is_text(content: bytes) -> bool:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    if _TEXT_CONTROL.search(text):
        return False
    # Markup (HTML, SVG, XML) is not plain text: a browser would render or run it.
    return not text.lstrip().startswith("<")


def sniff(content: bytes) -> str | None:
    """What the bytes are ("pdf", "png", "jpeg", "docx", "xlsx", "text"), whatever the name."""
    if content.startswith(b"%PDF-"):
        return "pdf"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if content.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if content.startswith(b"PK\x03\x04"):
        return _zip_kind(content)
    if content and _is_text(content):
        return "text"
    return None


def _sniffed_matches(sniffed: str | None, expected: FileType) -> bool:
    if expected in (TEXT, CSV):
        return sniffed == "text"
    return sniffed == expected.key


def display_name(name: str, max_length: int = 255) -> str:
    """The client's file name, for display only: no folders, no control characters, at most
    ``max_length`` characters with the extension kept."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = _TEXT_CONTROL.sub("", base).replace("\n", "").replace("\r", "").strip() or "file"
    if len(base) <= max_length:
        return base
    suffix = PurePosixPath(base).suffix[:16]
    return base[: max_length - len(suffix)] + suffix


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


@dataclass(frozen=True)
class CheckedUpload:
    """An upload that passed `check_upload`: its bytes, type and a name fit for display."""

    content: bytes
    file_type: FileType
    name: str
    sha256: str

    @property
    def size(self) -> int:
        return len(self.content)

    @property
    def content_type(self) -> str:
        return self.file_type.content_type

    @property
    def extension(self) -> str:
        return self.file_type.extensions[0]

    def as_file(self) -> ContentFile:
        """The content under a neutral name: storage paths never see the client's name."""
        return ContentFile(self.content, name=f"upload{self.extension}")


def check_upload(
    upload,
    *,
    allowed: Iterable[FileType] = EVIDENCE,
    field: str = "file",
    max_bytes: int | None = None,
    name_length: int = 255,
) -> CheckedUpload:
    """Read and check an uploaded file, or raise ValidationError naming ``field``."""
    allowed = tuple(allowed)
    limit = max_bytes if max_bytes is not None else max_upload_bytes()
    accepted = ", ".join(t.label for t in allowed)
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise ValidationError({field: f"The file is larger than {_mb(limit)}, the limit."})
    if hasattr(upload, "seek"):
        upload.seek(0)
    content = upload.read(limit + 1)
    if hasattr(upload, "seek"):
        upload.seek(0)
    if len(content) > limit:
        raise ValidationError({field: f"The file is larger than {_mb(limit)}, the limit."})
    if not content:
        raise ValidationError({field: "The file is empty."})
    name = display_name(getattr(upload, "name", "") or "", name_length)
    suffix = PurePosixPath(name).suffix.lower()
    by_extension = {ext: t for t in allowed for ext in t.extensions}
    expected = by_extension.get(suffix)
    if expected is None:
        raise ValidationError({field: f"Only these file types are accepted: {accepted}."})
    sniffed = sniff(content)
    if not _sniffed_matches(sniffed, expected):
        actual = TYPES.get(sniffed or "")
        if actual is not None and actual in allowed and actual not in (TEXT, CSV):
            message = f"The file is named {suffix} but its content is a {actual.label} file."
        else:
            message = f"The file's content is not a {expected.label} file."
        raise ValidationError({field: message})
    return CheckedUpload(
        content=content,
        file_type=expected,
        name=name,
        sha256=hashlib.sha256(content).hexdigest(),
    )


def storage_name(organization_id: int, category: str, filename: str) -> str:
    """``org-<id>/<category>/<random>.<ext>``: for a FileField's ``upload_to``. Only the
    extension of ``filename`` is kept, and only when it is one a checked type uses."""
    suffix = PurePosixPath(filename or "").suffix.lower()
    known = {ext for t in TYPES.values() for ext in t.extensions}
    category = category.strip("/")
    return f"org-{organization_id}/{category}/{uuid.uuid4().hex}{suffix if suffix in known else ''}"


def attachment_response(
    field_file, *, filename: str, content_type: str | None = None
) -> FileResponse:
    """Download a stored file as an attachment the browser will not sniff or render."""
    name = display_name(filename)
    if content_type is None:
        suffix = PurePosixPath(name).suffix.lower()
        known = {ext: t.content_type for t in TYPES.values() for ext in t.extensions}
        content_type = known.get(suffix, "application/octet-stream")
    response = FileResponse(
        field_file.open("rb"), as_attachment=True, filename=name, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
