"""Point-in-time snapshots of the risk register and the risk treatment plan (ISO/IEC
27001:2022 8.2 and 8.3: retain documented information of the results), taken, approved and
rendered to PDF.

Workflow (isms.workflow): pending → approved | rejected. Whoever takes a snapshot (risks:manage,
a person) freezes the rows as they stand; someone else holding risks:approve decides on it —
the same people who approve SoA snapshots, never whoever took it (segregation of duties,
risks.access.RiskSnapshotPolicy). The database refuses any other change (risks 0005 trigger).
An approved snapshot's PDF is rendered by a Celery task (risks.tasks.render_risk_snapshot_pdf),
since a large register makes a long document.
"""

from __future__ import annotations

import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max, Prefetch
from django.template.loader import render_to_string
from django.utils import timezone

from isms import policy
from isms.access import Actor
from isms.errors import ErrorCode, TransitionRefused
from isms.models import Control
from isms.tenancy import current_organization_id
from isms.workflow import Transition, Workflow, transition
from risks.models import RiskSnapshot, TreatmentAction
from risks.models.change import HarmTo
from risks.models.register import (
    RiskCategory,
    RiskStatus,
    ScoreBand,
    SecurityProperty,
    TreatmentOption,
)

logger = logging.getLogger(__name__)

Kind = RiskSnapshot.Kind
St = RiskSnapshot.Status
SNAPSHOT = Workflow(
    RiskSnapshot,
    label="risks: risk register and treatment plan snapshots",
    transitions=[
        Transition(
            "approve", {St.PENDING}, St.APPROVED, "approved", stamp=("decided_by", "decided_at")
        ),
        Transition(
            "reject", {St.PENDING}, St.REJECTED, "rejected", stamp=("decided_by", "decided_at")
        ),
    ],
)

# --- What a snapshot freezes -----------------------------------------------------------------

# Codes are frozen (labels may be renamed); risks.diff and the pages show the labels.
LABELS = {
    "category": dict(RiskCategory.choices),
    "threatens": dict(SecurityProperty.choices),
    "harm_to": dict(HarmTo.choices),
    "treatment": dict(TreatmentOption.choices),
    "status": dict(RiskStatus.choices),
    "inherent_band": dict(ScoreBand.choices),
    "residual_band": dict(ScoreBand.choices),
}


def _risks():
    from risks.selectors import risks_for_list

    return (
        risks_for_list()
        .prefetch_related(
            Prefetch("controls", queryset=Control.objects.select_related("framework")),
            "assets",
            Prefetch("actions", queryset=TreatmentAction.objects.select_related("owner")),
        )
        .order_by("pk")
    )


def _score(likelihood, impact) -> str:
    return f"{likelihood}×{impact} = {likelihood * impact}" if likelihood is not None else ""


def register_rows() -> list[dict]:
    """The register as it stands (8.2): one row per risk, the closed ones included."""
    return [
        {
            "ref": f"R-{risk.pk}",
            "title": risk.title,
            "category": risk.category,
            "threatens": list(risk.threatens),
            "harm_to": list(risk.harm_to),
            "owner": risk.owner.email,
            "inherent": _score(risk.inherent_likelihood, risk.inherent_impact),
            "inherent_band": risk.inherent_band,
            "treatment": risk.treatment,
            "residual": _score(risk.residual_likelihood, risk.residual_impact),
            "residual_band": risk.residual_band,
            "status": risk.effective_status,
            "next_review_date": risk.next_review_date.isoformat() if risk.next_review_date else "",
            "assets": sorted(a.name for a in risk.assets.all()),
            "controls": sorted(f"{c.framework.code} {c.ref}" for c in risk.controls.all()),
        }
        for risk in _risks()
    ]


def _action(action: TreatmentAction) -> str:
    due = f", due {action.due_date.isoformat()}" if action.due_date else ""
    return f"{action.description} ({action.owner.email}{due}; {action.get_status_display()})"


def treatment_plan_rows() -> list[dict]:
    """The treatment plan (8.3, 6.1.3 e): every risk with a treatment option that is not
    closed — the option, the controls, the actions with owner, due date and status, and the
    residual risk aimed at."""
    return [
        {
            "ref": f"R-{risk.pk}",
            "title": risk.title,
            "owner": risk.owner.email,
            "treatment": risk.treatment,
            "inherent": _score(risk.inherent_likelihood, risk.inherent_impact),
            "residual": _score(risk.residual_likelihood, risk.residual_impact),
            "status": risk.effective_status,
            "controls": sorted(f"{c.framework.code} {c.ref}" for c in risk.controls.all()),
            "actions": [_action(a) for a in risk.actions.all()],
            "acceptance_expires_on": risk.acceptance_expires_on.isoformat()
            if risk.acceptance_expires_on
            else "",
        }
        for risk in _risks().exclude(treatment="").exclude(status=RiskStatus.CLOSED)
    ]


# The columns pages, exports and the PDF show, in order: (frozen key, label).
COLUMNS = {
    RiskSnapshot.Kind.REGISTER: [
        ("ref", "Ref"),
        ("title", "Risk"),
        ("category", "Category"),
        ("threatens", "Threatens"),
        ("harm_to", "AI harm to"),
        ("owner", "Risk owner"),
        ("inherent", "Inherent (L×I)"),
        ("inherent_band", "Inherent band"),
        ("treatment", "Treatment option"),
        ("residual", "Residual (L×I)"),
        ("residual_band", "Residual band"),
        ("status", "Status"),
        ("next_review_date", "Next review"),
        ("assets", "Assets"),
        ("controls", "Controls"),
    ],
    RiskSnapshot.Kind.TREATMENT_PLAN: [
        ("ref", "Ref"),
        ("title", "Risk"),
        ("owner", "Risk owner"),
        ("treatment", "Treatment option"),
        ("inherent", "Inherent (L×I)"),
        ("residual", "Residual aimed at (L×I)"),
        ("status", "Status"),
        ("controls", "Controls"),
        ("actions", "Actions (owner, due date; status)"),
        ("acceptance_expires_on", "Acceptance expires on"),
    ],
}


ROWS = {Kind.REGISTER: register_rows, Kind.TREATMENT_PLAN: treatment_plan_rows}


def diff_fields(kind: str) -> dict:
    from risks.diff import DiffField

    if kind == Kind.TREATMENT_PLAN:
        return {
            "title": DiffField("Title"),
            "owner": DiffField("Risk owner"),
            "treatment": DiffField("Treatment option", choices=LABELS["treatment"]),
            "inherent": DiffField("Inherent risk"),
            "residual": DiffField("Residual risk"),
            "status": DiffField("Status", choices=LABELS["status"]),
            "controls": DiffField("Controls", is_set=True),
            "actions": DiffField("Actions", is_set=True),
            "acceptance_expires_on": DiffField("Acceptance expires on"),
        }
    return {
        "title": DiffField("Title"),
        "category": DiffField("Category", choices=LABELS["category"]),
        "threatens": DiffField("Threatens", is_set=True, choices=LABELS["threatens"]),
        "harm_to": DiffField("AI harm to", is_set=True, choices=LABELS["harm_to"]),
        "owner": DiffField("Risk owner"),
        "inherent": DiffField("Inherent risk"),
        "inherent_band": DiffField("Inherent band", choices=LABELS["inherent_band"]),
        "treatment": DiffField("Treatment option", choices=LABELS["treatment"]),
        "residual": DiffField("Residual risk"),
        "residual_band": DiffField("Residual band", choices=LABELS["residual_band"]),
        "status": DiffField("Status", choices=LABELS["status"]),
        "next_review_date": DiffField("Next review"),
        "assets": DiffField("Assets", is_set=True),
        "controls": DiffField("Controls", is_set=True),
    }


def snapshot_diff(old: RiskSnapshot, new: RiskSnapshot) -> dict:
    """Added, removed and changed risks between two snapshots of one kind (risks.diff)."""
    from risks.diff import diff_rows

    return diff_rows(
        old.rows,
        new.rows,
        key="ref",
        name="title",
        fields=diff_fields(new.kind),
        sort_key=lambda ref: int(ref.removeprefix("R-")) if ref[2:].isdigit() else 0,
    )


# --- The workflow ----------------------------------------------------------------------------


@transaction.atomic
def snapshot_take(*, actor: Actor, kind: str, note: str = "") -> RiskSnapshot:
    """Freeze the register or the treatment plan as it stands now, for approval."""
    if kind not in Kind.values:
        from django.core.exceptions import ValidationError

        raise ValidationError({"kind": f"{kind!r} is not one of: {', '.join(Kind.values)}."})
    probe = RiskSnapshot(organization_id=current_organization_id(), kind=kind)
    policy.require(actor, "take", probe)
    # Numbers are per organisation and kind; a concurrent take loses on the unique constraint.
    number = (RiskSnapshot.objects.filter(kind=kind).aggregate(n=Max("number"))["n"] or 0) + 1
    from isms.writes import unique_or_conflict

    with unique_or_conflict(
        {
            "risksnapshot_unique_number": (
                None,
                "Another snapshot was taken at the same moment; reload and try again.",
            )
        }
    ):
        return RiskSnapshot.objects.create(
            organization_id=probe.organization_id,
            kind=kind,
            number=number,
            rows=ROWS[kind](),
            taken_by=actor.user,
            taken_at=timezone.now(),
            note=(note or "").strip(),
        )


def snapshot_approve(*, actor: Actor, snapshot: RiskSnapshot, note: str = "") -> RiskSnapshot:
    """Approve (risks:approve, not whoever took it); its PDF is then rendered in Celery."""

    def record(fresh: RiskSnapshot) -> list[str]:
        fresh.decision_note = (note or "").strip()
        return ["decision_note"]

    with transaction.atomic():
        snapshot = transition(SNAPSHOT, snapshot, "approve", actor=actor, reason=note, apply=record)
        organization_id, snapshot_id = snapshot.organization_id, snapshot.pk
        transaction.on_commit(lambda: queue_pdf(organization_id, snapshot_id))
    return snapshot


def snapshot_reject(*, actor: Actor, snapshot: RiskSnapshot, note: str) -> RiskSnapshot:
    """Reject with a reason (the rejected snapshot is kept, as a record that it was)."""
    note = (note or "").strip()
    if not note:
        from django.core.exceptions import ValidationError

        raise ValidationError({"note": "Say why the snapshot is rejected."})

    def record(fresh: RiskSnapshot) -> list[str]:
        fresh.decision_note = note
        return ["decision_note"]

    return transition(SNAPSHOT, snapshot, "reject", actor=actor, reason=note, apply=record)


def queue_pdf(organization_id: int, snapshot_id: int) -> None:
    """Ask a worker to render the PDF; a broker outage leaves the PDF to be asked for again
    (the snapshot page offers it), never the approval undone."""
    from risks.tasks import render_risk_snapshot_pdf

    try:
        render_risk_snapshot_pdf.delay(organization_id=organization_id, snapshot_id=snapshot_id)
    except Exception:
        logger.exception("Could not queue the PDF of risk snapshot %s", snapshot_id)


def snapshot_pdf_request(*, actor: Actor, snapshot: RiskSnapshot) -> None:
    """Queue the PDF again (an approved snapshot whose PDF is missing)."""
    policy.require(actor, "take", snapshot)
    if snapshot.status != St.APPROVED:
        raise TransitionRefused(
            "Only an approved snapshot is rendered as a PDF.", code=ErrorCode.INVALID_TRANSITION
        )
    if not snapshot.pdf:
        organization_id, snapshot_id = snapshot.organization_id, snapshot.pk
        transaction.on_commit(lambda: queue_pdf(organization_id, snapshot_id))


def snapshot_render_pdf(*, snapshot_id: int) -> RiskSnapshot:
    """Render an approved snapshot to PDF (WeasyPrint) and attach it, once (the trigger
    allows the PDF column to be filled once and never changed)."""
    from weasyprint import HTML

    from isms.models import Organization

    snapshot = RiskSnapshot.objects.select_related("taken_by", "decided_by").get(pk=snapshot_id)
    if snapshot.pdf or snapshot.status != St.APPROVED:
        return snapshot
    organization = Organization.objects.get(pk=snapshot.organization_id)
    html = render_to_string(
        "risks/risk_snapshot_pdf.html",
        {
            "snapshot": snapshot,
            "organization": organization,
            "rows": labelled_rows(snapshot),
            "columns": COLUMNS[snapshot.kind],
        },
    )
    content = HTML(string=html).write_pdf()
    with transaction.atomic():
        snapshot.pdf.save(
            f"{snapshot.kind}-{snapshot.number}.pdf", ContentFile(content), save=False
        )
        RiskSnapshot.objects.filter(pk=snapshot.pk, pdf="").update(pdf=snapshot.pdf.name)
    return snapshot


def labelled_rows(snapshot: RiskSnapshot) -> list[dict]:
    """The frozen rows with codes shown as labels and lists joined, for pages and PDFs."""
    out = []
    for row in snapshot.rows:
        shown = {}
        for key, value in row.items():
            labels = LABELS.get(key, {})
            if isinstance(value, list):
                shown[key] = "; ".join(labels.get(v, v) for v in value)
            else:
                shown[key] = labels.get(value, value) if isinstance(value, str) else value
        out.append(shown)
    return out
