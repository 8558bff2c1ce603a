"""Reads of the risks app that are more than a filter."""

from __future__ import annotations

from collections.abc import Iterable
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
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractDay, Now
from django.utils import timezone

from assets.models import AI_TYPES, Asset, Lifecycle, Triage
from risks.ai_act import Tier
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
    TreatmentAction,
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


def with_overdue_actions(queryset: QuerySet[Risk], today: date | None = None) -> QuerySet[Risk]:
    """`overdue_actions`: treatment actions not done nor cancelled whose due date has passed."""
    today = today or timezone.localdate()
    overdue = (
        TreatmentAction.objects.filter(
            risk_id=OuterRef("pk"),
            status__in=[TreatmentAction.Status.PLANNED, TreatmentAction.Status.IN_PROGRESS],
            due_date__lt=today,
        )
        .order_by()
        .values("risk_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return queryset.annotate(
        overdue_actions=Coalesce(Subquery(overdue, output_field=IntegerField()), Value(0))
    )


def risks_for_list(
    criteria: RiskCriteria | None = None, columns: Iterable[str] | None = None
) -> QuerySet[Risk]:
    """Every risk with what lists show: owner, effective status, bands, overdue actions.
    One query. `columns` (the register's chosen columns) leaves out the owner's join when
    the owner is not shown."""
    criteria = criteria or criteria_get()
    risks = Risk.objects.all()
    if columns is None or "owner" in columns:
        risks = risks.select_related("owner")
    return with_overdue_actions(
        with_effective_status(
            risks.annotate(
                inherent_band=_band("inherent_score", criteria),
                residual_band=_band("residual_score", criteria),
            )
        )
    )


def risk_detail_queryset() -> QuerySet[Risk]:
    return with_overdue_actions(
        with_effective_status(
            Risk.objects.select_related("owner", "created_by", "plan_approved_by")
        )
    )


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


IMPACT_ASSESSMENT_VALIDITY = timedelta(days=365)


def change_request_checklist(
    change_request: AIChangeRequest, *, today: date | None = None
) -> Checklist:
    """The live checklist of the gate: the one place its rules are computed (≤8 queries).

    Evidence must be current: an impact assessment approved for this change or within its
    validity, a supplier not past its reassessment date, and risks whose treatment is achieved
    (actions complete) or whose current residual risk its owner accepted."""
    from risks.services.change import IMPACT_ASSESSED_TYPES

    criteria = criteria_get()
    today = today or timezone.localdate()
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
    current = approved[0] if approved else None
    if asset.asset_type in IMPACT_ASSESSED_TYPES:
        items.append(_impact_assessment_item(change_request, assessments, current, today))
    else:
        items.append(
            ChecklistItem(
                "impact_assessment",
                "AI impact assessment approved and current",
                NOT_APPLICABLE,
                f"Not required for a {asset.get_asset_type_display().lower()}.",
            )
        )
    prohibited = [a for a in assessments if a.risk_tier == Tier.PROHIBITED]
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
    items.append(_supplier_item(change_request.supplier_id, today))
    items.append(_risks_item(risks, criteria, today))
    if current is not None and current.risk_tier == Tier.HIGH:
        items.extend(_high_risk_items(change_request, current))
    return Checklist(items)


def _impact_assessment_item(
    change_request: AIChangeRequest,
    assessments: list[ImpactAssessment],
    current: ImpactAssessment | None,
    today: date,
) -> ChecklistItem:
    """Approved for this change, or approved within its validity (ISO/IEC 42001 6.1.4)."""
    label = "AI impact assessment approved and current"
    ids = [a.pk for a in assessments]
    if current is None:
        detail = "A draft is in progress." if assessments else "Not started."
        return ChecklistItem("impact_assessment", label, FAILED, detail, ids)
    tier = current.get_risk_tier_display()
    if current.change_request_id == change_request.pk:
        return ChecklistItem(
            "impact_assessment", label, PASSED, f"Approved for this change; risk tier {tier}.", ids
        )
    valid_until = (current.approved_at or current.created).date() + IMPACT_ASSESSMENT_VALIDITY
    if valid_until < today:
        return ChecklistItem(
            "impact_assessment",
            label,
            FAILED,
            f"The approved assessment is out of date (valid until {valid_until:%Y-%m-%d}): "
            "assess this change.",
            ids,
        )
    return ChecklistItem(
        "impact_assessment",
        label,
        PASSED,
        f"Approved; risk tier {tier}; valid until {valid_until:%Y-%m-%d}.",
        ids,
    )


def _supplier_item(supplier_id: int | None, today: date) -> ChecklistItem:
    """The supplier's latest approved assessment, and the supplier not past its reassessment
    date (ISO/IEC 27001:2022 5.19–5.22)."""
    label = "The supplier's assessment approved and current"
    if not supplier_id:
        return ChecklistItem("supplier_assessment", label, NOT_APPLICABLE, "No supplier.")
    from suppliers.models import Supplier, SupplierAssessment

    supplier = Supplier.objects.get(pk=supplier_id)
    approved = (
        SupplierAssessment.objects.filter(
            supplier_id=supplier_id, status=SupplierAssessment.Status.APPROVED
        )
        .order_by("-decided_at", "-pk")
        .first()
    )
    if approved is None:
        return ChecklistItem(
            "supplier_assessment", label, FAILED, f"No approved assessment of {supplier.name} yet."
        )
    due = supplier.next_reassessment_date
    if due is not None and due < today:
        return ChecklistItem(
            "supplier_assessment",
            label,
            FAILED,
            f"{supplier.name} was due for reassessment on {due:%Y-%m-%d}: reassess it first.",
            [approved.pk],
        )
    decided = f" on {approved.decided_at:%Y-%m-%d}" if approved.decided_at else ""
    until = f"; reassessment due {due:%Y-%m-%d}" if due else ""
    return ChecklistItem(
        "supplier_assessment", label, PASSED, f"Approved{decided}{until}.", [approved.pk]
    )


def risk_handling_problem(
    risk: Risk, actions: list, acceptance: RiskAcceptance | None, criteria: RiskCriteria
) -> str:
    """Why a risk does not count as handled for the gate ("" when it does).

    Achieved, not planned: a risk counts when its owner has accepted its current residual risk
    (not expired, at the score it has now), or when its treatment actions are complete; an
    action planned, in progress or overdue fails it. A risk within appetite with nothing
    planned needs nothing more.
    """
    if acceptance is not None and acceptance.covers(risk.current_score):
        return ""
    pending = [a for a in actions if a.is_open]
    if pending:
        action = next((a for a in pending if a.overdue), pending[0])
        if action.overdue:
            state = f"overdue since {action.due_date:%Y-%m-%d}"
        elif action.due_date:
            state = f"{action.get_status_display().lower()}, due {action.due_date:%Y-%m-%d}"
        else:
            state = action.get_status_display().lower()
        return (
            f"“{risk.title}”: the action “{action.description}” is {state}; complete it, or "
            "the risk owner accepts the current residual risk."
        )
    above = criteria.above_appetite(risk.inherent_score) or criteria.above_appetite(
        risk.residual_score
    )
    if not above:
        return ""
    done = [a for a in actions if a.status == TreatmentAction.Status.DONE]
    if (
        done
        and risk.treatment in ("mitigate", "transfer", "avoid")
        and not criteria.above_appetite(risk.current_score)
    ):
        return ""
    if acceptance is not None and acceptance.is_active:
        return (
            f"“{risk.title}”: accepted at score {acceptance.accepted_score}, it now scores "
            f"{risk.current_score}; its owner must accept the current residual risk."
        )
    if done:
        return (
            f"“{risk.title}” still scores {risk.current_score}, above the appetite of "
            f"{criteria.acceptance_threshold}: its owner must accept the residual risk."
        )
    return (
        f"“{risk.title}” is above the appetite and neither treated (no completed action) nor "
        "accepted by its owner."
    )


def _risks_item(risks: list[Risk], criteria: RiskCriteria, today: date) -> ChecklistItem:
    live = [r for r in risks if r.status != RiskStatus.CLOSED]
    ids = [r.pk for r in live]
    actions: dict[int, list[TreatmentAction]] = {}
    for action in TreatmentAction.objects.filter(risk_id__in=ids).order_by("due_date", "pk"):
        actions.setdefault(action.risk_id, []).append(action)
    accepted: dict[int, RiskAcceptance] = {
        a.risk_id: a
        for a in RiskAcceptance.objects.filter(
            risk_id__in=ids, status=RiskAcceptance.Status.APPROVED, expires_on__gte=today
        )
    }
    problems = []
    for risk in live:
        problem = risk_handling_problem(
            risk, actions.get(risk.pk, []), accepted.get(risk.pk), criteria
        )
        if problem:
            problems.append((risk, problem))
    return ChecklistItem(
        "risks_treated",
        "Every risk treated (actions complete) or its residual risk accepted by its owner",
        FAILED if problems else PASSED,
        " ".join(p for _, p in problems)
        if problems
        else f"{len(live)} linked risk(s): treatment achieved or residual risk accepted.",
        [r.pk for r, _ in problems],
    )


def _high_risk_items(
    change_request: AIChangeRequest, assessment: ImpactAssessment
) -> list[ChecklistItem]:
    """A high-risk system (EU AI Act Annex III) adds the deployer's evidence: named human
    oversight and the instructions for use (Art. 26), and a fundamental-rights impact
    assessment where Art. 27(1) requires one (decided by who deploys and the Annex III point,
    risks.ai_act.fria_required)."""
    items = [
        ChecklistItem(
            "human_oversight",
            "Named human oversight (EU AI Act Art. 26)",
            PASSED if change_request.oversight_person_id else FAILED,
            "Named on the request."
            if change_request.oversight_person_id
            else "Name the person who oversees it and may stop it.",
        ),
        ChecklistItem(
            "instructions_for_use",
            "Provider's instructions for use on file (EU AI Act Art. 26)",
            PASSED if change_request.instructions_for_use.strip() else FAILED,
            change_request.instructions_for_use.strip() or "Say where the instructions are filed.",
        ),
    ]
    if assessment.fria_required:
        items.append(
            ChecklistItem(
                "fria",
                "Fundamental-rights impact assessment (EU AI Act Art. 27)",
                PASSED if change_request.fria_reference.strip() else FAILED,
                change_request.fria_reference.strip()
                or "Required before first use (Art. 27(1)): say where it is filed.",
            )
        )
    else:
        items.append(
            ChecklistItem(
                "fria",
                "Fundamental-rights impact assessment (EU AI Act Art. 27)",
                NOT_APPLICABLE,
                "Not required for this deployer and Annex III point (Art. 27(1)).",
            )
        )
    return items


def change_requests_for_list() -> QuerySet[AIChangeRequest]:
    return AIChangeRequest.objects.select_related(
        "asset", "supplier", "requested_by", "approver", "decided_by"
    )


def compliance_debt() -> QuerySet[Asset]:
    """AI assets in pilot or production without an approved AI change request, or changed
    materially since (the gate reopened), oldest first, with `age_days` (days since the asset
    entered the register)."""
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
        .filter(Q(has_approved=False) | Q(change_required_since__isnull=False))
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


def linked_policies_for_rows(rows) -> dict[int, list[dict]]:
    """SoA row id → [{id, title}] of the policies that implement its control (one query)."""
    from policies.models import PolicyControl

    rows = [r for r in rows if r.control_id]
    by_control: dict[int, list[dict]] = {}
    links = (
        PolicyControl.objects.filter(control_id__in={r.control_id for r in rows})
        .order_by("policy__title")
        .values("control_id", "policy_id", "policy__title")
    )
    for link in links:
        by_control.setdefault(link["control_id"], []).append(
            {"id": link["policy_id"], "title": link["policy__title"]}
        )
    return {r.pk: by_control.get(r.control_id, []) for r in rows}


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
