"""Demo context, scope and objectives (idempotent): a scope prepared by the officer and
approved by the admin (segregation of duties), issues including AI-specific ones, interested
parties, and two objectives with a few measurements each."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from monitoring.context import services
from monitoring.context.models import ContextIssue, Objective, ScopeStatement
from monitoring.incidents.demo import _actor

ISSUES = [
    (
        "external",
        "regulation",
        "EU AI Act obligations phase in",
        "Our hiring assistant may be high-risk; transparency duties apply to the chat.",
        "AI impact assessments and the risk register track each obligation.",
    ),
    (
        "external",
        "public_expectations",
        "Customers expect to know when they talk to an AI",
        "Complaints after a chat answer that read like a person's promise.",
        "Disclosure in every assistant; public concern form.",
    ),
    (
        "external",
        "model_suppliers",
        "Dependence on one foundation-model provider",
        "Price, terms or availability changes of the model supplier hit three products.",
        "Supplier assessment, exit plan and a second model evaluated yearly.",
    ),
    (
        "internal",
        "organisation",
        "Small security team, fast product growth",
        "Two people cover security and AI governance for forty engineers.",
        "Risk owners in each product team; quarterly internal audit.",
    ),
]

PARTIES = [
    (
        "Enterprise customers",
        "Evidence of ISO 27001 certification and ISO 42001 alignment; breach notice in 24 h.",
        True,
        "Certification programme; incident clock in the incident register.",
    ),
    (
        "Data protection authority",
        "GDPR compliance, notification of personal-data breaches within 72 hours.",
        True,
        "Incident reporting clocks and data protection assessments.",
    ),
    (
        "Foundation-model supplier",
        "Acceptable-use terms; no misuse of their API.",
        True,
        "AI acceptable use policy and supplier contract clauses.",
    ),
    (
        "Investors",
        "Growth figures and financial reporting.",
        False,
        "Outside the ISMS: handled by finance.",
    ),
]


def load(demo) -> None:
    if ContextIssue.objects.exists() or ScopeStatement.objects.exists():
        return
    officer = _actor(demo, "officer")
    for kind, topic, title, description, response in ISSUES:
        services.issue_create(
            actor=officer,
            kind=kind,
            topic=topic,
            title=title,
            description=description,
            response=response,
        )
    for name, requirements, addressed, how in PARTIES:
        services.party_create(
            actor=officer,
            name=name,
            requirements=requirements,
            addressed=addressed,
            how_addressed=how,
        )
    scope = services.scope_draft(
        actor=officer,
        statement="The development, operation and support of Demo Corp's SaaS products and "
        "their AI assistants, run from the Berlin office and the cloud.",
        boundaries="Berlin office; production on the EU cloud region; the products Helpdesk, "
        "Hire and the marketing chat assistant, and the models they use.",
        interfaces="The cloud provider (infrastructure), the foundation-model supplier (model "
        "API), the group's payroll service.",
        exclusions="The group's finance systems, run by the parent company under its own controls.",
    )
    scope = services.scope_submit(actor=officer, scope=scope)
    services.scope_approve(actor=_actor(demo, "admin"), scope=scope)
    _objectives(demo, officer)


def _objectives(demo, officer) -> None:
    if Objective.objects.exists():
        return
    today = timezone.localdate()
    owner = demo.user("contributor")
    patching = services.objective_create(
        actor=officer,
        owner=owner,
        title="Patch critical vulnerabilities quickly",
        measure="Median days from a critical finding to its fix in production.",
        direction="at_most",
        target=Decimal("7"),
        unit="days",
        due_date=today + timedelta(days=120),
        clauses="ISO 27001 6.2; ISO 27001 8.8",
        measure_every_days=30,
    )
    for days_ago, value, note in [(90, "14", ""), (60, "10", "New scanner"), (30, "6", "")]:
        services.measurement_record(
            actor=officer,
            objective=patching,
            measured_on=today - timedelta(days=days_ago),
            value=Decimal(value),
            note=note,
        )
    assessed = services.objective_create(
        actor=officer,
        owner=demo.user("officer"),
        title="Every AI system has an approved impact assessment",
        measure="Share of AI systems in production with an approved impact assessment.",
        direction="at_least",
        target=Decimal("100"),
        unit="%",
        due_date=today + timedelta(days=60),
        clauses="ISO 42001 6.2; ISO 42001 A.5",
        measure_every_days=30,
    )
    for days_ago, value in [(45, "50"), (15, "75")]:
        services.measurement_record(
            actor=officer,
            objective=assessed,
            measured_on=today - timedelta(days=days_ago),
            value=Decimal(value),
        )
