"""The auditor's engagement page lists the finished packs that cover its frameworks, each
with a signed, short-lived download link (monitoring.engagements.registry)."""

from __future__ import annotations

from monitoring.engagements.registry import PackLink
from monitoring.packs.models import FRAMEWORK_CHOICES
from monitoring.packs.selectors import finished_packs, signed_download_url

FRAMEWORK_NAMES = dict(FRAMEWORK_CHOICES)

SHOWN = 10  # the newest packs; older ones stay on the packs page


def pack_links_for(engagement, actor) -> list[PackLink]:
    in_scope = set(engagement.framework_codes or [])
    links = []
    for pack in finished_packs(engagement.organization)[: SHOWN * 3]:
        if in_scope and not in_scope & set(pack.frameworks):
            continue
        links.append(
            PackLink(
                label=f"Evidence pack as of {pack.as_of:%Y-%m-%d} (PDF)",
                url=signed_download_url(pack, "pdf"),
                note=", ".join(FRAMEWORK_NAMES.get(code, code) for code in pack.frameworks),
            )
        )
        if len(links) == SHOWN:
            break
    return links
