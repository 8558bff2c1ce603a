"""Writes to the Statement of Applicability: rows, approval (an immutable numbered snapshot)
and the stale mark a row gets when its linked risks change."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from isms.access import Actor
from isms.errors import Conflict
from isms.models import Control, Framework
from risks.models import SoARow, SoASnapshot, StatementOfApplicability
from risks.models.soa import ImplementationStatus, InclusionReason

from .common import member, require_manager, require_scope

ROW_FIELDS = (
    "applicable",
    "justification",
    "inclusion_reasons",
    "implementation_status",
    "owner",
    "evidence",
    "evidence_links",
)


def soa_for_framework(framework: Framework) -> StatementOfApplicability:
    """The organisation's SoA for the framework, created with a row per control on first use
    (and given rows for controls added to the library since)."""
    soa = StatementOfApplicability.objects.filter(framework=framework).first()
    if soa is None:
        with transaction.atomic():
            soa, _ = StatementOfApplicability.objects.get_or_create(framework=framework)
    control_ids = set(Control.objects.filter(framework=framework).values_list("pk", flat=True))
    have = set(SoARow.objects.filter(soa=soa).values_list("control_id", flat=True))
    if control_ids - have:
        SoARow.objects.bulk_create(
            [
                SoARow(soa=soa, control_id=pk, organization_id=soa.organization_id)
                for pk in sorted(control_ids - have)
            ],
            ignore_conflicts=True,
        )
    return soa


def soa_mark_risks_changed(control_ids: Iterable[int]) -> int:
    """Rows whose linked risks changed now (called by every risk write that touches them)."""
    ids = set(control_ids)
    if not ids:
        return 0
    return SoARow.objects.filter(control_id__in=ids).update(risks_changed_at=timezone.now())


@transaction.atomic
def soa_row_update(*, actor: Actor, row: SoARow, **fields) -> SoARow:
    require_manager(actor, "edit the Statement of Applicability")
    unknown = set(fields) - set(ROW_FIELDS)
    if unknown:
        raise ValidationError({f: "This field cannot be set here." for f in sorted(unknown)})
    row = SoARow.objects.select_for_update().get(pk=row.pk)
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
    for name, value in fields.items():
        setattr(row, name, value)
    if not row.applicable:
        if not row.justification:
            raise ValidationError(
                {"justification": "Say why the control is excluded: an exclusion needs a reason."}
            )
        row.inclusion_reasons = []
    row.save()
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


@transaction.atomic
def soa_approve(*, actor: Actor, soa: StatementOfApplicability, note: str = "") -> SoASnapshot:
    """Store the SoA as an immutable, numbered snapshot; every row must be justified."""
    require_scope(actor, "risks:approve")
    if actor.user_id is None:
        raise Conflict("A person approves the Statement of Applicability.")
    soa = StatementOfApplicability.objects.select_for_update().get(pk=soa.pk)
    unjustified = list(
        SoARow.objects.filter(soa=soa).select_related("control").order_by("control__sort_key")
    )
    unjustified = [r.control.ref for r in unjustified if not r.is_justified]
    if unjustified:
        shown = ", ".join(unjustified[:10]) + ("…" if len(unjustified) > 10 else "")
        raise Conflict(
            f"{len(unjustified)} control(s) have no justification yet: {shown}. Every control "
            "needs a reason to be included (or excluded) before the SoA is approved."
        )
    now = timezone.now()
    number = (SoASnapshot.objects.filter(soa=soa).aggregate(n=Max("number"))["n"] or 0) + 1
    snapshot = SoASnapshot.objects.create(
        soa=soa,
        organization_id=soa.organization_id,
        number=number,
        rows=snapshot_rows(soa),
        approved_by=actor.user,
        approved_at=now,
        note=(note or "").strip(),
    )
    soa.last_approved_at = now
    soa.save(update_fields=["last_approved_at"])
    return snapshot
