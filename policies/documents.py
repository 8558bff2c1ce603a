"""Policy document hashing. Uploaded documents are checked by isms.uploads (PDF or DOCX by
content, size-limited) in policies.services."""

from __future__ import annotations

import hashlib


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
