"""The AI-system review checklist (ISO/IEC 42001 9.1, 9.3 and A.6.2.6; ISO/IEC 27001 9.1):
the items, and the answers the registers already know.

Each item is answered yes / no / n.a. with a note. Where Guardrail's own data answers the
question, the review starts with that answer and says where it comes from; the reviewer
confirms or corrects it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

YES, NO, NA = "yes", "no", "na"
ANSWERS = {YES: "Yes", NO: "No", NA: "Not applicable"}


@dataclass(frozen=True)
class Item:
    key: str
    question: str


ITEMS: tuple[Item, ...] = (
    Item("purpose_unchanged", "Is the intended purpose unchanged since the last review?"),
    Item("model_version_unchanged", "Is the model and its version unchanged?"),
    Item("data_used", "Is the data going in still what the register records?"),
    Item("supplier_assessment_current", "Is the supplier's assessment current?"),
    Item("certificates_current", "Are the supplier's certificates valid?"),
    Item("evaluations_passed", "Did the latest bias and performance evaluations pass?"),
    Item("no_incidents_or_drift", "Free of incidents and drift since the last review?"),
    Item("human_oversight_working", "Is the human oversight working as designed?"),
    Item("transparency_notice_live", "Is the transparency notice live for affected people?"),
    Item("impact_assessment_valid", "Is the AI impact assessment still valid?"),
    Item("linked_risks_reviewed", "Have the linked risks been reviewed on time?"),
)
ITEM_KEYS = tuple(i.key for i in ITEMS)


def _fmt(day: date | None) -> str:
    return day.strftime("%d %b %Y") if day else "never"


def snapshot_of(asset) -> dict:
    return {
        "intended_purpose": asset.intended_purpose,
        "model_provider": asset.model_provider,
        "model_version": asset.model_version,
        "data_categories": list(asset.data_categories),
    }


def prefill(asset, previous_snapshot: dict | None, previous_on: date | None) -> dict:
    """{item: {"answer", "note", "computed", "source"}} from the registers (a few queries)."""
    from assets.models import HumanOversight
    from assets.models import ResponsibleAIEvaluation as Evaluation
    from risks.models import ImpactAssessment, Risk
    from suppliers.models import Supplier, SupplierAssessment, SupplierCertification

    today = timezone.localdate()
    found: dict[str, tuple[str, str]] = {}

    if previous_snapshot is not None:
        same = previous_snapshot.get("intended_purpose") == asset.intended_purpose
        found["purpose_unchanged"] = (
            YES if same else NO,
            f"Compared with the review of {_fmt(previous_on)}"
            + ("" if same else f": it was “{previous_snapshot.get('intended_purpose')}”"),
        )
        before = (previous_snapshot.get("model_provider"), previous_snapshot.get("model_version"))
        now = (asset.model_provider, asset.model_version)
        found["model_version_unchanged"] = (
            YES if before == now else NO,
            f"Register: {' '.join(filter(None, now)) or 'not recorded'}; at the review of "
            f"{_fmt(previous_on)}: {' '.join(filter(None, before)) or 'not recorded'}",
        )
    else:
        found["purpose_unchanged"] = ("", "First review: check the purpose in the register.")
        found["model_version_unchanged"] = (
            "",
            "First review. Register: "
            + (" ".join(filter(None, (asset.model_provider, asset.model_version))) or "no model"),
        )
    found["data_used"] = (
        "",
        "Register: " + (", ".join(asset.data_category_labels) or "no data categories recorded"),
    )

    if asset.supplier_id is None:
        found["supplier_assessment_current"] = (NA, "No supplier in the register.")
        found["certificates_current"] = (NA, "No supplier in the register.")
    else:
        supplier = Supplier.objects.get(pk=asset.supplier_id)
        latest = (
            SupplierAssessment.objects.filter(
                supplier_id=supplier.pk, status=SupplierAssessment.Status.APPROVED
            )
            .order_by("-decided_at", "-id")
            .first()
        )
        overdue = supplier.next_reassessment_date and supplier.next_reassessment_date < today
        if latest is None:
            found["supplier_assessment_current"] = (
                NO,
                f"{supplier.name} has no approved assessment.",
            )
        elif overdue:
            found["supplier_assessment_current"] = (
                NO,
                f"{supplier.name}: reassessment was due on "
                f"{_fmt(supplier.next_reassessment_date)}.",
            )
        else:
            found["supplier_assessment_current"] = (
                YES,
                f"{supplier.name}: assessment approved "
                f"{_fmt(latest.decided_at and latest.decided_at.date())}, "
                f"next due {_fmt(supplier.next_reassessment_date)}.",
            )
        certs = list(SupplierCertification.objects.filter(supplier_id=supplier.pk))
        latest_by_type: dict[tuple, date] = {}
        for c in certs:
            k = (c.type, c.other_name)
            latest_by_type[k] = max(latest_by_type.get(k, c.valid_until), c.valid_until)
        expired = [k for k, until in latest_by_type.items() if until < today]
        if not certs:
            found["certificates_current"] = (NO, f"{supplier.name}: no certificates recorded.")
        elif expired:
            found["certificates_current"] = (
                NO,
                f"{supplier.name}: {len(expired)} certificate(s) expired.",
            )
        else:
            soonest = min(latest_by_type.values())
            found["certificates_current"] = (
                YES,
                f"{supplier.name}: {len(latest_by_type)} valid, the first expires {_fmt(soonest)}.",
            )

    latest_eval: dict[str, Evaluation] = {}
    for evaluation in Evaluation.objects.filter(asset_id=asset.pk).order_by("-performed_on", "-id"):
        latest_eval.setdefault(evaluation.kind, evaluation)
    if not latest_eval:
        found["evaluations_passed"] = (NO, "No responsible-AI evaluation recorded.")
    else:
        failed = [e for e in latest_eval.values() if not e.passed]
        found["evaluations_passed"] = (
            NO if failed else YES,
            "; ".join(
                f"{e.get_kind_display()} {_fmt(e.performed_on)}: "
                + ("passed" if e.passed else "failed")
                for e in latest_eval.values()
            ),
        )
    found["no_incidents_or_drift"] = (
        "",
        f"Check incidents and monitoring since the review of {_fmt(previous_on)}."
        if previous_on
        else "First review: check incidents and monitoring since it went live.",
    )
    if asset.human_oversight == HumanOversight.NONE:
        found["human_oversight_working"] = (NO, "Register: no human oversight.")
    elif asset.human_oversight:
        found["human_oversight_working"] = (
            "",
            f"Register: {asset.get_human_oversight_display()}; confirm it works in practice.",
        )
    else:
        found["human_oversight_working"] = (NO, "Register: human oversight not recorded.")
    if asset.transparency_notice_url or asset.transparency_notice_text:
        found["transparency_notice_live"] = (
            YES,
            f"Register: {asset.transparency_notice_url or 'notice text recorded'}",
        )
    elif asset.customer_facing:
        found["transparency_notice_live"] = (NO, "Customer-facing, but no notice recorded.")
    else:
        found["transparency_notice_live"] = (NA, "Not customer-facing; no notice recorded.")
    approved = (
        ImpactAssessment.objects.filter(asset_id=asset.pk, status=ImpactAssessment.Status.APPROVED)
        .order_by("-approved_at")
        .first()
    )
    if approved is None:
        found["impact_assessment_valid"] = (NO, "No approved AI impact assessment.")
    else:
        found["impact_assessment_valid"] = (
            YES,
            f"Approved {_fmt(approved.approved_at and approved.approved_at.date())}, "
            f"risk tier {approved.get_risk_tier_display()}.",
        )
    risks = list(
        Risk.objects.filter(asset_links__asset_id=asset.pk).values_list("title", "next_review_date")
    )
    if not risks:
        found["linked_risks_reviewed"] = (NA, "No risks linked to this asset.")
    else:
        late = [t for t, d in risks if d is not None and d < today]
        found["linked_risks_reviewed"] = (
            NO if late else YES,
            f"{len(risks)} linked risk(s)"
            + (f"; review overdue: {', '.join(late)}" if late else ", none overdue."),
        )
    return {
        key: {
            "answer": found[key][0],
            "note": "",
            "computed": found[key][0],
            "source": found[key][1],
        }
        for key in ITEM_KEYS
    }
