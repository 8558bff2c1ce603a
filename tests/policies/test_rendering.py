"""Policy text is rendered safely, and diffs between versions are right and escaped."""

from __future__ import annotations

import html
import re

import pytest

from policies.rendering import diff_summary, render_markdown, side_by_side, unified_diff

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<img src="x" ONERROR="alert(1)">',
    "<body onload=alert(1)>",
    "<div onmouseover='alert(1)'>hover</div>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<iframe src=https://evil.example></iframe>",
    "<iframe srcdoc='<script>alert(1)</script>'></iframe>",
    "<object data=javascript:alert(1)></object>",
    "<embed src=javascript:alert(1)>",
    "<form action=javascript:alert(1)><button>go</button></form>",
    "<input autofocus onfocus=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<a href='javascript:alert(1)'>click</a>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](&#x6A;&#x61;&#x76;&#x61;script:alert(1))",
    '<a href="jav&#x09;ascript:alert(1)">tab</a>',
    '<a href="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105'
    '&#0000112&#0000116&#0000058alert(1)">padded entities</a>',
    "<a href=' javascript:alert(1)'>leading space</a>",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<a href='data:text/html,<script>alert(1)</script>'>data</a>",
    "![img](javascript:alert(1))",
    "<a href='vbscript:msgbox(1)'>vb</a>",
    "<p style='background:url(javascript:alert(1))'>styled</p>",
    "<div style='width: expression(alert(1))'>ie</div>",
    "<style>body{background:url('javascript:alert(1)')}</style>",
    "<link rel=stylesheet href=https://evil.example/x.css>",
    "<meta http-equiv=refresh content='0;url=javascript:alert(1)'>",
    "<base href=https://evil.example/>",
    "<!--<script>alert(1)</script>-->",
    "<noscript><p title='</noscript><img src=x onerror=alert(1)>'></noscript>",
    "<a href='https://ok.example' onclick='alert(1)'>mixed</a>",
    '"><script>alert(1)</script>',
    "`<script>alert(1)</script>`",
    "    <script>alert(1)</script>",
]

DANGEROUS = [
    re.compile(
        r"<\s*(script|iframe|svg|math|object|embed|style|link|meta|base|form|input)\b", re.I
    ),
    re.compile(r"\son[a-z]+\s*=", re.I),
    re.compile(r"(java|vb)script\s*:", re.I),
    re.compile(r"""(href|src)\s*=\s*["']?\s*data:""", re.I),
    re.compile(r"\sstyle\s*=", re.I),
    re.compile(r"\ssrcdoc\s*=", re.I),
]


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_markdown_rendering_strips_every_xss_payload(payload):
    rendered = str(render_markdown(payload))
    # Every real tag, with its attribute values decoded as a browser would decode them;
    # escaped text between tags (&lt;script&gt;) is harmless and is not a tag.
    for tag in re.findall(r"<[^>]*>", rendered):
        for pattern in DANGEROUS:
            assert not pattern.search(html.unescape(tag)), (payload, rendered)


def test_code_keeps_the_text_but_escaped():
    rendered = str(render_markdown("`<script>alert(1)</script>`"))
    assert "&lt;script&gt;" in rendered and "<script" not in rendered


def test_ordinary_markdown_survives():
    rendered = str(
        render_markdown(
            "# Title\n\nSome **bold** and [a link](https://example.com/x).\n\n"
            "| A | B |\n|---|---|\n| 1 | 2 |\n\n- one\n- two\n"
        )
    )
    assert "<h1>Title</h1>" in rendered and "<strong>bold</strong>" in rendered
    assert 'href="https://example.com/x"' in rendered and 'rel="noopener noreferrer nofollow"' in (
        rendered
    )
    assert "<table>" in rendered and "<td>2</td>" in rendered and "<li>two</li>" in rendered


OLD = "# Policy\nline one\nline two\nline three\n"
NEW = "# Policy\nline one\nline 2 <b>changed</b>\nline three\nline four\n"


def test_unified_diff_is_the_standard_format():
    diff = unified_diff(OLD, NEW, old_label="v1", new_label="v2")
    assert diff.splitlines() == [
        "--- v1",
        "+++ v2",
        "@@ -1,4 +1,5 @@",
        " # Policy",
        " line one",
        "-line two",
        "+line 2 <b>changed</b>",
        " line three",
        "+line four",
    ]


def test_side_by_side_aligns_every_line():
    rows = side_by_side(OLD, NEW)
    assert [(r.kind, r.left_number, r.left, r.right_number, r.right) for r in rows] == [
        ("equal", 1, "# Policy", 1, "# Policy"),
        ("equal", 2, "line one", 2, "line one"),
        ("replace", 3, "line two", 3, "line 2 <b>changed</b>"),
        ("equal", 4, "line three", 4, "line three"),
        ("insert", None, "", 5, "line four"),
    ]
    assert diff_summary(rows) == {"added": 2, "removed": 1}


def test_side_by_side_of_unequal_replacements_and_deletions():
    rows = side_by_side("a\nb\nc\nd\n", "a\nX\nd\n")
    assert [(r.kind, r.left_number, r.right_number) for r in rows] == [
        ("equal", 1, 1),
        ("replace", 2, 2),
        ("replace", 3, None),
        ("equal", 4, 3),
    ]
    assert side_by_side("same\n", "same\n")[0].kind == "equal"
    assert unified_diff("same\n", "same\n", old_label="a", new_label="b") == ""
