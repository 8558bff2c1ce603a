"""Factories for the core, and the registry the generic suites use to make any object.

Each feature app's `tests/<app>/factories.py` registers a maker per model with
`@object_factory(Model)`: a function (organization) -> a saved instance in that
organisation, with whatever parents it needs. The isolation and role suites look up the
model of every endpoint here; an endpoint without a registered maker fails those suites.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from isms.models import APIKey, AuditEvent, Membership, Organization, Role, TransitionRecord
from isms.services.api_keys import api_key_create
from isms.tenancy import tenant_context

User = get_user_model()

OBJECT_FACTORIES: dict[type, Callable] = {}


def object_factory(model: type) -> Callable:
    def register(function: Callable) -> Callable:
        OBJECT_FACTORIES[model] = function
        return function

    return register


def load_all_factories() -> None:
    """Import every app's tests/<app>/factories.py so their makers are registered."""
    import importlib
    from pathlib import Path

    for path in sorted(Path(__file__).parent.glob("*/factories.py")):
        importlib.import_module(f"tests.{path.parent.name}.factories")


def make_object(model: type, organization: Organization):
    """A saved `model` instance in `organization`, made inside its tenant context."""
    if model not in OBJECT_FACTORIES:
        load_all_factories()  # a test run alone may not have imported the app's factories
    with tenant_context(organization.pk, actor="test factory"):
        return OBJECT_FACTORIES[model](organization)


TEST_PASSWORD = "pw-test-123!"


@cache
def _password_hash() -> str:
    """Hash the test password once: hashing it per user would dominate the suite's time."""
    return make_password(TEST_PASSWORD)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Organisation {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}@example.test")
    email = factory.LazyAttribute(lambda u: u.username)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.LazyFunction(lambda: _password_hash())


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.OFFICER


@object_factory(Membership)
def _membership(organization):
    return MembershipFactory(organization=organization, role=Role.CONTRIBUTOR)


@object_factory(APIKey)
def _api_key(organization):
    return api_key_create(organization=organization, actor=None, name="someone's key").api_key


@object_factory(AuditEvent)
def _audit_event(organization):
    key = _api_key(organization)  # any audited change writes an event through the trigger
    return AuditEvent.objects.get(table_name="isms_apikey", object_id=str(key.pk), action="insert")


@object_factory(TransitionRecord)
def _transition_record(organization):
    with tenant_context(organization.pk):
        return TransitionRecord.objects.create(
            table_name="suppliers_supplier",
            object_id="1",
            workflow="test",
            transition="activate",
            from_state="prospective",
            to_state="active",
            actor_label="system",
        )
