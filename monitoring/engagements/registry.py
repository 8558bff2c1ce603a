"""Pack providers: what the engagement page links under "Evidence packs".

The packs capability (monitoring.packs) sits beside this one and registers itself when it
merges: `register_pack_provider(fn)` with `fn(engagement, actor) -> list[PackLink]` (or
plain (label, url) pairs). A provider that fails is skipped, so a broken provider never
takes the auditor's home down.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PackLink:
    label: str
    url: str
    note: str = ""


PackProvider = Callable[..., list]
_providers: list[PackProvider] = []


def register_pack_provider(fn: PackProvider) -> PackProvider:
    if fn not in _providers:
        _providers.append(fn)
    return fn


def unregister_pack_provider(fn: PackProvider) -> None:
    if fn in _providers:
        _providers.remove(fn)


def pack_links(engagement, actor) -> list[PackLink]:
    links: list[PackLink] = []
    for provider in _providers:
        try:
            found = provider(engagement, actor) or []
        except Exception:  # one provider must not break the page
            log.exception("pack provider %r failed", provider)
            continue
        for link in found:
            links.append(link if isinstance(link, PackLink) else PackLink(*link))
    return links
