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
from django.db.models import F, Max
from django.utils import timezone

from isms import policy
from isms.access import Actor
from isms.errors import Conflict, ErrorCode
from isms.models import Framework
from isms.workflow import Transition, Workflow, lock, transition
from isms.writes import model_update, unique_or_conflict
from risks.models import (
    Risk,
    RiskControl,
    SoARow,
    SoARowRisk,
    SoASnapshot,
    StatementOfApplicability,
)
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
    "target_date",
    "evidence",
    "evidence_links",
)
# An organisation's own control also carries what the library holds for the others.
OWN_FIELDS = ("own_ref", "own_title", "own_source", "own_description")


def soa_for_framework(framework: Framework) -> StatementOfApplicability | None:
    """The organisation's SoA for the framework (None if it was never set up). Never writes."""
    return StatementOfApplicability.objects.filter(framework=framework).first()


def soa_mark_risks_changed(control_ids: Iterable[int]) -> int:
    """Rows whose linked risks changed now (called by every risk write that touches them)."""
    ids = set(control_ids)
    if not ids:
        return 0
    return SoARow.objects.filter(control_id__in=ids).update(risks_changed_at=timezone.now())


def _own_texts(fields: dict, errors: dict[str, str]) -> None:
    for name in OWN_FIELDS:
        if name in fields:
            fields[name] = (fields[name] or "").strip()
    for name, what in (("own_ref", "a reference"), ("own_title", "a title")):
        if name in fields and not fields[name]:
            errors[name] = f"Give your control {what}."


def _risk_ids(values, errors: dict[str, str]) -> set[int]:
    ids = {int(getattr(v, "pk", v)) for v in values or []}
    found = set(Risk.objects.filter(pk__in=ids).values_list("pk", flat=True))
    if ids - found:
        errors["linked_risks"] = (
            f"No risk with id {', '.join(map(str, sorted(ids - found)))} in this organisation."
        )
    return ids


def _plan_errors(row: SoARow, linked: int, errors: dict[str, str]) -> None:
    """The rules an auditor checks on an applicable row (ISO/IEC 27001:2022 6.1.3 d and e):
    included "for risk treatment" names at least one risk it treats; a control not yet
    implemented has an owner and a target date (a plan, not a wish)."""
    if not row.applicable:
        return
    if InclusionReason.RISK_TREATMENT in row.inclusion_reasons and not linked:
        errors["inclusion_reasons"] = (
            "“Risk treatment” needs at least one linked risk: link the risk this control "
            "treats, or choose another reason."
        )
    if row.implementation_status != ImplementationStatus.IMPLEMENTED:
        if row.owner_id is None:
            errors["owner"] = "A control not yet implemented needs an owner."
        if row.target_date is None:
            errors["target_date"] = (
                "A control not yet implemented needs a target date for its implementation."
            )


def _linked_count(row: SoARow, own_links: set[int] | None) -> int:
    if row.control_id is None:
        if own_links is not None:
            return len(own_links)
        return SoARowRisk.objects.filter(row=row).count()
    return RiskControl.objects.filter(control_id=row.control_id).count()


@transaction.atomic
def soa_row_update(*, actor: Actor, row: SoARow, **fields) -> SoARow:
    """Edit a row. An own control's row also takes its texts (OWN_FIELDS) and `linked_risks`
    (ids; a library control's risks are linked from the risk instead)."""
    allowed = set(ROW_FIELDS) | (set(OWN_FIELDS) | {"linked_risks"} if row.is_own else set())
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError(
            {
                f: "This field cannot be set here."
                + (" Only an own control has it." if f in (*OWN_FIELDS, "linked_risks") else "")
                for f in sorted(unknown)
            }
        )
    row, soa = lock(row, StatementOfApplicability(pk=row.soa_id))
    policy.require(actor, "change", row)
    errors: dict[str, str] = {}
    own_links = None
    if "linked_risks" in fields:
        own_links = _risk_ids(fields.pop("linked_risks"), errors)
    _own_texts(fields, errors)
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
        fields["evidence_links"] = sorted(set(links), key=links.index)
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
        candidate.inclusion_reasons = []
    _plan_errors(candidate, _linked_count(candidate, own_links), errors)
    if errors:
        raise ValidationError(errors)
    with unique_or_conflict(
        {
            "soarow_unique_own_ref": (
                "own_ref",
                "Your SoA already has a control with this reference.",
            )
        }
    ):
        changed = model_update(row, data=fields, fields=(*ROW_FIELDS, *OWN_FIELDS), clean=False)
    if own_links is not None:
        existing = set(SoARowRisk.objects.filter(row=row).values_list("risk_id", flat=True))
        if own_links != existing:
            SoARowRisk.objects.filter(row=row, risk_id__in=existing - own_links).delete()
            SoARowRisk.objects.bulk_create(
                [
                    SoARowRisk(organization_id=row.organization_id, row=row, risk_id=pk)
                    for pk in sorted(own_links - existing)
                ]
            )
            changed = [*changed, "linked_risks"]
    if changed and soa.status != S.DRAFT:
        transition(SOA, soa, "reopen", actor=actor, reason="A row changed after submission.")
    return row


@transaction.atomic
def soa_own_control_add(
    *,
    actor: Actor,
    soa: StatementOfApplicability,
    own_ref: str,
    own_title: str,
    own_source: str = "",
    own_description: str = "",
    **fields,
) -> SoARow:
    """Add the organisation's own control (another framework's or its own design) to its SoA
    (ISO/IEC 27001:2022 6.1.3 b–c: controls from any source, compared with Annex A). It is a
    row of this organisation only; it starts as a draft row like any other and is then edited
    with soa_row_update (the same rules)."""
    (soa,) = lock(soa)
    policy.require(actor, "change", soa)
    errors: dict[str, str] = {}
    texts = {
        "own_ref": own_ref,
        "own_title": own_title,
        "own_source": own_source,
        "own_description": own_description,
    }
    _own_texts(texts, errors)
    if errors:
        raise ValidationError(errors)
    with unique_or_conflict(
        {
            "soarow_unique_own_ref": (
                "own_ref",
                "Your SoA already has a control with this reference.",
            )
        }
    ):
        row = SoARow.objects.create(
            organization_id=soa.organization_id,
            soa=soa,
            control=None,
            applicable=True,
            **texts,
        )
    if fields:
        soa_row_update(actor=actor, row=row, **fields)
    elif soa.status != S.DRAFT:
        transition(SOA, soa, "reopen", actor=actor, reason="An own control was added.")
    return row


def snapshot_rows(soa: StatementOfApplicability) -> list[dict]:
    """The SoA as it stands, as plain data (what a snapshot freezes), own controls after the
    library's. Three queries."""
    from risks.selectors import linked_risks_for_rows

    rows = list(
        SoARow.objects.filter(soa=soa)
        .select_related("control", "owner")
        .order_by(F("control__sort_key").asc(nulls_last=True), "own_ref", "pk")
    )
    risks = linked_risks_for_rows(rows)
    return [
        {
            "ref": row.ref,
            "title": row.title,
            "source": row.source,
            "applicable": row.applicable,
            "justification": row.justification,
            "inclusion_reasons": list(row.inclusion_reasons),
            "implementation_status": row.implementation_status,
            "target_date": row.target_date.isoformat() if row.target_date else "",
            "owner": row.owner.email if row.owner else "",
            "linked_risks": [f"R-{r['id']} {r['title']}" for r in risks.get(row.pk, [])],
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
        from risks.selectors import linked_risks_for_rows

        rows = list(
            SoARow.objects.filter(soa=fresh)
            .select_related("control")
            .order_by(F("control__sort_key").asc(nulls_last=True), "own_ref", "pk")
        )
        unjustified = [r.ref for r in rows if not r.is_justified]
        if unjustified:
            shown = ", ".join(unjustified[:10]) + ("…" if len(unjustified) > 10 else "")
            raise Conflict(
                f"{len(unjustified)} control(s) have no justification yet: {shown}. Every "
                "control needs a reason to be included (or excluded) before the SoA is approved.",
                code=ErrorCode.CONFLICT,
            )
        linked = linked_risks_for_rows(rows)
        unplanned = []
        for row in rows:
            problems: dict[str, str] = {}
            _plan_errors(row, len(linked.get(row.pk, [])), problems)
            if problems:
                unplanned.append(row.ref)
        if unplanned:
            shown = ", ".join(unplanned[:10]) + ("…" if len(unplanned) > 10 else "")
            raise Conflict(
                f"{len(unplanned)} control(s) are not ready: {shown}. A control included for "
                "risk treatment names the risk it treats, and one not yet implemented has an "
                "owner and a target date.",
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
