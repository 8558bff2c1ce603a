"""The automated check types. Each reads the organisation in context with a fixed number of
queries (one for the first FAILING_LIMIT failing objects with their full count), whatever
its size and whether anything fails."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Window
from django.db.models.functions import Coalesce

from assets.models import AI_TYPES, Asset, Lifecycle, RiskTier, Triage
from monitoring.checks.registry import (
    FAILING_LIMIT,
    ISO27001,
    ISO42001,
    Failing,
    Outcome,
    check,
)

# Review intervals by EU AI Act risk tier (the defaults); the review schedules of
# monitoring.reviews supersede them where an asset has one.
REVIEW_DAYS = {RiskTier.HIGH: 91, RiskTier.LIMITED: 182}
DEFAULT_REVIEW_DAYS = 365
IMPACT_ASSESSMENT_MAX_AGE_DAYS = 365
ACKNOWLEDGEMENT_THRESHOLD = 90  # percent of the audience


def _count_outcome(
    queryset: QuerySet, kind: str, label_field: str, evidence: str, total: int | None = None
) -> Outcome:
    """Pass when nothing fails: value = failing count, threshold = 0.

    One query, whether anything fails or not: the first FAILING_LIMIT failing objects, each
    carrying the full count (a window over the whole set, computed before the LIMIT)."""
    rows = list(
        queryset.order_by("pk")
        .annotate(failing_total=Window(Count("pk")))
        .values_list("pk", label_field, "failing_total")[:FAILING_LIMIT]
    )
    failing_count = rows[0][2] if rows else 0
    failing = [Failing(kind, pk, str(label)) for pk, label, _ in rows]
    scope = f" of {total}" if total is not None else ""
    return Outcome(
        passed=failing_count == 0,
        value=float(failing_count),
        threshold=0.0,
        failing=failing,
        failing_count=failing_count,
        evidence=f"{evidence}: {failing_count}{scope} failing.",
    )


def _live_ai_assets() -> QuerySet[Asset]:
    return Asset.objects.filter(
        asset_type__in=AI_TYPES,
        triage_status__in=[Triage.NONE, Triage.ACCEPTED],
    ).exclude(lifecycle=Lifecycle.RETIRED)


def _deployed_ai_assets() -> QuerySet[Asset]:
    return _live_ai_assets().filter(lifecycle__in=[Lifecycle.PILOT, Lifecycle.PRODUCTION])


@check(
    "ai_assets_owned",
    title="AI assets have an owner",
    controls=[(ISO27001, "5.9"), (ISO42001, "A.4.2")],
    description=(
        "Every AI asset in the register (not retired) has one accountable owner who is still an "
        "active member able to own records; shadow-AI reports awaiting triage count as unowned."
    ),
)
def ai_assets_owned(today: date) -> Outcome:
    from isms.members import active_members

    owners = active_members().order_by().values("pk")
    queryset = Asset.objects.filter(
        asset_type__in=AI_TYPES, triage_status__in=[Triage.NONE, Triage.ACCEPTED, Triage.PENDING]
    ).exclude(lifecycle=Lifecycle.RETIRED)
    return _count_outcome(
        queryset.filter(
            Q(owner__isnull=True) | ~Q(owner_id__in=owners) | Q(triage_status=Triage.PENDING)
        ),
        "asset",
        "name",
        "AI assets (not retired) without an active accountable owner",
    )


@check(
    "ai_change_approved",
    title="Deployed AI assets have an approved change request",
    controls=[(ISO27001, "8.32"), (ISO42001, "A.6.2.5")],
    description="AI assets in pilot or production have an approved AI change request.",
)
def ai_change_approved(today: date) -> Outcome:
    from risks.models import AIChangeRequest

    approved = AIChangeRequest.objects.filter(
        asset_id=OuterRef("pk"), status=AIChangeRequest.Status.APPROVED
    )
    return _count_outcome(
        _deployed_ai_assets().filter(~Exists(approved)),
        "asset",
        "name",
        "AI assets in pilot or production without an approved change request",
    )


@check(
    "ai_reviews_on_time",
    title="AI systems reviewed on time",
    controls=[(ISO42001, "A.6.2.6"), (ISO27001, "5.22")],
    description=(
        "Deployed AI assets were reviewed within their interval: 3 months for high risk tier, "
        "6 for limited, 12 otherwise (counted from entry in the register if never reviewed)."
    ),
)
def ai_reviews_on_time(today: date) -> Outcome:
    def older_than(days: int) -> Q:
        return Q(reviewed__date__lt=today - timedelta(days=days))

    overdue = Q()
    for tier, days in REVIEW_DAYS.items():
        overdue |= Q(risk_tier=tier) & older_than(days)
    overdue |= ~Q(risk_tier__in=list(REVIEW_DAYS)) & older_than(DEFAULT_REVIEW_DAYS)
    queryset = (
        _deployed_ai_assets()
        .annotate(reviewed=Coalesce("last_reviewed_at", "created"))
        .filter(overdue)
    )
    return _count_outcome(queryset, "asset", "name", "Deployed AI assets past their review date")


@check(
    "impact_assessments_current",
    title="AI impact assessments current",
    controls=[(ISO42001, "A.5.2"), (ISO42001, "A.5.3")],
    description=(
        "Deployed AI assets have an approved impact assessment approved within the last year."
    ),
)
def impact_assessments_current(today: date) -> Outcome:
    from risks.models import ImpactAssessment

    current = ImpactAssessment.objects.filter(
        asset_id=OuterRef("pk"),
        status=ImpactAssessment.Status.APPROVED,
        approved_at__date__gte=today - timedelta(days=IMPACT_ASSESSMENT_MAX_AGE_DAYS),
    )
    return _count_outcome(
        _deployed_ai_assets().filter(~Exists(current)),
        "asset",
        "name",
        "Deployed AI assets without a current approved impact assessment",
    )


@check(
    "suppliers_assessed",
    title="Suppliers assessed within their interval",
    controls=[(ISO27001, "5.19"), (ISO27001, "5.22"), (ISO42001, "A.10.3")],
    description="Active suppliers have been assessed and their reassessment is not overdue.",
)
def suppliers_assessed(today: date) -> Outcome:
    from suppliers.models import Supplier

    queryset = Supplier.objects.filter(status=Supplier.Status.ACTIVE).filter(
        Q(last_assessed_on__isnull=True) | Q(next_reassessment_date__lt=today)
    )
    return _count_outcome(
        queryset, "supplier", "name", "Active suppliers never assessed or overdue for it"
    )


@check(
    "certificates_valid",
    title="Supplier certificates valid",
    controls=[(ISO27001, "5.19"), (ISO27001, "5.21")],
    description=(
        "No active supplier relies on an expired certificate: an expired certificate counts "
        "unless the supplier holds a valid one of the same type."
    ),
)
def certificates_valid(today: date) -> Outcome:
    from suppliers.models import Supplier, SupplierCertification

    renewed = SupplierCertification.objects.filter(
        supplier_id=OuterRef("supplier_id"), type=OuterRef("type"), valid_until__gte=today
    )
    queryset = SupplierCertification.objects.filter(
        supplier__status=Supplier.Status.ACTIVE, valid_until__lt=today
    ).filter(~Exists(renewed))
    return _count_outcome(
        queryset, "certification", "supplier__name", "Expired supplier certificates not renewed"
    )


@check(
    "ai_policy_acknowledged",
    title="AI policy published and acknowledged",
    controls=[(ISO27001, "5.10"), (ISO42001, "A.2.2")],
    description=(
        f"A published policy covers AI acceptable use and at least {ACKNOWLEDGEMENT_THRESHOLD}% "
        "of its audience has acknowledged the published version."
    ),
)
def ai_policy_acknowledged(today: date) -> Outcome:
    from policies.selectors import acknowledgement_status, ai_acceptable_use_version

    version = ai_acceptable_use_version()
    if version is None:
        return Outcome(
            passed=False,
            value=0.0,
            threshold=float(ACKNOWLEDGEMENT_THRESHOLD),
            evidence="No published policy covers AI acceptable use.",
        )
    status = acknowledgement_status(version)
    rate = status.rate
    passed = rate >= ACKNOWLEDGEMENT_THRESHOLD
    return Outcome(
        passed=passed,
        value=float(rate),
        threshold=float(ACKNOWLEDGEMENT_THRESHOLD),
        failing=[] if passed else [Failing("policy_version", version.pk, str(version.policy))],
        failing_count=0 if passed else 1,
        evidence=(
            f"{version.policy} v{version.number}: {status.acknowledged_count} of "
            f"{status.audience_count} members acknowledged ({rate}%)."
        ),
    )


@check(
    "acceptances_not_expired",
    title="Risk acceptances not expired",
    controls=[(ISO27001, "5.36")],
    description="No risk rests on an approved acceptance whose expiry date has passed.",
)
def acceptances_not_expired(today: date) -> Outcome:
    from risks.models import RiskAcceptance

    queryset = RiskAcceptance.objects.filter(
        status=RiskAcceptance.Status.APPROVED, expires_on__lt=today
    )
    return _count_outcome(queryset, "acceptance", "risk__title", "Risks accepted past expiry")


@check(
    "treatment_actions_on_time",
    title="Risk treatment actions on time",
    controls=[(ISO27001, "5.36")],
    description="No open risk treatment action is past its due date.",
)
def treatment_actions_on_time(today: date) -> Outcome:
    from risks.models import TreatmentAction

    queryset = TreatmentAction.objects.filter(
        status__in=[TreatmentAction.Status.PLANNED, TreatmentAction.Status.IN_PROGRESS],
        due_date__lt=today,
    )
    return _count_outcome(queryset, "treatment_action", "description", "Overdue treatment actions")


@check(
    "ai_metric_thresholds",
    title="AI metric thresholds respected",
    controls=[(ISO42001, "A.6.2.6"), (ISO27001, "8.16"), (ISO27001, "8.12")],
    description="The latest value of every AI metric with a threshold is within it.",
)
def ai_metric_thresholds(today: date) -> Outcome:
    from monitoring.checks.selectors import metric_breaches

    breaches, judged = metric_breaches()
    return Outcome(
        passed=not breaches,
        value=float(len(breaches)),
        threshold=0.0,
        failing=[
            Failing("asset", b["asset_id"], f"{b['asset_name']}: {b['metric']} = {b['value']:g}")
            for b in breaches[:FAILING_LIMIT]
        ],
        failing_count=len(breaches),
        evidence=f"{judged} metric thresholds judged on their latest value: "
        f"{len(breaches)} breached.",
    )


@check(
    "audit_chain_intact",
    title="Audit trail unaltered",
    controls=[(ISO27001, "8.15")],
    description=(
        "The organisation's audit trail still forms an unbroken SHA-256 chain: no event was "
        "changed, removed or slipped in after it was written, even by whoever runs the "
        "database (isms.audit_chain). Three queries whatever the trail's length; the time "
        "grows with it."
    ),
)
def audit_chain_intact(today: date) -> Outcome:
    from isms.audit_chain import verify_chain
    from isms.tenancy import current_organization_id

    result = verify_chain(current_organization_id())
    broken = result.broken
    failing = (
        [] if broken is None else [Failing("audit_event", broken.event_id or 0, broken.detail)]
    )
    return Outcome(
        passed=result.intact,
        value=float(len(failing)),
        threshold=0.0,
        failing=failing,
        failing_count=len(failing),
        evidence=f"{result.events_checked} audit events verified: "
        + ("every link holds." if broken is None else f"{broken.kind}: {broken.detail}"),
    )
