"""One way to turn "part of whole" into the whole-number percentage a page shows."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def percent(part: int, whole: int) -> int:
    """`part` of `whole` as a percentage rounded to the nearest whole number, halves up
    ("2 of 3" is 67, "1 of 8" is 13). Two exceptions keep a figure honest: it reads 100 only
    when nothing is missing and 0 only when nothing is there ("199 of 200" is 99, "1 of
    1,000" is 1). No whole (nothing to count) reads 0."""
    if not whole:
        return 0
    value = int((Decimal(100 * part) / Decimal(whole)).quantize(Decimal(1), ROUND_HALF_UP))
    if part < whole:
        value = min(value, 99)
    if part > 0:
        value = max(value, 1)
    return value
