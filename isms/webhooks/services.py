"""Webhook endpoints and deliveries: the writes (an organisation's admins, read-write keys).

Policies: everything here needs `webhooks:manage` (isms.access.WEBHOOKS_SCOPE); allowing an
endpoint to reach internal addresses needs an admin in person (`org:admin`): an API key
cannot open a path into the deployment's own network.

The signing secret exists in clear only in the `IssuedEndpoint` returned by a create or a
rotation (shown once); reads never include it, and the audit trail records only that it
changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from isms import policy
from isms.access import WEBHOOKS_SCOPE, Actor
from isms.errors import Conflict, NotPermitted
from isms.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    WebhookEventType,
)
from isms.policy import ModelPolicy
from isms.tenancy import current_organization_id
from isms.webhooks import signing, targets
from isms.webhooks.events import queue_on_commit
from isms.writes import model_update

ENDPOINT_FIELDS = ("url", "description", "event_types", "active", "allow_internal")
INTERNAL_SCOPE = "org:admin"


class WebhookPolicy(ModelPolicy):
    """Reading and changing webhooks: `webhooks:manage`, for every action."""

    domain = "webhooks"

    @property
    def read_scope(self) -> str:
        return WEBHOOKS_SCOPE

    write_scope = manage_scope = read_scope


@policy.register
class WebhookEndpointPolicy(WebhookPolicy):
    model = WebhookEndpoint


@policy.register
class WebhookDeliveryPolicy(WebhookPolicy):
    model = WebhookDelivery


@dataclass(frozen=True)
class IssuedEndpoint:
    endpoint: WebhookEndpoint
    secret: str  # the only time the signing secret leaves the database


def _clean_event_types(value) -> list[str]:
    if isinstance(value, str) or not isinstance(value, list | tuple) or not value:
        raise ValidationError({"event_types": "Choose at least one event type."})
    unknown = [v for v in value if v not in WebhookEventType.values]
    if unknown:
        raise ValidationError(
            {"event_types": f"Unknown event type(s): {', '.join(map(str, unknown))}."}
        )
    return [t for t in WebhookEventType.values if t in value]  # one order, no duplicates


def _check_internal_allowance(actor: Actor, allow_internal: bool, before: bool = False) -> None:
    if allow_internal and not before and not actor.has_scope(INTERNAL_SCOPE):
        raise NotPermitted(
            "Only an admin (in person) may allow an endpoint to reach internal addresses.",
            field="allow_internal",
        )


@transaction.atomic
def endpoint_create(
    *,
    actor: Actor,
    url: str,
    event_types,
    description: str = "",
    active: bool = True,
    allow_internal: bool = False,
) -> IssuedEndpoint:
    policy.require(actor, "create", WebhookEndpoint)
    allow_internal = bool(allow_internal)
    _check_internal_allowance(actor, allow_internal)
    endpoint = WebhookEndpoint(
        organization_id=current_organization_id(),
        url=(url or "").strip(),
        description=(description or "").strip(),
        event_types=_clean_event_types(event_types),
        active=bool(active),
        allow_internal=allow_internal,
        created_by=actor.user,
    )
    secret = signing.issue_secret(endpoint)
    endpoint.full_clean(exclude=["organization"])
    targets.resolve(endpoint.url, allow_internal=allow_internal)
    endpoint.save()
    return IssuedEndpoint(endpoint=endpoint, secret=secret)


@transaction.atomic
def endpoint_update(*, actor: Actor, endpoint: WebhookEndpoint, **fields) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    policy.require(actor, "change", endpoint)
    data = {k: v for k, v in fields.items() if k in ENDPOINT_FIELDS}
    if "event_types" in data:
        data["event_types"] = _clean_event_types(data["event_types"])
    if "url" in data:
        data["url"] = (data["url"] or "").strip()
    if "allow_internal" in data:
        data["allow_internal"] = bool(data["allow_internal"])
        _check_internal_allowance(actor, data["allow_internal"], before=endpoint.allow_internal)
    url = data.get("url", endpoint.url)
    allow_internal = data.get("allow_internal", endpoint.allow_internal)
    if allow_internal and url != endpoint.url and not actor.has_scope(INTERNAL_SCOPE):
        # The allowance was given for one receiver: pointing it elsewhere is the admin's call.
        raise NotPermitted(
            "Only an admin (in person) may change the URL of an endpoint allowed to reach "
            "internal addresses.",
            field="url",
        )
    if url != endpoint.url or allow_internal != endpoint.allow_internal:
        targets.resolve(url, allow_internal=allow_internal)
    reenabled = data.get("active") and not endpoint.active
    changed = model_update(endpoint, data=data, fields=ENDPOINT_FIELDS)
    if reenabled and "active" in changed:
        # Switched on again by a person: the failure count starts afresh.
        endpoint.consecutive_failures = 0
        endpoint.disabled_at = None
        endpoint.disabled_reason = ""
        endpoint.save(update_fields=["consecutive_failures", "disabled_at", "disabled_reason"])
    return endpoint


@transaction.atomic
def endpoint_rotate_secret(*, actor: Actor, endpoint: WebhookEndpoint) -> IssuedEndpoint:
    """A new signing secret at once (the old one stops signing): shown once, like the first."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    policy.require(actor, "change", endpoint)
    secret = signing.issue_secret(endpoint)
    endpoint.save(update_fields=["signing_secret", "updated"])
    return IssuedEndpoint(endpoint=endpoint, secret=secret)


@transaction.atomic
def endpoint_delete(*, actor: Actor, endpoint: WebhookEndpoint) -> None:
    policy.require(actor, "delete", endpoint)
    WebhookAttempt.objects.filter(delivery__endpoint=endpoint).delete()
    WebhookDelivery.objects.filter(endpoint=endpoint).delete()
    endpoint.delete()


@transaction.atomic
def endpoint_ping(*, actor: Actor, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """Send a `webhook.ping` event to this endpoint only (to try a receiver)."""
    policy.require(actor, "change", endpoint)
    if not endpoint.active:
        raise Conflict("The endpoint is switched off; switch it on to send to it.")
    event = WebhookEvent.objects.create(
        organization_id=endpoint.organization_id,
        event_type=WebhookEventType.PING,
        data={"object": "webhook_endpoint", "id": endpoint.pk, "name": str(endpoint)},
    )
    delivery = WebhookDelivery.objects.create(
        organization_id=endpoint.organization_id,
        endpoint=endpoint,
        event=event,
        next_attempt_at=timezone.now(),
    )
    queue_on_commit(endpoint.organization_id, [delivery.pk])
    return delivery


@transaction.atomic
def delivery_redeliver(*, actor: Actor, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again now (a new series of attempts; earlier ones stay recorded)."""
    delivery = (
        WebhookDelivery.objects.select_for_update(of=("self",))
        .select_related("endpoint")
        .get(pk=delivery.pk)
    )
    policy.require(actor, "change", delivery)
    if not delivery.endpoint.active:
        raise Conflict("The endpoint is switched off; switch it on before redelivering.")
    now = timezone.now()
    delivery.status = DeliveryStatus.PENDING
    delivery.next_attempt_at = now
    delivery.redelivered_at = now
    delivery.redelivered_by = actor.user
    delivery.attempt_count = 0
    delivery.save(
        update_fields=[
            "status",
            "next_attempt_at",
            "redelivered_at",
            "redelivered_by",
            "attempt_count",
            "updated",
        ]
    )
    queue_on_commit(delivery.organization_id, [delivery.pk])
    return delivery


def retry_delay(attempt_number: int) -> timedelta:
    """Exponential back-off after the n-th failed attempt: base, 2×base, 4×base…"""
    base = float(settings.WEBHOOK_RETRY_BASE_SECONDS)
    return timedelta(seconds=base * (2 ** max(attempt_number - 1, 0)))
