from isms.models.access import APIKey, Invitation, Membership, Organization, Role
from isms.models.audit import AuditEvent
from isms.models.controls import Control, ControlMapping, Framework
from isms.models.workflow import TransitionRecord

__all__ = [
    "APIKey",
    "AuditEvent",
    "Control",
    "ControlMapping",
    "Framework",
    "Invitation",
    "Membership",
    "Organization",
    "Role",
    "TransitionRecord",
]
