"""The API's JSON parser: DRF's, with a nesting limit.

Python's json module recurses once per nesting level, so a body nested a few thousand levels
deep raised RecursionError (a 500) instead of a parse error. Bodies are measured before they
are decoded: deeper than `MAX_DEPTH` answers 400 with the code `json_too_deep`. No request of
this API nests more than a few levels.
"""

from __future__ import annotations

import io
import re
from itertools import accumulate

from rest_framework import parsers
from rest_framework.exceptions import ParseError

from isms.errors import ErrorCode

MAX_DEPTH = 64
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


def json_depth(raw: bytes) -> int:
    """The deepest nesting of arrays and objects in a JSON text (strings do not count)."""
    brackets = _BRACKET.findall(_STRING.sub(b"", raw))
    steps = (1 if b in (b"[", b"{") else -1 for b in brackets)
    return max(accumulate(steps, initial=0))


class JSONParser(parsers.JSONParser):
    """Every JSON body of the API passes here (the default parser, and the upload views')."""

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        if json_depth(raw) > MAX_DEPTH:
            raise ParseError(
                f"JSON parse error - the body nests deeper than {MAX_DEPTH} levels.",
                code=ErrorCode.JSON_TOO_DEEP,
            )
        try:
            return super().parse(io.BytesIO(raw), media_type, parser_context)
        except RecursionError as error:  # pragma: no cover - the depth check comes first
            raise ParseError("JSON parse error - the body nests too deep.") from error
