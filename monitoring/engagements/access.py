"""Engagement policies (domain "monitoring").

Officers (`monitoring:manage`) open engagements, invite auditors, answer requests and read
the access log. An auditor sees an engagement only while it is live and only if they are
one of its auditors; within it they raise and close evidence requests (`audit:request`, the
auditor's one write) and read the answers. Nothing else here lets them write.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from isms import policy
from isms.access import EVIDENCE_REQUEST_SCOPE, Actor
from isms.policy import ManagedPolicy, ModelPolicy, Refusal
from monitoring.engagements.models import (
    AuditorAccess,
    Engagement,
    EngagementAuditor,
    EvidenceAnswer,
    EvidenceRequest,
)

NOT_YOURS = "This engagement is not one of yours, or it has ended."


def actor_email(actor: Actor) -> str:
    return (getattr(actor.user, "email", "") or "").strip().lower()


def engagements_of(actor: Actor, queryset: QuerySet | None = None) -> QuerySet:
    """The live engagements the actor is an auditor of."""
    queryset = Engagement.objects.all() if queryset is None else queryset
    email = actor_email(actor)
    if not email:
        return queryset.none()
    return queryset.filter(
        expires_at__gt=timezone.now(),
        pk__in=EngagementAuditor.objects.filter(email=email).values("engagement_id"),
    )


def _is_auditor_of(actor: Actor, engagement: Engagement) -> bool:
    email = actor_email(actor)
    return (
        bool(email)
        and engagement.is_live
        and EngagementAuditor.objects.filter(engagement=engagement, email=email).exists()
    )


@policy.register
class EngagementPolicy(ManagedPolicy):
    model = Engagement
    domain = "monitoring"

    def rule_view(self, actor: Actor, obj) -> Refusal | None:
        refused = self._scope_refusal(actor, self.read_scope)
        if refused is not None:
            return refused
        if actor.has_scope(self.manage_scope) or _is_auditor_of(actor, obj):
            return None
        return Refusal(NOT_YOURS)

    def rule_raise_request(self, actor: Actor, obj) -> Refusal | None:
        refused = self._scope_refusal(actor, EVIDENCE_REQUEST_SCOPE)
        if refused is not None:
            return refused
        return None if _is_auditor_of(actor, obj) else Refusal(NOT_YOURS)

    def restrict(self, actor: Actor, action: str, queryset: QuerySet) -> QuerySet:
        if action == "view":
            if not actor.has_scope(self.read_scope):
                return queryset.none()
            if actor.has_scope(self.manage_scope):
                return queryset
            return engagements_of(actor, queryset)
        return super().restrict(actor, action, queryset)


@policy.register
class EngagementAuditorPolicy(ManagedPolicy):
    model = EngagementAuditor
    domain = "monitoring"


@policy.register
class EvidenceRequestPolicy(ModelPolicy):
    """Viewing follows the engagement; raising and closing are the auditor's; answering
    (and any other change) is an officer's."""

    model = EvidenceRequest
    domain = "monitoring"

    def rule_view(self, actor: Actor, obj) -> Refusal | None:
        return policy.refusal(actor, "view", obj.engagement)

    def rule_create(self, actor: Actor, obj) -> Refusal | None:
        engagement = getattr(obj, "engagement", None)
        if engagement is None:
            return self._scope_refusal(actor, EVIDENCE_REQUEST_SCOPE)
        return policy.refusal(actor, "raise_request", engagement)

    def rule_close(self, actor: Actor, obj) -> Refusal | None:
        return policy.refusal(actor, "raise_request", obj.engagement)

    def rule_answer(self, actor: Actor, obj) -> Refusal | None:
        return self.rule_manage(actor, obj)

    def rule_change(self, actor: Actor, obj) -> Refusal | None:
        return self.rule_manage(actor, obj)

    def restrict(self, actor: Actor, action: str, queryset: QuerySet) -> QuerySet:
        if action == "view":
            visible = policy.restrict(actor, "view", Engagement.objects.all())
            return queryset.filter(engagement__in=visible)
        return super().restrict(actor, action, queryset)


@policy.register
class EvidenceAnswerPolicy(ModelPolicy):
    model = EvidenceAnswer
    domain = "monitoring"

    def rule_view(self, actor: Actor, obj) -> Refusal | None:
        return policy.refusal(actor, "view", obj.request.engagement)

    def rule_create(self, actor: Actor, obj) -> Refusal | None:
        return self.rule_manage(actor, obj)

    def rule_change(self, actor: Actor, obj) -> Refusal | None:
        return self.rule_manage(actor, obj)

    def restrict(self, actor: Actor, action: str, queryset: QuerySet) -> QuerySet:
        if action == "view":
            visible = policy.restrict(actor, "view", Engagement.objects.all())
            return queryset.filter(request__engagement__in=visible)
        return super().restrict(actor, action, queryset)


@policy.register
class AuditorAccessPolicy(ManagedPolicy):
    """The access log is the officers': reading it needs `monitoring:manage`; nobody writes
    it but the middleware."""

    model = AuditorAccess
    domain = "monitoring"

    def rule_view(self, actor: Actor, obj) -> Refusal | None:
        return self.rule_manage(actor, obj)

    def restrict(self, actor: Actor, action: str, queryset: QuerySet) -> QuerySet:
        if action == "view":
            return queryset if actor.has_scope(self.manage_scope) else queryset.none()
        return super().restrict(actor, action, queryset)
