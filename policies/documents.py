"""Uploaded policy documents: PDF or DOCX, checked by their content, size-limited, hashed."""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass

from django.core.exceptions import ValidationError

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
ALLOWED_EXTENSIONS = {"pdf": "pdf", "docx": "docx"}


@dataclass(frozen=True)
class CheckedDocument:
    content: bytes
    name: str
    document_type: str  # "pdf" | "docx"
    sha256: str

    @property
    def size(self) -> int:
        return len(self.content)


def _sniff(content: bytes) -> str | None:
    """What the bytes are, whatever the file is called."""
    if content.startswith(b"%PDF-"):
        return "pdf"
    if content.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            return None
        if "[Content_Types].xml" in names and "word/document.xml" in names:
            return "docx"
    return None


def check_document(upload, *, field: str = "document") -> CheckedDocument:
    """Read an uploaded file and refuse anything that is not a real PDF/DOCX under the limit."""
    name = (getattr(upload, "name", "") or "document").rsplit("/", 1)[-1][:200]
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_DOCUMENT_BYTES:
        raise ValidationError(
            {field: f"The file is {size:,} bytes; the limit is {MAX_DOCUMENT_BYTES:,} bytes."}
        )
    upload.seek(0) if hasattr(upload, "seek") else None
    content = upload.read(MAX_DOCUMENT_BYTES + 1)
    if len(content) > MAX_DOCUMENT_BYTES:
        raise ValidationError({field: f"The file is larger than {MAX_DOCUMENT_BYTES:,} bytes."})
    if not content:
        raise ValidationError({field: "The file is empty."})
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ALLOWED_EXTENSIONS:
        raise ValidationError({field: "Upload a PDF (.pdf) or Word (.docx) document."})
    sniffed = _sniff(content)
    if sniffed is None:
        raise ValidationError({field: "The file's content is not a PDF or a Word (DOCX) document."})
    if sniffed != ALLOWED_EXTENSIONS[extension]:
        raise ValidationError(
            {field: f"The file is named .{extension} but its content is a {sniffed.upper()}."}
        )
    return CheckedDocument(
        content=content,
        name=name,
        document_type=sniffed,
        sha256=hashlib.sha256(content).hexdigest(),
    )


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
