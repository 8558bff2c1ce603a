"""Who sees and handles notifications: each person their own; officers (monitoring:manage)
see every notification of the organisation (who was reminded of what, and when)."""

from __future__ import annotations

from isms import policy
from isms.access import Actor
from isms.errors import ErrorCode
from monitoring.inbox.models import InboxSettings, Notification


@policy.register
class NotificationPolicy(policy.ModelPolicy):
    model = Notification
    domain = "monitoring"

    def _mine(self, actor: Actor, obj) -> bool:
        return actor.user_id is not None and obj.recipient_id == actor.user_id

    def rule_view(self, actor: Actor, obj) -> policy.Refusal | None:
        refused = self._scope_refusal(actor, self.read_scope)
        if refused or self._mine(actor, obj) or actor.has_scope(self.manage_scope):
            return refused
        return policy.Refusal("This notification is someone else's.", ErrorCode.NOT_FOUND)

    def rule_change(self, actor: Actor, obj) -> policy.Refusal | None:
        return policy.Refusal("Notifications are written by Guardrail, not edited.")

    def rule_mark_read(self, actor: Actor, obj) -> policy.Refusal | None:
        refused = self._scope_refusal(actor, self.write_scope)
        if refused:
            return refused
        if not self._mine(actor, obj):
            return policy.Refusal("Only its recipient marks a notification read.")
        return None

    def restrict(self, actor: Actor, action: str, queryset):
        if action == "view":
            if not actor.has_scope(self.read_scope):
                return queryset.none()
            if actor.has_scope(self.manage_scope):
                return queryset
            if actor.user_id is None:
                return queryset.none()
            return queryset.filter(recipient_id=actor.user_id)
        return super().restrict(actor, action, queryset)

    def describe(self, obj) -> str:
        return f"notification “{obj.subject}”"


@policy.register
class InboxSettingsPolicy(policy.ManagedPolicy):
    model = InboxSettings
    domain = "monitoring"
