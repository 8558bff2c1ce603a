"""Pages of a register too long to count on every request."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.utils.functional import cached_property


class CappedPaginator(Paginator):
    """Counts at most `cap` rows: the count query stops there (a LIMIT inside it), so a page
    of the newest rows costs the same in a trail of 200 events and of 200,000. Pages go
    as far as the cap; `capped` says there are more (narrow by date, person or record, or
    export, to reach them). _pagination.html then shows "Page 1 of 200+"."""

    cap = 10_000
    capped = False

    @property
    def cap_label(self) -> str:
        return f"{self.cap:,}"

    @cached_property
    def count(self) -> int:
        found = self.object_list[: self.cap + 1].count()
        self.capped = found > self.cap
        return min(found, self.cap)
