"""Makers for the monitoring inbox and reviews models (the generic suites use them)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from assets.models import AssetType, Lifecycle
from assets.services import OWNER_PERMISSIONS
from isms import permissions
from isms.access import Actor
from isms.models import Membership, Role
from monitoring.inbox.models import InboxSettings, Notification
from monitoring.reviews import services as review_services
from monitoring.reviews.models import AIReview, ReviewSchedule, ReviewSettings, SubjectType
from monitoring.usage.models import (
    ShadowToolSighting,
    UsageDenial,
    UsagePersonDay,
    UsageSettings,
    UsageTally,
)
from tests.assets.factories import AssetFactory
from tests.factories import MembershipFactory, object_factory


def actor_of(organization, user) -> Actor:
    return Actor.for_membership(Membership.objects.get(organization=organization, user=user))


def ai_asset(organization, owner=None, **fields):
    owner = owner or MembershipFactory(organization=organization, role=Role.CONTRIBUTOR).user
    fields.setdefault("asset_type", AssetType.AI_SAAS_TOOL)
    fields.setdefault("lifecycle", Lifecycle.PILOT)
    asset = AssetFactory(organization=organization, owner=owner, **fields)
    for codename in OWNER_PERMISSIONS:  # what asset_create gives the owner
        permissions.grant(owner, codename, asset)
    return asset


def ai_schedule(organization, asset=None, *, due_in_days: int = -3, reviewer=None):
    asset = asset or ai_asset(organization)
    return ReviewSchedule.objects.create(
        subject_type=SubjectType.AI_SYSTEM,
        object_id=asset.pk,
        title=asset.name,
        interval_months=6,
        next_due=timezone.localdate() + timedelta(days=due_in_days),
        reviewer=reviewer or asset.owner,
    )


@object_factory(ReviewSchedule)
def make_schedule(organization):
    return ai_schedule(organization)


@object_factory(AIReview)
def make_review(organization):
    schedule = ai_schedule(organization)
    return review_services.review_start(
        actor=actor_of(organization, schedule.reviewer), schedule=schedule
    )


@object_factory(ReviewSettings)
def make_review_settings(organization):
    return review_services.settings_ensure()


@object_factory(Notification)
def make_notification(organization):
    user = MembershipFactory(organization=organization, role=Role.CONTRIBUTOR).user
    return Notification.objects.create(
        recipient=user,
        kind="test",
        subject="Something is due",
        url="/",
        key=f"test:{user.pk}",
        due_on=timezone.localdate(),
    )


@object_factory(InboxSettings)
def make_inbox_settings(organization):
    from monitoring.inbox.services import settings_ensure

    return settings_ensure()


# --- AI usage decisions (monitoring.usage) ---------------------------------------------------


@object_factory(UsageSettings)
def make_usage_settings(organization):
    return UsageSettings.objects.create()


@object_factory(UsageTally)
def make_usage_tally(organization):
    return UsageTally.objects.create(
        day=timezone.localdate(), tool_key="id:chat", outcome="allow", count=3
    )


@object_factory(UsagePersonDay)
def make_usage_person_day(organization):
    return UsagePersonDay.objects.create(
        day=timezone.localdate(), tool_key="id:chat", person="ana@example.test"
    )


@object_factory(UsageDenial)
def make_usage_denial(organization):
    return UsageDenial.objects.create(
        tool_key="id:chat",
        person="ana@example.test",
        data_categories=["financial"],
        reasons=[{"rule": "tool_known", "code": "unknown_tool", "effect": "deny", "message": "x"}],
    )


@object_factory(ShadowToolSighting)
def make_shadow_sighting(organization):
    return ShadowToolSighting.objects.create(tool_key="domain:new-ai.example", attempts=1)
