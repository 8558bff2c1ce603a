"""Demo incidents (idempotent: found by title first).

A closed AI incident on the marketing chat assistant (a personal data breach, reported to the
supervisory authority within GDPR Art. 33's 72 hours) with its lessons learned, and a public
concern awaiting triage.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from assets.models import Asset
from isms.access import Actor
from isms.models import Membership
from monitoring.incidents import services
from monitoring.incidents.models import Incident

CLOSED_TITLE = "Marketing chat assistant quoted another customer's order"


def _actor(demo, role: str) -> Actor:
    membership = Membership.objects.select_related("organization", "user").get(
        organization=demo.organization, user=demo.user(role)
    )
    return Actor.for_membership(membership)


def load(demo) -> None:
    officer = _actor(demo, "officer")
    if not Incident.objects.filter(title=CLOSED_TITLE).exists():
        assets = list(Asset.objects.filter(name="Marketing chat assistant")[:1])
        aware = timezone.now() - timedelta(days=45)
        incident = services.incident_report(
            actor=officer,
            title=CLOSED_TITLE,
            description=(
                "A prospect asked the assistant about delivery times; the answer contained "
                "another customer's name and order number, retrieved from the support history "
                "the assistant may search."
            ),
            category="data_leak",
            severity="high",
            aware_at=aware,
            assets=assets,
            data_categories=["personal", "customer_content"],
            personal_data_breach=True,
        )
        services.incident_triage(
            actor=officer,
            incident=incident,
            owner=demo.user("contributor"),
            note="Confirmed by logs.",
        )
        services.incident_contain(
            actor=officer,
            incident=incident,
            containment="Support-history search switched off for the assistant the same day.",
        )
        clock = incident.clocks.get(regime="gdpr_art33")
        services.clock_record_report(
            actor=officer,
            clock=clock,
            recipient="Data protection authority (online form)",
            reported_at=aware + timedelta(hours=30),
            reference="DPA-2026-0412",
        )
        services.incident_close(
            actor=officer,
            incident=incident,
            lessons_learned=(
                "Retrieval must be scoped to the person asking. We filter retrieved records by "
                "customer before they reach the model, and test for cross-customer answers "
                "before every release."
            ),
        )
    if not Incident.objects.filter(source="concern").exists():
        from monitoring.incidents.models import ConcernChannel

        channel = ConcernChannel.objects.filter(revoked_at__isnull=True).first()
        if channel is None:
            channel = services.concern_channel_create(actor=officer).channel
        services.concern_report(
            channel=channel,
            system_name="Website chat",
            description="The chat told me I could not get a refund because of my age.",
            contact="",
        )
