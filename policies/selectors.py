"""Reads of the policies app that are more than a filter: lists, audiences, acknowledgement
rates, what a member still has to read, and the AI acceptable use check.

Layering: policies sits below assets, so it never imports assets. The check "AI assets exist
but no published policy covers AI acceptable use" takes the number of AI assets as an
argument (`ai_acceptable_use_gap`); the assets app calls it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from isms import policy as authz
from isms.access import Actor, audience_key, in_audience
from isms.models import Membership
from isms.rates import percent
from policies.access import REVIEW
from policies.models import (
    Acknowledgement,
    AISection,
    Policy,
    PolicyKind,
    PolicyVersion,
    PolicyVersionUserObjectPermission,
    VersionStatus,
)

User = get_user_model()


def policy_list() -> QuerySet[Policy]:
    """Policies with their latest version and their published version, in a fixed number of
    queries whatever the number of rows."""
    latest = PolicyVersion.objects.filter(policy=OuterRef("pk")).order_by("-number")
    published = latest.filter(status=VersionStatus.PUBLISHED)
    return (
        Policy.objects.select_related("owner")
        .annotate(
            latest_number=Subquery(latest.values("number")[:1]),
            latest_status=Subquery(latest.values("status")[:1]),
            published_number=Subquery(published.values("number")[:1]),
        )
        .order_by("title")
    )


def audience_memberships(policy: Policy) -> QuerySet[Membership]:
    """The active members this policy addresses (by role)."""
    return Membership.objects.active().filter(
        organization_id=policy.organization_id, role__in=policy.audience_role_list
    )


def audience_filter(actor: Actor) -> Q:
    """Policies addressed to this actor (isms.access decides who an audience includes)."""
    key = audience_key(actor)
    if key is None:
        return Q(pk__in=[])
    q = Q(audience=Policy.Audience.ROLES, audience_roles__contains=[key])
    if in_audience(actor):
        q |= Q(audience=Policy.Audience.ALL)
    return q


def versions_with_acknowledgements(policy: Policy) -> QuerySet[PolicyVersion]:
    """A policy's versions, newest first, each with its acknowledgements by current audience."""
    in_audience = audience_memberships(policy).filter(user_id=OuterRef("user_id"))
    counted = Acknowledgement.objects.filter(version=OuterRef("pk")).filter(Exists(in_audience))
    return (
        PolicyVersion.objects.filter(policy=policy)
        .select_related(
            "author", "submitted_by", "approved_by", "published_by", "retired_by", "superseded_by"
        )
        .annotate(
            acknowledged_count=Subquery(
                counted.order_by().values("version").annotate(n=Count("pk")).values("n")[:1]
            )
        )
        .order_by("-number")
    )


@dataclass(frozen=True)
class AcknowledgementStatus:
    audience_count: int
    acknowledged_count: int

    @property
    def rate(self) -> int:
        """Percentage of the current audience that has acknowledged (isms.rates.percent)."""
        return percent(self.acknowledged_count, self.audience_count)


def acknowledgement_status(version: PolicyVersion) -> AcknowledgementStatus:
    audience = audience_memberships(version.policy)
    acknowledged = Acknowledgement.objects.filter(
        version=version, user_id__in=audience.values("user_id")
    ).count()
    return AcknowledgementStatus(audience_count=audience.count(), acknowledged_count=acknowledged)


def members_not_acknowledged(version: PolicyVersion) -> QuerySet[Membership]:
    """Who in the audience has not acknowledged this version (for officers and reminders)."""
    done = Acknowledgement.objects.filter(version=version, user_id=OuterRef("user_id"))
    return (
        audience_memberships(version.policy)
        .exclude(Exists(done))
        .select_related("user")
        .order_by("user__email")
    )


def acknowledgements_of(version: PolicyVersion) -> QuerySet[Acknowledgement]:
    return (
        Acknowledgement.objects.filter(version=version)
        .select_related("user")
        .order_by("-acknowledged_at")
    )


def versions_to_acknowledge(actor: Actor) -> QuerySet[PolicyVersion]:
    """The published versions addressed to this member that they have not acknowledged."""
    if actor.user is None:
        return PolicyVersion.objects.none()
    done = Acknowledgement.objects.filter(version=OuterRef("pk"), user_id=actor.user_id)
    policies = Policy.objects.filter(audience_filter(actor))
    return (
        PolicyVersion.objects.filter(status=VersionStatus.PUBLISHED, policy__in=policies)
        .exclude(Exists(done))
        .select_related("policy")
        .order_by("published_at")
    )


def my_published_versions(actor: Actor) -> QuerySet[PolicyVersion]:
    """Every published version addressed to this member, with when they acknowledged it."""
    if actor.user is None:
        return PolicyVersion.objects.none()
    mine = Acknowledgement.objects.filter(version=OuterRef("pk"), user_id=actor.user_id)
    return (
        PolicyVersion.objects.filter(
            status=VersionStatus.PUBLISHED,
            policy__in=Policy.objects.filter(audience_filter(actor)),
        )
        .select_related("policy")
        .annotate(my_acknowledged_at=Subquery(mine.values("acknowledged_at")[:1]))
        .order_by("policy__title")
    )


def versions_awaiting_review(actor: Actor) -> QuerySet[PolicyVersion]:
    """Versions in review on which this person holds the reviewer or approver grant."""
    if actor.user is None:
        return PolicyVersion.objects.none()
    granted = PolicyVersionUserObjectPermission.objects.filter(
        user_id=actor.user_id, content_object_id=OuterRef("pk")
    )
    return (
        PolicyVersion.objects.filter(status=VersionStatus.IN_REVIEW)
        .filter(Exists(granted))
        .select_related("policy")
        .order_by("submitted_at")
    )


def attach_my_grants(versions, actor: Actor) -> None:
    """Prefetch the actor's grants on these versions and on their policies (two queries), for
    allowed_actions."""
    versions = list(versions)
    authz.attach_grants(actor, versions)
    authz.attach_grants(actor, [v.policy for v in versions])
    reviewers: dict[int, list[int]] = {v.pk: [] for v in versions}
    rows = PolicyVersionUserObjectPermission.objects.filter(
        content_object_id__in=list(reviewers), permission__codename=REVIEW
    ).values_list("content_object_id", "user_id")
    for version_id, user_id in rows:
        reviewers[version_id].append(user_id)
    for version in versions:
        version._reviewer_ids = reviewers[version.pk]


def version_grants(version: PolicyVersion) -> dict[str, list]:
    """{"reviewers": [users], "approvers": [users]} granted on this version."""
    rows = PolicyVersionUserObjectPermission.objects.filter(content_object=version).select_related(
        "user", "permission"
    )
    grants: dict[str, list] = {"reviewers": [], "approvers": []}
    for row in rows.order_by("user__email"):
        key = "approvers" if row.permission.codename == "approve_policyversion" else "reviewers"
        grants[key].append(row.user)
    return grants


def covers_ai_acceptable_use() -> Q:
    return Q(kind=PolicyKind.AI_ACCEPTABLE_USE) | Q(
        covers_ai=True, ai_sections__contains=[AISection.ACCEPTABLE_USE]
    )


def ai_acceptable_use_version() -> PolicyVersion | None:
    """The published version of the policy that covers AI acceptable use, if any."""
    return (
        PolicyVersion.objects.filter(
            status=VersionStatus.PUBLISHED,
            policy__in=Policy.objects.filter(covers_ai_acceptable_use()),
        )
        .select_related("policy", "approved_by", "published_by")
        .order_by("-published_at")
        .first()
    )


AI_GAP_MESSAGE = "AI assets exist but no published policy covers AI acceptable use."


def ai_acceptable_use_gap(ai_asset_count: int) -> str | None:
    """The check the assets side calls: a message while the gap exists, else None."""
    if ai_asset_count <= 0:
        return None
    if ai_acceptable_use_version() is not None:
        return None
    return AI_GAP_MESSAGE


def review_overdue(policy: Policy) -> bool:
    return policy.next_review_date is not None and policy.next_review_date < timezone.localdate()


def policy_controls(policy) -> list:
    """The library controls a policy implements, by framework and control order."""
    from policies.models import PolicyControl

    return [
        link.control
        for link in PolicyControl.objects.filter(policy=policy).select_related(
            "control", "control__framework"
        )
    ]
