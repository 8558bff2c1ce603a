"""Policies: policies with immutable versions, and acknowledgements from members.

Per organisation: `size.policies` policies of every kind, owned by members, each with one to
three versions: the newest published, older ones superseded, and for some policies a draft
of the next version. The database trigger (policies migration 0002) lets a version be
inserted only as a draft and moves it only forward, so versions are inserted as drafts with
their stamps, then moved draft → approved → published → superseded by UPDATEs of the status
alone, the path the trigger permits. Most staff members (auditors excluded) acknowledged the
published version; some acknowledged the previous one too.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from bench.seed import SeededOrg
from isms.access import addressable_roles
from isms.models import Membership
from policies.documents import text_sha256
from policies.models import (
    Acknowledgement,
    AISection,
    Policy,
    PolicyKind,
    PolicyVersion,
    VersionStatus,
)
from policies.services import _add_months

BODY = """# {title}

## Purpose
This policy says how {org} handles {topic}, who is accountable, and what staff must do.

## Rules
1. Use only approved tools and services for {topic}.
2. Classify information before sharing it; confidential data stays in approved systems.
3. Report anything that looks wrong to the security team the same day.

## Review
The owner reviews this policy every {months} months and after any significant incident.
(Revision {number}.)
"""


def seed(org: SeededOrg) -> None:
    organization_id = org.organization.pk
    rng = org.rng
    members = org.members
    now = timezone.now()
    kinds = list(PolicyKind)
    staff = list(
        Membership.objects.filter(
            organization_id=organization_id, role__in=addressable_roles()
        ).values_list("user_id", flat=True)
    )

    policies = []
    for n in range(org.size.policies):
        kind = kinds[n % len(kinds)]
        covers_ai = kind == PolicyKind.AI_ACCEPTABLE_USE or rng.random() < 0.3
        policies.append(
            Policy(
                organization_id=organization_id,
                title=f"{kind.label} policy"
                + (f" ({n // len(kinds) + 1})" if n >= len(kinds) else ""),
                kind=kind,
                owner=members[1] if rng.random() < 0.5 else rng.choice(members[:2]),
                review_interval_months=rng.choice([6, 12, 12, 24]),
                covers_ai=covers_ai,
                ai_sections=rng.sample(AISection.values, rng.randint(3, 8)) if covers_ai else [],
            )
        )
    policies = Policy.objects.bulk_create(policies)

    versions, final_status = [], {}
    for policy in policies:
        count = rng.randint(1, 3)
        for number in range(1, count + 1):
            published_at = now - timedelta(days=(count - number) * 200 + rng.randint(5, 150))
            body = BODY.format(
                title=policy.title,
                org=org.organization.name,
                topic=policy.get_kind_display().lower(),
                months=policy.review_interval_months,
                number=number,
            )
            newest = number == count
            version = PolicyVersion(
                organization_id=organization_id,
                policy=policy,
                number=number,
                status=VersionStatus.DRAFT,
                body_markdown=body,
                content_sha256=text_sha256(body),
                change_summary="First version" if number == 1 else "Yearly review",
                author=policy.owner,
                created=published_at - timedelta(days=10),
                submitted_by=policy.owner,
                submitted_at=published_at - timedelta(days=7),
                approved_by=members[0],
                approved_at=published_at - timedelta(days=2),
                published_by=members[1],
                published_at=published_at,
                superseded_by=None if newest else members[1],
                superseded_at=None if newest else published_at + timedelta(days=200),
            )
            versions.append(version)
            final_status[id(version)] = (
                VersionStatus.PUBLISHED if newest else VersionStatus.SUPERSEDED
            )
        policy.next_review_date = _add_months(published_at.date(), policy.review_interval_months)
        if rng.random() < 0.2:  # the next revision, being written
            body = BODY.format(
                title=policy.title,
                org=org.organization.name,
                topic=policy.get_kind_display().lower(),
                months=policy.review_interval_months,
                number=count + 1,
            )
            versions.append(
                PolicyVersion(
                    organization_id=organization_id,
                    policy=policy,
                    number=count + 1,
                    status=VersionStatus.DRAFT,
                    body_markdown=body,
                    content_sha256=text_sha256(body),
                    change_summary="Next review",
                    author=policy.owner,
                )
            )
    versions = PolicyVersion.objects.bulk_create(versions, batch_size=2000)
    Policy.objects.bulk_update(policies, ["next_review_date"])

    # Forward through the workflow, one status UPDATE per step, as the trigger allows.
    moving = [v for v in versions if id(v) in final_status]
    ids = [v.pk for v in moving]
    PolicyVersion.objects.filter(pk__in=ids).update(status=VersionStatus.APPROVED)
    PolicyVersion.objects.filter(pk__in=ids).update(status=VersionStatus.PUBLISHED)
    superseded = [v.pk for v in moving if final_status[id(v)] == VersionStatus.SUPERSEDED]
    PolicyVersion.objects.filter(pk__in=superseded).update(status=VersionStatus.SUPERSEDED)
    for v in moving:
        v.status = final_status[id(v)]

    acknowledgements = []
    for version in moving:
        share = 0.8 if version.status == VersionStatus.PUBLISHED else 0.3
        for user_id in staff:
            if rng.random() < share:
                acknowledgements.append(
                    Acknowledgement(
                        organization_id=organization_id,
                        version=version,
                        user_id=user_id,
                        acknowledged_at=version.published_at + timedelta(days=rng.randint(0, 30)),
                    )
                )
    Acknowledgement.objects.bulk_create(acknowledgements, batch_size=5000)
