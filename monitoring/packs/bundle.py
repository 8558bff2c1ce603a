"""The ZIP bundle of a pack, byte-deterministic: built from the stored PDF alone (its
attachments are the pack's data, registers, evidence files and signed manifest), entries
sorted, fixed timestamps and permissions, one compression level. Re-exporting a pack
therefore gives the same bytes and the same SHA-256."""

from __future__ import annotations

import io
import zipfile

FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def pdf_attachments(pdf: bytes) -> dict[str, bytes]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    found: dict[str, bytes] = {}
    for name, contents in reader.attachments.items():
        found[name] = contents[0]
    return found


def bundle_from_pdf(pdf: bytes) -> bytes:
    entries = {"pack.pdf": pdf, **pdf_attachments(pdf)}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            archive.writestr(info, entries[name], compresslevel=6)
    return out.getvalue()
