"""Destructive buttons ask first, naming what they act on (issue 17 item 7).

Every POST form whose button says Retire, Revoke, Delete, Remove, Discard or Dismiss carries
`hx-confirm` with a question that names the object (a template variable in the text); the
form is boosted by HTMX so the browser asks before it sends (no inline script: CSP-safe)."""

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
DESTRUCTIVE = re.compile(r"^\s*(retire|revoke|delete|remove|discard|dismiss)\b", re.I)
FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
BUTTON = re.compile(r"<button\b([^>]*)>(.*?)</button>", re.S | re.I)


def destructive_forms():
    for template in sorted(TEMPLATES.rglob("*.html")):
        source = template.read_text()
        for form in FORM.finditer(source):
            attrs, body = form.group(1), form.group(2)
            if not re.search(r'method="post"', attrs, re.I):
                continue
            for button in BUTTON.finditer(body):
                words = re.sub(r"<[^>]+>|\{[{%].*?[%}]\}", " ", button.group(2))
                if DESTRUCTIVE.match(words):
                    yield template.relative_to(TEMPLATES), attrs, button.group(1), words.strip()


def test_there_are_destructive_forms_to_check():
    assert len(list(destructive_forms())) >= 8


@pytest.mark.parametrize(
    ("template", "form_attrs", "button_attrs", "words"),
    list(destructive_forms()),
    ids=lambda value: str(value)[:40],
)
def test_destructive_button_confirms_naming_the_object(template, form_attrs, button_attrs, words):
    confirm = re.search(r'hx-confirm="([^"]*)"', form_attrs + " " + button_attrs)
    assert confirm, f"{template}: '{words}' has no hx-confirm"
    assert "{{" in confirm.group(1), f"{template}: the confirmation does not name the object"
    assert 'hx-boost="true"' in form_attrs, f"{template}: hx-confirm needs an HTMX request"
