"""No code outside isms/access.py decides by role name (issue 10).

Roles map to scopes in one table (isms.access.ROLE_SCOPES); everything else asks for scopes
or the model's policy. This walks the source for comparisons of a role: `.role == …`,
`.role in …`, `role=Role.…` filters and the like.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ["isms", "assets", "suppliers", "risks", "policies", "monitoring"]
ALLOWED = {
    "isms/access.py",  # the one table
}
PATTERNS = [
    re.compile(r"\.role\s*(==|!=|\bin\b|\bnot in\b)"),
    re.compile(r"\brole\s*(==|!=)\s*Role\."),
    re.compile(r"(filter|exclude)\([^)]*\brole(__in)?=(?!roles_with_scope)"),
    re.compile(r"\b(MANAGER|APPROVER|STAFF)_ROLES\b"),
    re.compile(r"actor\.role\b"),
]


def _sources():
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative or relative in ALLOWED:
                continue
            yield relative, path.read_text()
    for path in (ROOT / "templates").rglob("*.html"):
        yield path.relative_to(ROOT).as_posix(), path.read_text()


def test_no_role_name_comparisons_outside_the_scope_table():
    found = []
    for relative, text in _sources():
        for number, line in enumerate(text.splitlines(), start=1):
            if any(p.search(line) for p in PATTERNS):
                found.append(f"{relative}:{number}: {line.strip()}")
    assert not found, "Decide by scope or policy, not by role name:\n" + "\n".join(found)
