"""The API's fast list representation (isms.api.representation) answers exactly what DRF's
own would, on every list endpoint of the router, and its JSON renderer (orjson) encodes
what DRF's would (issue 19: lists near the raw ceiling, response shape unchanged)."""

from __future__ import annotations

import datetime
import decimal
import uuid

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer as DRFJSONRenderer

from isms.api import viewsets
from isms.api.renderers import JSONRenderer
from isms.models import Role
from tests.factories import OBJECT_FACTORIES, load_all_factories, make_object
from tests.routes import api_routes, org_owned

load_all_factories()
LIST_ROUTES = [
    r
    for r in api_routes()
    if "list" in r.actions and org_owned(r.model) and r.model in OBJECT_FACTORIES
]


@pytest.mark.parametrize("route", LIST_ROUTES, ids=str)
def test_every_list_answers_what_drf_would(route, org_a, member, api_for, monkeypatch):
    admin = member(org_a, Role.ADMIN)  # every list, the admin-only ones included
    for _ in range(2):
        make_object(route.model, org_a)
    client = api_for(admin)
    client.get(route.url("alpha"))  # the first page decides whether the class keeps a plan
    fast = client.get(route.url("alpha"))  # a later page: through the kept plan, if any
    monkeypatch.setattr(viewsets, "speed_up", lambda serializer: serializer)
    stock = client.get(route.url("alpha"))
    assert fast.status_code == stock.status_code == 200, fast.content[:300]
    assert fast.content == stock.content


def test_the_orjson_renderer_writes_what_drf_writes():
    data = {
        "text": ["é", "", None, True, 1, 2.5],
        "decimal": decimal.Decimal("1.10"),
        "when": datetime.datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=datetime.UTC),
        "day": datetime.date(2026, 1, 2),
        "id": uuid.UUID(int=5),
        "lazy": gettext_lazy("Hello"),
        "nested": {"list": [{"a": 1}]},
    }
    assert JSONRenderer().render(data) == DRFJSONRenderer().render(data)
    indented = "application/json; indent=2"
    assert JSONRenderer().render(data, indented) == DRFJSONRenderer().render(data, indented)
    assert JSONRenderer().render(None) == b""
