"""One member rule for forms, services and the API: owners are members whose role can own.

ISO/IEC 27001:2022 control 5.9 (inventory of information and other associated assets: each
has an owner) and Clause 5.3 (roles, responsibilities and authorities): an accountable owner
is someone who can act on the record. Auditors are read-only (isms.access), so they never own
an asset, a risk, a supplier or a policy. The API's member field applies the rule of
isms.members (`records:own`): an auditor's id is a 400 naming the field, with the `invalid`
code and the words the forms use, and the schema still describes a plain user id.
"""

from __future__ import annotations

import importlib

import pytest
from rest_framework import serializers

from isms.access import OWN_SCOPE, ROLE_SCOPES
from isms.api.serializers import MemberField
from isms.errors import ErrorCode
from isms.members import CANNOT_HOLD
from isms.models import Role
from tests.factories import load_all_factories, make_object
from tests.routes import api_routes, org_owned

load_all_factories()
OWNER_FIELDS = {"owner", "custodian"}
REGISTERS = ("assets", "risks", "suppliers", "policies")


def _member_fields(serializer_class):
    for name, field in serializer_class().fields.items():
        if field.read_only:
            continue
        many = isinstance(field, serializers.ManyRelatedField)
        child = field.child_relation if many else field
        if isinstance(child, MemberField):
            yield name, child, many


def _register_serializers():
    """Every serializer class the four registers' API modules define."""
    found = []
    for app in REGISTERS:
        module = importlib.import_module(f"{app}.api.serializers")
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, serializers.Serializer)
                and value.__module__ == module.__name__
            ):
                found.append(value)
    return found


def test_auditors_cannot_own_records():
    assert OWN_SCOPE not in ROLE_SCOPES[Role.AUDITOR]


def test_every_owner_field_of_the_registers_asks_for_records_own():
    serializers_found = _register_serializers()
    owner_fields = [
        (cls.__name__, name, child.member_scope)
        for cls in serializers_found
        for name, child, _ in _member_fields(cls)
        if name in OWNER_FIELDS
    ]
    assert len({cls for cls, _, _ in owner_fields}) >= 4, owner_fields  # the suite tests things
    assert [f for f in owner_fields if f[2] != OWN_SCOPE] == []


SCOPED_CASES = [
    pytest.param(route, name, many, id=f"{route}.{name}")
    for route in api_routes()
    if org_owned(route.model) and {"create", "partial_update"} & route.actions
    for name, child, many in _member_fields(route.viewset.serializer_class)
    if child.member_scope == OWN_SCOPE
]


def test_the_scoped_cases_are_found():
    assert len(SCOPED_CASES) >= 5


@pytest.mark.parametrize(("route", "field", "many"), SCOPED_CASES)
def test_an_auditor_named_as_owner_is_a_400_naming_the_field(
    route, field, many, org_a, member, api_for
):
    auditor = member(org_a, Role.AUDITOR)
    client = api_for(user=member(org_a, Role.ADMIN))
    payload = {field: [auditor.pk] if many else auditor.pk}
    if "partial_update" in route.actions:
        obj = make_object(route.model, org_a)
        response = client.patch(route.url(org_a.slug, obj.pk), payload, format="json")
    else:
        response = client.post(route.url(org_a.slug), payload, format="json")
    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert body["code"] == ErrorCode.INVALID
    assert CANNOT_HOLD in str(body["errors"][field]), body


def test_a_contributor_may_be_named_owner_and_a_stranger_is_not_a_member(
    org_a, org_b, member, api_for
):
    """Positive control and the unknown-id answer, on the supplier register."""
    client = api_for(user=member(org_a, Role.OFFICER))
    contributor = member(org_a, Role.CONTRIBUTOR)
    url = f"/api/v1/orgs/{org_a.slug}/suppliers/"
    response = client.post(url, {"name": "Acme", "owner": contributor.pk}, format="json")
    assert response.status_code == 201, response.content
    stranger = member(org_b, Role.ADMIN)
    response = client.post(url, {"name": "Beta", "owner": stranger.pk}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["owner"] == [
        f"No active member with user id {stranger.pk} in this organisation."
    ]


def test_the_schema_still_describes_a_user_id(client):
    import yaml

    schema = yaml.safe_load(client.get("/api/schema/").content)
    owner = schema["components"]["schemas"]["Supplier"]["properties"]["owner"]
    assert owner["type"] == "integer" and "enum" not in owner
