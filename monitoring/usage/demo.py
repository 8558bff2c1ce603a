"""Demo evidence of AI use (idempotent: loaded only while the demo has none).

Two weeks of what a gateway asked: the helpdesk assistant in daily use, the chat assistant in
pilot for its named people (others denied), the code assistant refused customer data, and
SlideMagic AI tried through the gateway (the shadow-AI report the assets demo files).
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from assets.models import Asset
from monitoring.usage.models import (
    Outcome,
    ShadowToolSighting,
    UsageDenial,
    UsagePersonDay,
    UsageTally,
)

DAYS = 14
PEOPLE = ["olivia", "omar", "ada", "sam", "lea", "kim"]
# tool external id → (daily allowed, daily with obligations, daily denied, people using it)
USE = {
    "demo-helpdesk": (18, 0, 0, 5),
    "demo-chat-assistant": (0, 6, 2, 3),
    "demo-code-assistant": (9, 0, 1, 4),
}
DENIALS = [
    (
        "demo-chat-assistant",
        "sam",
        ["customer_content"],
        {
            "rule": "tool_in_service",
            "code": "pilot_not_named",
            "effect": "deny",
            "message": "Marketing chat assistant is in pilot: only the people named on its "
            "change request may use it.",
        },
    ),
    (
        "demo-code-assistant",
        "lea",
        ["customer_content"],
        {
            "rule": "data_categories_approved",
            "code": "category_not_approved",
            "effect": "deny",
            "message": "Code assistant is not approved for 'Customer content'.",
        },
    ),
]


def load(demo) -> None:
    if UsageTally.objects.exists():
        return
    org_id = demo.organization.pk  # bulk_create sets no organisation by itself
    assets = {a.external_id: a for a in Asset.objects.filter(external_id__in=list(USE))}
    today = timezone.localdate()
    tallies, person_days = [], []
    for offset in range(DAYS):
        day = today - timedelta(days=offset + 1)
        weekday = day.weekday() < 5
        for external_id, (allowed, obligations, denied, users) in USE.items():
            key = f"id:{external_id}"
            for outcome, count in [
                (Outcome.ALLOW, allowed),
                (Outcome.ALLOW_WITH_OBLIGATIONS, obligations),
                (Outcome.DENY, denied),
            ]:
                count = count if weekday else count // 3
                if count:
                    tallies.append(
                        UsageTally(
                            organization_id=org_id,
                            day=day,
                            tool_key=key,
                            asset=assets.get(external_id),
                            outcome=outcome,
                            count=count,
                        )
                    )
            for person in PEOPLE[: users if weekday else 1]:
                person_days.append(
                    UsagePersonDay(
                        organization_id=org_id,
                        day=day,
                        tool_key=key,
                        person=f"{person}@demo.example",
                    )
                )
    UsageTally.objects.bulk_create(tallies)
    UsagePersonDay.objects.bulk_create(person_days)
    now = timezone.now()
    UsageDenial.objects.bulk_create(
        UsageDenial(
            organization_id=org_id,
            decided_at=now - timedelta(days=offset, hours=3),
            tool_key=f"id:{external_id}",
            asset=assets.get(external_id),
            person=f"{person}@demo.example",
            data_categories=categories,
            purpose="Answer a customer's question",
            reasons=[reason],
        )
        for offset in (1, 4, 9)
        for external_id, person, categories, reason in DENIALS
    )
    report = Asset.objects.filter(name="SlideMagic AI").first()
    ShadowToolSighting.objects.create(
        tool_key="domain:slidemagic.ai",
        report=report,
        attempts=23,
        first_seen=now - timedelta(days=12),
        last_seen=now - timedelta(hours=5),
    )
