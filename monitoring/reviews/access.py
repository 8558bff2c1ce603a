"""Who may do what with review schedules and AI-system reviews (domain "monitoring").

- Everyone with monitoring:read sees them.
- A schedule is changed by officers (monitoring:manage) or its reviewer.
- `review` (start an AI review, or mark a non-AI subject reviewed): its reviewer, the AI
  system's owner, or an officer.
- An AI review's answers are edited, and the review is signed off, by the asset's owner or
  the schedule's reviewer (a named person, never an API key): the owner answers for their
  system (ISO/IEC 42001 9.1, 9.3). Officers can make themselves the reviewer.
"""

from __future__ import annotations

from isms import policy
from isms.access import Actor
from monitoring.reviews.models import AIReview, ReviewSchedule, ReviewSettings, SubjectType


def _asset_owner_id(schedule: ReviewSchedule) -> int | None:
    if schedule.subject_type != SubjectType.AI_SYSTEM:
        return None
    cached = getattr(schedule, "_asset_owner_id", "unset")
    if cached != "unset":
        return cached
    from assets.models import Asset

    owner = Asset.objects.filter(pk=schedule.object_id).values_list("owner_id", flat=True).first()
    schedule._asset_owner_id = owner
    return owner


@policy.register
class ReviewSchedulePolicy(policy.ModelPolicy):
    model = ReviewSchedule
    domain = "monitoring"

    def rule_change(self, actor: Actor, obj) -> policy.Refusal | None:
        refused = self._scope_refusal(actor, self.write_scope)
        if refused:
            return refused
        if actor.has_scope(self.manage_scope):
            return None
        if actor.user_id is not None and actor.user_id == obj.reviewer_id:
            return None
        return policy.Refusal("Only the reviewer or a compliance officer may change a schedule.")

    def rule_review(self, actor: Actor, obj) -> policy.Refusal | None:
        refused = self._scope_refusal(actor, self.write_scope)
        if refused:
            return refused
        if actor.user_id is None:
            return policy.Refusal("A person reviews (not an API key).")
        if actor.has_scope(self.manage_scope) or actor.user_id in {
            obj.reviewer_id,
            _asset_owner_id(obj),
        }:
            return None
        return policy.Refusal(
            "Only the reviewer, the system's owner or a compliance officer may review it."
        )

    def restrict(self, actor: Actor, action: str, queryset):
        if action == "change" and actor.has_scope(self.write_scope):
            if actor.has_scope(self.manage_scope):
                return queryset
            return queryset.filter(reviewer_id=actor.user_id) if actor.user_id else queryset.none()
        return super().restrict(actor, action, queryset)

    def describe(self, obj) -> str:
        return f"the review schedule of “{obj.title}”"


@policy.register
class AIReviewPolicy(policy.ModelPolicy):
    model = AIReview
    domain = "monitoring"

    def _signer(self, actor: Actor, obj) -> policy.Refusal | None:
        refused = self._scope_refusal(actor, self.write_scope)
        if refused:
            return refused
        if actor.user_id is None:
            return policy.Refusal("A named person signs a review off (not an API key).")
        if actor.user_id in {obj.asset.owner_id, obj.schedule.reviewer_id}:
            return None
        return policy.Refusal(
            f"Only the owner of {obj.asset} or the schedule's reviewer may answer and sign off "
            "its review."
        )

    def rule_change(self, actor: Actor, obj) -> policy.Refusal | None:
        return self._signer(actor, obj)

    def rule_sign_off(self, actor: Actor, obj) -> policy.Refusal | None:
        return self._signer(actor, obj)

    def rule_discard(self, actor: Actor, obj) -> policy.Refusal | None:
        refused = self._signer(actor, obj)
        if refused and actor.has_scopes([self.write_scope, self.manage_scope]):
            return None
        return refused

    def restrict(self, actor: Actor, action: str, queryset):
        if action in {"change", "delete"}:
            if not actor.has_scope(self.write_scope) or actor.user_id is None:
                return queryset.none()
            from django.db.models import Q

            return queryset.filter(
                Q(asset__owner_id=actor.user_id) | Q(schedule__reviewer_id=actor.user_id)
            )
        return super().restrict(actor, action, queryset)

    def describe(self, obj) -> str:
        return f"the review of “{obj.asset}”"


@policy.register
class ReviewSettingsPolicy(policy.ManagedPolicy):
    model = ReviewSettings
    domain = "monitoring"
