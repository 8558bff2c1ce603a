"""Demo data for the reviews and the inbox (idempotent): a schedule for everything in the
registers, a few AI-system reviews overdue, one signed off by its owner, and a first reminder
sweep so the inbox and the header count have something to show."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from isms.access import Actor
from isms.models import Membership
from monitoring.reviews import checklist, services
from monitoring.reviews.models import AIReview, Outcome, ReviewSchedule, SubjectType

OVERDUE = {"Marketing chat assistant": 12, "Customer churn model": 40}
REVIEWED = "Code assistant"


def _actor(demo, user) -> Actor:
    return Actor.for_membership(
        Membership.objects.select_related("organization", "user").get(
            organization=demo.organization, user=user
        )
    )


def load(demo) -> None:
    from monitoring.inbox.services import sweep_organization

    services.settings_ensure()
    fresh = services.schedules_ensure()
    today = timezone.localdate()
    ai = {s.title: s for s in ReviewSchedule.objects.filter(subject_type=SubjectType.AI_SYSTEM)}
    if fresh:  # only the first load moves dates: reloading changes nothing
        for title, days in OVERDUE.items():
            if title in ai:
                ReviewSchedule.objects.filter(pk=ai[title].pk).update(
                    next_due=today - timedelta(days=days)
                )
    schedule = ai.get(REVIEWED)
    if schedule is not None and not AIReview.objects.filter(schedule=schedule).exists():
        owner = demo.user("contributor")
        if schedule.reviewer_id == owner.pk:
            actor = _actor(demo, owner)
            review = services.review_start(actor=actor, schedule=schedule)
            answers = {
                key: {
                    "answer": value["computed"] or checklist.YES,
                    "note": "" if value["computed"] != checklist.NO else "Known; tracked.",
                }
                for key, value in review.answers.items()
            }
            services.review_update(
                actor=actor,
                review=review,
                answers=answers,
                outcome=Outcome.CONTINUE,
                outcome_note="Works as intended; keep it in pilot.",
            )
            services.review_sign_off(actor=actor, review=review)
    sweep_organization()
    # The portfolio's figures, now that every register's demo (reviews last) is in place.
    from monitoring.checks.portfolio import figures_refresh

    figures_refresh()
