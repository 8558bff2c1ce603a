"""Demo management review (idempotent): last half-year's review, inputs assembled from the
demo registers, prepared by the officer and approved by the admin (segregation of duties)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from monitoring.incidents.demo import _actor
from monitoring.management import services
from monitoring.management.models import ManagementReview

TITLE = "Management review — last half-year"


def load(demo) -> None:
    if ManagementReview.objects.filter(title=TITLE).exists():
        return
    officer = _actor(demo, "officer")
    today = timezone.localdate()
    review = services.review_create(
        actor=officer,
        title=TITLE,
        period_start=today - timedelta(days=182),
        period_end=today,
        meeting_date=today - timedelta(days=2),
        attendees="Ada Admin (managing director)\nOlivia Officer (compliance)\nOmar Owner "
        "(product)",
        changes_in_issues="The EU AI Act's high-risk obligations apply from August 2026.",
        interested_parties="Two enterprise customers now ask for ISO 42001 alignment.",
        feedback="One public concern about the website chat (refund answer).",
    )
    services.output_add(
        actor=officer,
        review=review,
        kind="decision",
        description="Extend the internal audit programme to every ISO 42001 Annex A control.",
    )
    services.output_add(
        actor=officer,
        review=review,
        kind="action",
        description="Run a cross-customer leakage test on every assistant before release.",
        owner=demo.user("contributor"),
        due_date=today + timedelta(days=45),
    )
    services.review_update(
        actor=officer,
        review=review,
        minutes="Management reviewed the inputs above. The incident on the marketing chat "
        "assistant was handled within the GDPR 72 hours; its corrective action is in progress. "
        "Decisions and actions as recorded.",
    )
    review = services.review_submit(actor=officer, review=review)
    services.review_approve(actor=_actor(demo, "admin"), review=review)
