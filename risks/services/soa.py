"""Writes to the Statement of Applicability: rows, submission and approval (an immutable
numbered snapshot), and the stale mark a row gets when its linked risks change.

The SoA workflow (isms.workflow): draft → submitted (whoever prepared it submits it) →
approved (someone else with risks:approve: segregation of duties, risks.access). Editing a row
of a submitted or approved SoA returns it to draft, so what is approved is what was submitted.
SoAs and their rows are created with the organisation and when the control library grows
(risks.services.setup), never on a read.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from isms import policy
from isms.access import Actor
from isms.errors import Conflict, ErrorCode
from isms.models import Framework
from isms.workflow import Transition, Workflow, lock, transition
from isms.writes import model_update
from risks.models import SoARow, SoASnapshot, StatementOfApplicability
from risks.models.soa import ImplementationStatus, InclusionReason

from .common import member

S = StatementOfApplicability.Status
SOA = Workflow(
    StatementOfApplicability,
    label="risks: Statement of Applicability",
    transitions=[
        Transition(
            "submit",
            {S.DRAFT, S.APPROVED},
            S.SUBMITTED,
            "submitted",
            stamp=("submitted_by", "submitted_at"),
        ),
        Transition("approve", {S.SUBMITTED}, S.APPROVED, "approved"),
        Transition(
            "reopen", {S.SUBMITTED, S.APPROVED}, S.DRAFT, "returned to draft", action="change"
        ),
    ],
)

ROW_FIELDS = (
    "applicable",
    "justification",
    "inclusion_reasons",
    "implementation_status",
    "owner",
    "evidence",
    "evidence_links",
)


def soa_for_framework(framework: Framework) -> StatementOfApplicability | None:
    """The organisation's SoA for the framework (None if it was never set up). Never writes."""
    return StatementOfApplicability.objects.filter(framework=framework).first()


def soa_mark_risks_changed(control_ids: Iterable[int]) -> int:
    """Rows whose linked risks changed now (called by every risk write that touches them)."""
    ids = set(control_ids)
    if not ids:
        return 0
    return SoARow.objects.filter(control_id__in=ids).update(risks_changed_at=timezone.now())


@transaction.atomic
def soa_row_update(*, actor: Actor, row: SoARow, **fields) -> SoARow:
    unknown = set(fields) - set(ROW_FIELDS)
    if unknown:
        raise ValidationError({f: "This field cannot be set here." for f in sorted(unknown)})
    row, soa = lock(row, StatementOfApplicability(pk=row.soa_id))
    policy.require(actor, "change", row)
    errors: dict[str, str] = {}
    if "owner" in fields and fields["owner"] not in (None, ""):
        fields["owner"] = member(fields["owner"], "owner")
    elif "owner" in fields:
        fields["owner"] = None
    reasons = fields.get("inclusion_reasons")
    if reasons is not None:
        bad = [r for r in reasons if r not in InclusionReason.values]
        if bad:
            errors["inclusion_reasons"] = (
                f"Unknown reason(s) {', '.join(bad)}; use {', '.join(InclusionReason.values)}."
            )
        fields["inclusion_reasons"] = sorted(set(reasons))
    status = fields.get("implementation_status")
    if status is not None and status not in ImplementationStatus.values:
        errors["implementation_status"] = (
            f"{status!r} is not one of: {', '.join(ImplementationStatus.values)}."
        )
    links = fields.get("evidence_links")
    if links is not None:
        links = [link.strip() for link in links if link and link.strip()]
        validate = URLValidator(schemes=["http", "https"])
        for link in links:
            try:
                validate(link)
            except ValidationError:
                errors["evidence_links"] = f"{link!r} is not a web address (http or https)."
        fields["evidence_links"] = links
    if "justification" in fields:
        fields["justification"] = (fields["justification"] or "").strip()
    if errors:
        raise ValidationError(errors)
    candidate = SoARow(**{f.attname: getattr(row, f.attname) for f in SoARow._meta.concrete_fields})
    for name, value in fields.items():
        setattr(candidate, name, value)
    if not candidate.applicable:
        if not candidate.justification:
            raise ValidationError(
                {"justification": "Say why the control is excluded: an exclusion needs a reason."}
            )
        fields["inclusion_reasons"] = []
    changed = model_update(row, data=fields, fields=ROW_FIELDS, clean=False)
    if changed and soa.status != S.DRAFT:
        transition(SOA, soa, "reopen", actor=actor, reason="A row changed after submission.")
    return row


def snapshot_rows(soa: StatementOfApplicability) -> list[dict]:
    """The SoA as it stands, as plain data (what a snapshot freezes). Two queries."""
    from risks.selectors import linked_risks_by_control

    rows = list(
        SoARow.objects.filter(soa=soa)
        .select_related("control", "owner")
        .order_by("control__sort_key")
    )
    risks = linked_risks_by_control([r.control_id for r in rows])
    return [
        {
            "ref": row.control.ref,
            "title": row.control.title,
            "applicable": row.applicable,
            "justification": row.justification,
            "inclusion_reasons": list(row.inclusion_reasons),
            "implementation_status": row.implementation_status,
            "owner": row.owner.email if row.owner else "",
            "linked_risks": [f"R-{r['id']} {r['title']}" for r in risks.get(row.control_id, [])],
            "evidence": row.evidence,
            "evidence_links": list(row.evidence_links),
        }
        for row in rows
    ]


def soa_submit(*, actor: Actor, soa: StatementOfApplicability) -> StatementOfApplicability:
    """Whoever prepared the SoA submits it for approval (risks:manage, a person)."""
    return transition(SOA, soa, "submit", actor=actor)


def soa_approve(*, actor: Actor, soa: StatementOfApplicability, note: str = "") -> SoASnapshot:
    """Store the submitted SoA as an immutable, numbered snapshot; every row must be justified.
    Someone with risks:approve who did not submit it (segregation of duties)."""
    made: list[SoASnapshot] = []

    def freeze(fresh: StatementOfApplicability) -> list[str]:
        rows = SoARow.objects.filter(soa=fresh).select_related("control")
        unjustified = [
            r.control.ref for r in rows.order_by("control__sort_key") if not r.is_justified
        ]
        if unjustified:
            shown = ", ".join(unjustified[:10]) + ("…" if len(unjustified) > 10 else "")
            raise Conflict(
                f"{len(unjustified)} control(s) have no justification yet: {shown}. Every "
                "control needs a reason to be included (or excluded) before the SoA is approved.",
                code=ErrorCode.CONFLICT,
            )
        now = timezone.now()
        number = (SoASnapshot.objects.filter(soa=fresh).aggregate(n=Max("number"))["n"] or 0) + 1
        made.append(
            SoASnapshot.objects.create(
                soa=fresh,
                organization_id=fresh.organization_id,
                number=number,
                rows=snapshot_rows(fresh),
                approved_by=actor.user,
                approved_at=now,
                note=(note or "").strip(),
            )
        )
        fresh.last_approved_at = now
        return ["last_approved_at"]

    with transaction.atomic():
        transition(SOA, soa, "approve", actor=actor, reason=(note or "").strip(), apply=freeze)
    return made[0]
