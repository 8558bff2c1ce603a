"""Reads of the risks app that are more than a filter."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import (
    Case,
    CharField,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import ExtractDay, Now
from django.utils import timezone

from assets.models import AI_TYPES, Asset, Lifecycle, Triage
from risks.models import (
    AIChangeRequest,
    ImpactAssessment,
    Risk,
    RiskAcceptance,
    RiskControl,
    RiskCriteria,
    RiskStatus,
    SoARow,
    SoARowRisk,
    StatementOfApplicability,
)
from risks.models.soa import ImplementationStatus, InclusionReason
from risks.services.register import criteria_get

EXPIRING_DAYS = 30


# --- Risks -----------------------------------------------------------------------------------


def _active_acceptance(today: date) -> QuerySet[RiskAcceptance]:
    return RiskAcceptance.objects.filter(
        risk_id=OuterRef("pk"), status=RiskAcceptance.Status.APPROVED, expires_on__gte=today
    )


def _band(score_field: str, criteria: RiskCriteria) -> Case:
    return Case(
        When(**{f"{score_field}__isnull": True}, then=Value("")),
        When(**{f"{score_field}__gte": criteria.critical_from}, then=Value("critical")),
        When(**{f"{score_field}__gte": criteria.high_from}, then=Value("high")),
        When(**{f"{score_field}__gte": criteria.medium_from}, then=Value("medium")),
        default=Value("low"),
        output_field=CharField(),
    )


def with_effective_status(queryset: QuerySet[Risk], today: date | None = None) -> QuerySet[Risk]:
    """`effective_status`: an `accepted` risk whose acceptance has lapsed reads `open` even
    before the expiry sweep has run; `acceptance_expires_on`: the live acceptance's date."""
    today = today or timezone.localdate()
    active = _active_acceptance(today)
    return queryset.annotate(
        has_active_acceptance=Exists(active),
        acceptance_expires_on=Subquery(active.values("expires_on")[:1]),
    ).annotate(
        effective_status=Case(
            When(
                Q(status=RiskStatus.ACCEPTED) & Q(has_active_acceptance=False), then=Value("open")
            ),
            default=F("status"),
            output_field=CharField(),
        )
    )


def risks_for_list(criteria: RiskCriteria | None = None) -> QuerySet[Risk]:
    """Every risk with what lists show: owner, effective status, bands. One query."""
    criteria = criteria or criteria_get()
    return with_effective_status(
        Risk.objects.select_related("owner").annotate(
            inherent_band=_band("inherent_score", criteria),
            residual_band=_band("residual_score", criteria),
        )
    )


def risk_detail_queryset() -> QuerySet[Risk]:
    return with_effective_status(Risk.objects.select_related("owner", "created_by"))


@dataclass
class HeatCell:
    likelihood: int
    impact: int
    count: int
    band: str
    score: int


@dataclass
class HeatMap:
    kind: str  # "inherent" or "residual"
    likelihood_labels: list[str]
    impact_labels: list[str]
    rows: list[list[HeatCell]]  # highest likelihood first
    total: int


def heat_map(queryset: QuerySet[Risk], criteria: RiskCriteria, kind: str) -> HeatMap:
    """Counts per likelihood × impact cell of the (already filtered) risks. One query."""
    lf, imf = f"{kind}_likelihood", f"{kind}_impact"
    counts = {
        (row[lf], row[imf]): row["n"]
        for row in queryset.order_by()
        .filter(**{f"{lf}__isnull": False})
        .values(lf, imf)
        .annotate(n=Count("pk"))
    }
    rows = []
    for likelihood in range(criteria.likelihood_levels, 0, -1):
        rows.append(
            [
                HeatCell(
                    likelihood,
                    impact,
                    counts.get((likelihood, impact), 0),
                    criteria.band(likelihood * impact),
                    likelihood * impact,
                )
                for impact in range(1, criteria.impact_levels + 1)
            ]
        )
    return HeatMap(
        kind, criteria.likelihood_labels, criteria.impact_labels, rows, sum(counts.values())
    )


def acceptance_list() -> QuerySet[RiskAcceptance]:
    return RiskAcceptance.objects.select_related("risk", "requested_by", "decided_by")


# --- The AI change gate ----------------------------------------------------------------------

PASSED, FAILED, NOT_APPLICABLE = "passed", "failed", "not_applicable"


@dataclass
class ChecklistItem:
    key: str
    label: str
    status: str
    detail: str = ""
    object_ids: list[int] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.status != FAILED


@dataclass
class Checklist:
    items: list[ChecklistItem]

    @property
    def failing(self) -> list[ChecklistItem]:
        return [i for i in self.items if not i.passed]

    @property
    def ready(self) -> bool:
        return not self.failing

    @property
    def blocked(self) -> bool:
        return any(i.key == "no_prohibited_practice" and not i.passed for i in self.items)


def change_request_checklist(change_request: AIChangeRequest) -> Checklist:
    """The live checklist of the gate: the one place its rules are computed (≤5 queries)."""
    from risks.services.change import IMPACT_ASSESSED_TYPES

    criteria = criteria_get()
    asset = Asset.objects.get(pk=change_request.asset_id)
    risks = list(
        with_effective_status(Risk.objects.filter(asset_links__asset_id=asset.pk)).order_by("pk")
    )
    items: list[ChecklistItem] = []

    assessed = [r for r in risks if r.is_assessed]
    items.append(
        ChecklistItem(
            "risk_assessed",
            "At least one risk identified and assessed",
            PASSED if assessed else FAILED,
            f"{len(assessed)} of {len(risks)} linked risk(s) assessed"
            if risks
            else f"No risk is linked to {asset.name} yet.",
            [r.pk for r in risks],
        )
    )

    assessments = list(
        ImpactAssessment.objects.filter(asset_id=asset.pk)
        .exclude(status=ImpactAssessment.Status.SUPERSEDED)
        .order_by("-created", "-pk")
    )
    approved = [a for a in assessments if a.status == ImpactAssessment.Status.APPROVED]
    if asset.asset_type in IMPACT_ASSESSED_TYPES:
        items.append(
            ChecklistItem(
                "impact_assessment",
                "AI impact assessment approved",
                PASSED if approved else FAILED,
                f"Approved; risk tier {approved[0].get_risk_tier_display()}"
                if approved
                else ("A draft is in progress." if assessments else "Not started."),
                [a.pk for a in assessments],
            )
        )
    else:
        items.append(
            ChecklistItem(
                "impact_assessment",
                "AI impact assessment approved",
                NOT_APPLICABLE,
                f"Not required for a {asset.get_asset_type_display().lower()}.",
            )
        )
    prohibited = [a for a in assessments if a.prohibited_practices]
    items.append(
        ChecklistItem(
            "no_prohibited_practice",
            "No prohibited practice (EU AI Act Art. 5)",
            FAILED if prohibited else PASSED,
            "The impact assessment found a prohibited practice: the change is blocked."
            if prohibited
            else "None found.",
            [a.pk for a in prohibited],
        )
    )

    supplier_id = change_request.supplier_id
    if supplier_id:
        from suppliers.models import SupplierAssessment

        approved_assessment = (
            SupplierAssessment.objects.filter(
                supplier_id=supplier_id, status=SupplierAssessment.Status.APPROVED
            )
            .order_by("-decided_at", "-pk")
            .first()
        )
        items.append(
            ChecklistItem(
                "supplier_assessment",
                "The supplier's assessment approved",
                PASSED if approved_assessment else FAILED,
                f"Approved on {approved_assessment.decided_at:%Y-%m-%d}"
                if approved_assessment and approved_assessment.decided_at
                else "No approved assessment of the supplier yet.",
                [approved_assessment.pk] if approved_assessment else [],
            )
        )
    else:
        items.append(
            ChecklistItem(
                "supplier_assessment",
                "The supplier's assessment approved",
                NOT_APPLICABLE,
                "No supplier.",
            )
        )

    unhandled = []
    above = 0
    for risk in risks:
        if risk.status == RiskStatus.CLOSED:
            continue
        if not (
            criteria.above_appetite(risk.inherent_score)
            or criteria.above_appetite(risk.residual_score)
        ):
            continue
        above += 1
        accepted = risk.effective_status == RiskStatus.ACCEPTED
        treated = (
            risk.treatment in ("mitigate", "transfer", "avoid")
            and risk.residual_score is not None
            and not criteria.above_appetite(risk.residual_score)
        )
        if not (accepted or treated):
            unhandled.append(risk)
    items.append(
        ChecklistItem(
            "risks_within_appetite",
            "Every risk above appetite treated or accepted",
            FAILED if unhandled else PASSED,
            (
                f"{len(unhandled)} risk(s) above appetite are neither treated to within it nor "
                f"accepted: {', '.join(r.title for r in unhandled)}"
            )
            if unhandled
            else f"{above} risk(s) above appetite, all handled.",
            [r.pk for r in unhandled],
        )
    )
    return Checklist(items)


def change_requests_for_list() -> QuerySet[AIChangeRequest]:
    return AIChangeRequest.objects.select_related(
        "asset", "supplier", "requested_by", "approver", "decided_by"
    )


def compliance_debt() -> QuerySet[Asset]:
    """AI assets in pilot or production without an approved AI change request, oldest first,
    with `age_days` (days since the asset entered the register)."""
    approved = AIChangeRequest.objects.filter(
        asset_id=OuterRef("pk"), status=AIChangeRequest.Status.APPROVED
    )
    open_request = AIChangeRequest.objects.filter(
        asset_id=OuterRef("pk"), status=AIChangeRequest.Status.SUBMITTED
    )
    return (
        Asset.objects.filter(
            asset_type__in=AI_TYPES,
            lifecycle__in=[Lifecycle.PILOT, Lifecycle.PRODUCTION],
            triage_status__in=[Triage.NONE, Triage.ACCEPTED],
        )
        .annotate(has_approved=Exists(approved))
        .filter(has_approved=False)
        .annotate(
            open_change_request=Subquery(open_request.values("pk")[:1]),
            age_days=ExtractDay(
                ExpressionWrapper(Now() - F("created"), output_field=DurationField())
            ),
        )
        .select_related("owner")
        .order_by("created", "pk")
    )


# --- SoA -------------------------------------------------------------------------------------


def linked_risks_by_control(control_ids) -> dict[int, list[dict]]:
    """control id → [{id, title, status, score}] of the risks that name it. One query."""
    result: dict[int, list[dict]] = {}
    for row in (
        RiskControl.objects.filter(control_id__in=list(control_ids))
        .order_by("risk_id")
        .values(
            "control_id",
            "risk_id",
            "risk__title",
            "risk__status",
            "risk__residual_score",
            "risk__inherent_score",
        )
    ):
        result.setdefault(row["control_id"], []).append(
            {
                "id": row["risk_id"],
                "title": row["risk__title"],
                "status": row["risk__status"],
                "score": row["risk__residual_score"] or row["risk__inherent_score"],
            }
        )
    return result


def linked_risks_for_rows(rows) -> dict[int, list[dict]]:
    """SoA row id → [{id, title, status, score}] of its linked risks: the risks naming a
    library control, or those linked to an own control's row. Two queries."""
    rows = list(rows)
    by_control = linked_risks_by_control([r.control_id for r in rows if r.control_id])
    result = {r.pk: by_control.get(r.control_id, []) for r in rows if r.control_id}
    own = [r.pk for r in rows if not r.control_id]
    for pk in own:
        result[pk] = []
    if own:
        for link in (
            SoARowRisk.objects.filter(row_id__in=own)
            .order_by("risk_id")
            .values(
                "row_id",
                "risk_id",
                "risk__title",
                "risk__status",
                "risk__residual_score",
                "risk__inherent_score",
            )
        ):
            result[link["row_id"]].append(
                {
                    "id": link["risk_id"],
                    "title": link["risk__title"],
                    "status": link["risk__status"],
                    "score": link["risk__residual_score"] or link["risk__inherent_score"],
                }
            )
    return result


def soa_rows(soa: StatementOfApplicability | None = None) -> QuerySet[SoARow]:
    """SoA rows with the control, owner, the linked risks' ids and `is_stale` (linked risks
    changed after the last approval). Own controls come after the library's."""
    queryset = SoARow.objects.select_related("control", "control__framework", "owner", "soa")
    if soa is not None:
        queryset = queryset.filter(soa=soa)
    linked = (
        RiskControl.objects.filter(control_id=OuterRef("control_id"))
        .order_by("risk_id")
        .values("risk_id")
    )
    own_linked = (
        SoARowRisk.objects.filter(row_id=OuterRef("pk")).order_by("risk_id").values("risk_id")
    )
    # An own control's row goes stale when one of its linked risks changed after approval.
    own_changed = SoARowRisk.objects.filter(
        row_id=OuterRef("pk"), risk__updated__gt=OuterRef("soa__last_approved_at")
    )
    return queryset.annotate(
        linked_risk_ids=Case(
            When(control__isnull=True, then=ArraySubquery(own_linked)),
            default=ArraySubquery(linked),
        ),
        is_stale=Case(
            When(
                Q(soa__last_approved_at__isnull=False)
                & (
                    Q(risks_changed_at__gt=F("soa__last_approved_at"))
                    | Q(Exists(own_changed), control__isnull=True)
                ),
                then=Value(True),
            ),
            default=Value(False),
        ),
    ).order_by(F("control__sort_key").asc(nulls_last=True), "own_ref", "pk")


def ref_order(ref: str) -> list[str]:
    """Control references in numeric order (5.2 before 5.10)."""
    return [p.zfill(3) for p in str(ref).split(".")]


def soa_diff_fields() -> dict:
    from risks.diff import DiffField

    return {
        "title": DiffField("Title"),
        "source": DiffField("Source"),
        "applicable": DiffField("Applicable"),
        "inclusion_reasons": DiffField(
            "Reasons for inclusion", is_set=True, choices=dict(InclusionReason.choices)
        ),
        "justification": DiffField("Justification"),
        "implementation_status": DiffField(
            "Implementation status", choices=dict(ImplementationStatus.choices)
        ),
        "target_date": DiffField("Target date"),
        "owner": DiffField("Owner"),
        "linked_risks": DiffField("Linked risks", is_set=True),
        "evidence": DiffField("Evidence"),
        "evidence_links": DiffField("Evidence links", is_set=True),
    }


def snapshot_diff(old_rows: list[dict], new_rows: list[dict]) -> dict:
    """What changed between two SoA snapshots' rows, by control ref (risks.diff: sets as
    sets, labels not field names)."""
    from risks.diff import diff_rows

    return diff_rows(
        old_rows, new_rows, key="ref", name="title", fields=soa_diff_fields(), sort_key=ref_order
    )


def expiring_soon_cutoff() -> date:
    return timezone.localdate() + timedelta(days=EXPIRING_DAYS)


def supplier_gaps() -> QuerySet:
    """Gaps in supplier assessments that have been answered, with the risk made of each.

    Read by the risk register ("create risk from gap"); suppliers sits below risks, so the
    list lives here rather than on the supplier pages.
    """
    from suppliers.models import SupplierAnswer, SupplierAssessment

    answered = [
        SupplierAssessment.Status.SUBMITTED,
        SupplierAssessment.Status.UNDER_REVIEW,
        SupplierAssessment.Status.APPROVED,
    ]
    return (
        SupplierAnswer.objects.filter(is_gap=True, assessment__status__in=answered)
        .select_related("question", "assessment__supplier")
        .annotate(risk_id=Subquery(Risk.objects.filter(source_gap=OuterRef("pk")).values("pk")[:1]))
        .order_by("assessment__supplier__name", "question__pk")
    )
