"""Policy text: Markdown rendered to HTML that is safe to show, and diffs between versions.

Rendering is Python-Markdown followed by nh3 (the Rust `ammonia` sanitiser): an allow-list of
tags and attributes, only http/https/mailto links, no scripts, styles, event handlers,
iframes, SVG or data: URLs. Everything that reaches a template through `render_markdown` has
passed through nh3; nothing else in this app is marked safe.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "li", "ol", "p", "pre", "s", "strong",
    "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "th": {"align", "scope"},
    "td": {"align"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}


def sanitise_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def render_markdown(text: str) -> SafeString:
    """Markdown → sanitised HTML, the only way policy text reaches a page."""
    html = markdown.markdown(text or "", extensions=["tables", "sane_lists", "fenced_code"])
    return mark_safe(sanitise_html(html))  # noqa: S308 - sanitised by nh3 just above


# --- diffs --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SideBySideRow:
    kind: str  # "equal" | "replace" | "delete" | "insert"
    left_number: int | None
    left: str
    right_number: int | None
    right: str


def unified_diff(old: str, new: str, *, old_label: str, new_label: str, context: int = 3) -> str:
    """A unified diff (plain text: templates escape it)."""
    return "".join(
        difflib.unified_diff(
            (old or "").splitlines(keepends=True),
            (new or "").splitlines(keepends=True),
            fromfile=old_label,
            tofile=new_label,
            n=context,
            lineterm="\n",
        )
    )


def side_by_side(old: str, new: str) -> list[SideBySideRow]:
    """Every line of both texts aligned in rows (plain text: templates escape it)."""
    left, right = (old or "").splitlines(), (new or "").splitlines()
    rows: list[SideBySideRow] = []
    matcher = difflib.SequenceMatcher(a=left, b=right, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        for k in range(max(i2 - i1, j2 - j1)):
            i, j = i1 + k, j1 + k
            rows.append(
                SideBySideRow(
                    kind=tag,
                    left_number=i + 1 if i < i2 else None,
                    left=left[i] if i < i2 else "",
                    right_number=j + 1 if j < j2 else None,
                    right=right[j] if j < j2 else "",
                )
            )
    return rows


def diff_summary(rows: list[SideBySideRow]) -> dict[str, int]:
    added = sum(1 for r in rows if r.right_number is not None and r.kind != "equal")
    removed = sum(1 for r in rows if r.left_number is not None and r.kind != "equal")
    return {"added": added, "removed": removed}
