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

from isms.models import (
    APIKey,
    AttemptOutcome,
    AuditEvent,
    IdempotencyRecord,
    Membership,
    Organization,
    OrganizationDeletion,
    OrganizationExport,
    OrganizationImport,
    OrganizationProfile,
    OutboxTask,
    Role,
    SecurityEvent,
    SecurityEventKind,
    SSOConnection,
    SSOIdentity,
    TransitionRecord,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    WebhookEventType,
)
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


@object_factory(SecurityEvent)
def _security_event(organization):
    person = _membership(organization).user
    return SecurityEvent.objects.create(
        kind=SecurityEventKind.LOGIN, user=person, email=person.email, address="203.0.113.7"
    )


@object_factory(OutboxTask)
def _outbox_task(organization):
    # Stored directly (not isms.outbox.enqueue): a row that stays pending, sent to no broker.
    return OutboxTask.objects.create(
        task_name="monitoring.packs.render",
        kwargs={"organization_id": organization.pk, "pack_id": 1, "attempt": 1},
        reference="monitoring.packs.render:1:1",
    )


@object_factory(IdempotencyRecord)
def _idempotency_record(organization):
    from django.utils import timezone

    from isms.idempotency import ttl

    return IdempotencyRecord.objects.create(
        key=f"retry-{IdempotencyRecord.objects.count() + 1}",
        method="POST",
        path=f"/api/v1/orgs/{organization.slug}/suppliers/",
        fingerprint="0" * 64,
        status_code=201,
        response_headers={"Content-Type": "application/json"},
        response_body='{"id": 1}',
        expires_at=timezone.now() + ttl(),
    )


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


@object_factory(OrganizationProfile)
def _organization_profile(organization):
    return OrganizationProfile.objects.get_or_create(organization=organization)[0]


@object_factory(SSOConnection)
def _sso_connection(organization):
    from isms import secrets_at_rest

    found = SSOConnection.objects.filter(organization=organization).first()
    return found or SSOConnection.objects.create(
        issuer="https://idp.example.test",
        client_id="guardrail",
        client_secret=secrets_at_rest.encrypt(
            "idp secret", secrets_at_rest.Purpose.SSO_CLIENT_SECRET
        ),
        authorization_endpoint="https://idp.example.test/authorize",
        token_endpoint="https://idp.example.test/token",
        jwks_uri="https://idp.example.test/jwks",
    )


@object_factory(SSOIdentity)
def _sso_identity(organization):
    person = _membership(organization).user
    return SSOIdentity.objects.create(
        connection=_sso_connection(organization), subject=f"sub-{person.pk}", user=person
    )


@object_factory(OrganizationExport)
def _organization_export(organization):
    return OrganizationExport.objects.create()


@object_factory(OrganizationImport)
def _organization_import(organization):
    from django.utils import timezone

    return OrganizationImport.objects.create(
        source_organization="Old Corp (old-corp)",
        source_export_id="1-1",
        source_sha256="0" * 64,
        format_version=1,
        exported_at=timezone.now(),
        imported_by="test",
    )


@object_factory(OrganizationDeletion)
def _organization_deletion(organization):
    from django.utils import timezone

    return OrganizationDeletion.objects.create(due_at=timezone.now(), cancelled_at=timezone.now())


@object_factory(WebhookEndpoint)
def _webhook_endpoint(organization):
    """Made directly (no DNS lookup): the target checks have their own tests."""
    from isms import secrets_at_rest

    return WebhookEndpoint.objects.create(
        organization=organization,
        url="https://hooks.example.com/guardrail",
        description="Receiver",
        event_types=[WebhookEventType.ASSET_CREATED],
        signing_secret=secrets_at_rest.encrypt(
            "whsec_test-factory-secret", secrets_at_rest.Purpose.WEBHOOK_SIGNING_SECRET
        ),
    )


@object_factory(WebhookEvent)
def _webhook_event(organization):
    return WebhookEvent.objects.create(
        organization=organization,
        event_type=WebhookEventType.ASSET_CREATED,
        data={"object": "asset", "id": 1, "name": "Model"},
    )


@object_factory(WebhookDelivery)
def _webhook_delivery(organization):
    return WebhookDelivery.objects.create(
        organization=organization,
        endpoint=_webhook_endpoint(organization),
        event=_webhook_event(organization),
        status="succeeded",
    )


@object_factory(WebhookAttempt)
def _webhook_attempt(organization):
    from django.utils import timezone

    return WebhookAttempt.objects.create(
        organization=organization,
        delivery=_webhook_delivery(organization),
        number=1,
        outcome=AttemptOutcome.SUCCEEDED,
        response_code=200,
        duration_ms=42,
        started_at=timezone.now(),
    )
