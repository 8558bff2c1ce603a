"""Every edit form gives back what it was given (issue 17, item 1): each form page that edits
one object is rendered with the object's saved values and submitted back unchanged, and every
stored value stays equal. A date shown in a form a browser cannot read, a number rounded, a
choice or a tick not shown as selected would be wiped by such a save: this finds it in any
form, including forms added later (the routes are walked, not listed).

Objects come from each model's factory (tests/<app>/factories.py); the person is an admin of
the organisation, so every form can be opened."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from isms.models import Role
from isms.views.mixins import OrgFormView
from tests.factories import OBJECT_FACTORIES, load_all_factories, make_object
from tests.routes import org_owned, ui_routes

pytestmark = pytest.mark.django_db

load_all_factories()
SKIPPED_INPUTS = {"file", "submit", "button", "reset", "image", "password"}


def _edit_routes():
    return [
        route
        for route in ui_routes()
        if route.has_pk
        and route.name.endswith(("_edit", "_update"))  # a form that edits the object it names
        and issubclass(route.view_class, OrgFormView)
        and org_owned(route.model)
        and route.model in OBJECT_FACTORIES
        and "<" not in route.route.replace("<slug:org_slug>", "").replace("<int:pk>", "")
    ]


class _Forms(HTMLParser):
    """The POST forms of a page, each as [(name, value)] in the order a browser submits."""

    def __init__(self):
        super().__init__()
        self.forms: list[list[tuple[str, str]]] = []
        self._form = None
        self._select = None  # (name, multiple, [selected values], first value)
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self._form = []
            self.forms.append(self._form)
        if self._form is None or a.get("disabled") is not None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in SKIPPED_INPUTS:
                return
            if kind in {"checkbox", "radio"} and "checked" not in a:
                return
            self._form.append((name, a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "textarea" and name:
            self._textarea = [name, ""]
        elif tag == "select" and name:
            self._select = [name, "multiple" in a, [], None]
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._select[3] is None:
                self._select[3] = value
            if "selected" in a:
                self._select[2].append(value)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._textarea is not None:
            value = self._textarea[1]
            self._form.append((self._textarea[0], value[1:] if value[:1] == "\n" else value))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            name, multiple, chosen, first = self._select
            if not multiple and not chosen and first is not None:
                chosen = [first]  # a browser submits the first option when none is selected
            self._form.extend((name, value) for value in chosen)
            self._select = None


def _stored(obj) -> dict:
    obj.refresh_from_db()
    values = {}
    for field in obj._meta.concrete_fields:
        if getattr(field, "auto_now", False) or field.name in {"updated", "updated_at"}:
            continue
        values[field.attname] = getattr(obj, field.attname)
    for field in obj._meta.many_to_many:
        values[field.name] = sorted(getattr(obj, field.name).values_list("pk", flat=True))
    return values


@pytest.mark.parametrize("route", _edit_routes(), ids=str)
def test_an_edit_form_submitted_unchanged_changes_nothing(
    route, org_a, member, client_for, in_tenant
):
    admin = member(org_a, Role.ADMIN)
    obj = make_object(route.model, org_a)
    client = client_for(admin)
    url = route.url(org_a.slug, obj.pk)
    page = client.get(url)
    if page.status_code != 200:
        pytest.skip(f"{url} is not open for editing in this state ({page.status_code})")
    parser = _Forms()
    parser.feed(page.content.decode())
    main = max(parser.forms, key=len)
    with in_tenant(org_a):
        before = _stored(obj)
    response = client.post(url, _as_data(main))
    assert response.status_code in {302, 303}, (url, response.status_code, main)
    with in_tenant(org_a):
        assert _stored(obj) == before


def _as_data(pairs) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {}
    for name, value in pairs:
        data.setdefault(name, []).append(value)
    return data


def test_the_walk_finds_the_edit_forms():
    names = {route.name for route in _edit_routes()}
    assert len(names) >= 8, names
