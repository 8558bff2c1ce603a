"""Every choice shows its label, never its stored code (issue 17 item 4).

Renders every page of the demo organisation as an officer (lists, forms, and each detail page
with each of its tabs, for the first demo record of its model) and looks for any raw choice
value of any model's choice field in the visible text: a value with "_" whose label differs
(`customer_content`, `not_applicable`, …). Tags, attributes and URLs are ignored."""

import html
import re
from collections import defaultdict

import pytest
from django.apps import apps

from isms.models import Role
from tests.demo_pages import demo_pages

pytestmark = pytest.mark.django_db


def raw_choice_values() -> dict[str, str]:
    """{stored value: label} for every choice value a reader must never see."""
    found = {}
    for model in apps.get_models():
        for field in model._meta.get_fields():
            base = getattr(field, "base_field", None)
            for choices in (
                getattr(field, "flatchoices", None),
                getattr(base, "flatchoices", None),
            ):
                for value, label in choices or []:
                    if isinstance(value, str) and "_" in value and value != str(label):
                        found[value] = str(label)
    return found


def visible_text(page: str) -> str:
    page = re.sub(r"<(script|style|code|pre)\b.*?</\1>", " ", page, flags=re.S | re.I)
    page = re.sub(r"<!--.*?-->", " ", page, flags=re.S)
    page = re.sub(r"<[^>]+>", " ", page)
    page = re.sub(r"https?://\S+|/o/\S+", " ", page)
    return html.unescape(page)


def test_no_page_of_the_demo_shows_a_choice_code(client_for, in_tenant):
    from isms.controls.loader import load_control_library
    from isms.demo import load_demo

    load_control_library()
    demo = load_demo()
    client = client_for(demo.user(Role.OFFICER))
    codes = raw_choice_values()
    pattern = re.compile(
        r"(?<![\w./-])(" + "|".join(map(re.escape, sorted(codes))) + r")(?![\w/-])"
    )
    shown = defaultdict(set)
    pages = 0
    for url, page in demo_pages(client, demo, in_tenant):
        pages += 1
        text = " ".join(visible_text(page).split())
        for match in pattern.finditer(text):
            shown[url].add(
                f"{match.group(1)} in …{text[max(0, match.start() - 60) : match.end() + 20]}…"
            )
    assert pages >= 30
    assert not shown, "\n".join(f"{url}: {sorted(found)}" for url, found in sorted(shown.items()))


def test_register_exports_show_labels_not_codes(client_for):
    """The registers' CSV exports (assets, suppliers, risks) carry labels in every row."""
    from isms.demo import load_demo

    demo = load_demo()
    client = client_for(demo.user(Role.OFFICER))
    codes = raw_choice_values()
    pattern = re.compile(
        r"(?<![\w./-])(" + "|".join(map(re.escape, sorted(codes))) + r")(?![\w/-])"
    )
    slug = demo.organization.slug
    for url in (
        f"/o/{slug}/assets/export/",
        f"/o/{slug}/suppliers/export/",
        f"/o/{slug}/risks/export.csv",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        body = (
            b"".join(response.streaming_content) if response.streaming else response.content
        ).decode("utf-8-sig")
        _header, rows = body.split("\n", 1)
        assert rows.strip(), url
        # The header names the import columns (machine names, read back by the importers);
        # every value under it is a label.
        assert not pattern.findall(re.sub(r"https?://\S+", " ", rows)), url
