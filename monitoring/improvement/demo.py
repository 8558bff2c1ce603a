"""Demo Clause 10 records (idempotent): an open nonconformity raised from the demo's closed
incident, with its immediate fix verified effective by someone other than its owner (how we
know the fix worked) and the lasting corrective action still in progress, and one entry in
the improvement log."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from monitoring.improvement import services
from monitoring.improvement.models import ImprovementEntry
from monitoring.incidents.demo import CLOSED_TITLE, _actor
from monitoring.incidents.models import Incident


def load(demo) -> None:
    officer = _actor(demo, "officer")
    incident = Incident.objects.filter(title=CLOSED_TITLE).first()
    if incident is not None and not incident.nonconformities.exists():
        nc = services.nonconformity_from_incident(
            actor=officer, incident=incident, owner=demo.user("officer")
        )
        services.nonconformity_update(
            actor=officer,
            nonconformity=nc,
            root_cause="Retrieval for the assistant was not scoped to the asking customer.",
            could_occur_elsewhere="Any assistant with retrieval: the support bot is checked too.",
            management_system_change="Release checklist for AI systems gains a "
            "cross-customer leakage test.",
        )
        contributor = _actor(demo, "contributor")
        fix = services.action_plan(
            actor=officer,
            nonconformity=nc,
            description="Switch off support-history search for the marketing assistant",
            owner=demo.user("contributor"),
            due_date=timezone.localdate() - timedelta(days=40),
        )
        services.action_complete(
            actor=contributor, action=fix, note="Search tool removed from the assistant's config."
        )
        services.action_verify(
            actor=officer,
            action=fix,
            note="Replayed the 200 logged prompts of the incident week and 300 cross-customer "
            "probes: no answer contained another customer's data.",
        )
        action = services.action_plan(
            actor=officer,
            nonconformity=nc,
            description="Filter retrieved records by customer before they reach the model",
            owner=demo.user("contributor"),
            due_date=timezone.localdate() + timedelta(days=10),
        )
        services.action_start(actor=contributor, action=action)
    title = "Share incident lessons learned at the monthly AI steering meeting"
    if not ImprovementEntry.objects.filter(title=title).exists():
        services.improvement_log(
            actor=officer,
            title=title,
            source="Lessons learned from the chat assistant incident",
            owner=demo.user("officer"),
            status="planned",
        )
