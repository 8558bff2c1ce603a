from isms.models.access import APIKey, Invitation, Membership, Organization, Role
from isms.models.audit import AuditChainHead, AuditEvent
from isms.models.controls import Control, ControlMapping, Framework
from isms.models.idempotency import IdempotencyRecord
from isms.models.lifecycle import OrganizationDeletion, OrganizationExport, OrganizationImport
from isms.models.outbox import OutboxStatus, OutboxTask
from isms.models.preferences import ListColumns
from isms.models.profile import AIRole, LegalType, OrganizationProfile
from isms.models.security import SecurityEvent, SecurityEventKind
from isms.models.sso import SSOConnection, SSOIdentity
from isms.models.webhooks import (
    AttemptOutcome,
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    WebhookEventType,
)
from isms.models.workflow import TransitionRecord

__all__ = [
    "AIRole",
    "APIKey",
    "AttemptOutcome",
    "AuditChainHead",
    "AuditEvent",
    "Control",
    "ControlMapping",
    "DeliveryStatus",
    "Framework",
    "IdempotencyRecord",
    "Invitation",
    "LegalType",
    "ListColumns",
    "Membership",
    "Organization",
    "OrganizationDeletion",
    "OrganizationExport",
    "OrganizationImport",
    "OrganizationProfile",
    "OutboxStatus",
    "OutboxTask",
    "Role",
    "SSOConnection",
    "SSOIdentity",
    "SecurityEvent",
    "SecurityEventKind",
    "TransitionRecord",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
    "WebhookEventType",
]
