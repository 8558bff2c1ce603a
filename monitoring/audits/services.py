"""Internal audit services: programmes, audits (with the auditor's independence checked),
findings (one click to a nonconformity) and the report."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from assets.models import Asset
from isms import policy
from isms.access import Actor
from isms.errors import Conflict
from isms.members import validate_member
from isms.models import Control
from isms.tenancy import current_organization_id
from isms.workflow import Transition, Workflow, transition
from isms.writes import model_update
from monitoring.audits.models import (
    CLAUSES,
    Audit,
    AuditFinding,
    AuditProgramme,
    AuditStatus,
    FindingKind,
)

AUDIT = Workflow(
    Audit,
    label="internal audit",
    transitions=[
        Transition(
            "start", {AuditStatus.PLANNED}, AuditStatus.IN_PROGRESS, "started", action="conduct"
        ),
        Transition(
            "report",
            {AuditStatus.IN_PROGRESS},
            AuditStatus.REPORTED,
            "reported",
            action="conduct",
            stamp=("reported_by", "reported_at"),
        ),
    ],
)


@transaction.atomic
def programme_create(*, actor: Actor, title: str, start_year: int, end_year: int) -> AuditProgramme:
    policy.require(actor, "change", AuditProgramme(organization_id=current_organization_id()))
    if not title.strip():
        raise ValidationError({"title": "Name the programme."})
    if end_year < start_year:
        raise ValidationError({"end_year": "The programme ends after it starts."})
    return AuditProgramme.objects.create(
        title=title.strip(), start_year=start_year, end_year=end_year, created_by=actor.user
    )


def independence_conflicts(*, auditor_id: int, asset_ids, control_ids) -> list[str]:
    """What the auditor owns inside the audited scope (empty: independent, 9.2.2 c)."""
    from risks.models import Risk, SoARow

    found = [
        f"asset “{name}”"
        for name in Asset.objects.filter(pk__in=asset_ids, owner_id=auditor_id).values_list(
            "name", flat=True
        )
    ]
    found += [
        f"risk “{title}”"
        for title in Risk.objects.filter(asset_links__asset_id__in=asset_ids, owner_id=auditor_id)
        .distinct()
        .values_list("title", flat=True)
    ]
    found += [
        f"control {ref}"
        for ref in SoARow.objects.filter(
            control_id__in=control_ids, owner_id=auditor_id
        ).values_list("control__ref", flat=True)
    ]
    return found


def _check_scope(values: dict) -> None:
    errors = {}
    clauses = values.get("clauses") or []
    if set(clauses) - {c for c, _ in CLAUSES}:
        errors["clauses"] = "Clauses are 4 to 10."
    asset_ids = values.get("asset_ids") or []
    if Asset.objects.filter(pk__in=asset_ids).count() != len(set(asset_ids)):
        errors["asset_ids"] = "Choose assets of this organisation."
    control_ids = values.get("control_ids") or []
    if Control.objects.filter(pk__in=control_ids).count() != len(set(control_ids)):
        errors["control_ids"] = "Choose controls of the library."
    if not clauses and not asset_ids and not control_ids:
        errors["clauses"] = "An audit needs a scope: clauses, controls or assets."
    start, end = values.get("planned_start"), values.get("planned_end")
    if start and end and end < start:
        errors["planned_end"] = "The audit ends after it starts."
    if errors:
        raise ValidationError(errors)


def _check_independence(auditor, values: dict) -> None:
    conflicts = independence_conflicts(
        auditor_id=auditor.pk,
        asset_ids=values.get("asset_ids") or [],
        control_ids=values.get("control_ids") or [],
    )
    if conflicts:
        raise ValidationError(
            {
                "auditor": (
                    f"{auditor.get_full_name() or auditor.email} cannot audit this scope: they own "
                    + ", ".join(conflicts[:5])
                    + (" and more" if len(conflicts) > 5 else "")
                    + ". An auditor must be independent of what they audit (ISO 27001 9.2.2)."
                )
            }
        )


AUDIT_FIELDS = (
    "title",
    "clauses",
    "control_ids",
    "asset_ids",
    "criteria",
    "plan",
    "planned_start",
    "planned_end",
    "auditor",
    "checklist",
    "sampled_evidence",
)


@transaction.atomic
def audit_plan(
    *,
    actor: Actor,
    programme: AuditProgramme,
    title: str,
    auditor,
    planned_start: date,
    planned_end: date,
    **fields,
) -> Audit:
    policy.require(actor, "change", programme)
    values = {
        "title": title,
        "planned_start": planned_start,
        "planned_end": planned_end,
        **fields,
    }
    unknown = set(fields) - set(AUDIT_FIELDS)
    if unknown:
        raise ValueError(f"audit_plan got fields it may not set: {sorted(unknown)}")
    if not (title or "").strip():
        raise ValidationError({"title": "Name the audit."})
    # Any active member may audit (an internal auditor may have the read-only role).
    user = validate_member(auditor, "auditor", scope=None)
    _check_scope(values)
    _check_independence(user, values)
    audit = Audit.objects.create(programme=programme, auditor=user, **values)
    policy.policy_for(Audit).grant_owner(audit, user)
    return audit


@transaction.atomic
def audit_update(*, actor: Actor, audit: Audit, **fields) -> Audit:
    policy.require(actor, "change", audit)
    if audit.status == AuditStatus.REPORTED:
        raise Conflict("A reported audit is a record: it no longer changes.")
    if "auditor" in fields:
        fields["auditor"] = validate_member(fields["auditor"], "auditor", scope=None)
    merged = {f: getattr(audit, f) for f in AUDIT_FIELDS if f != "auditor"} | {
        k: v for k, v in fields.items() if k != "auditor"
    }
    _check_scope(merged)
    _check_independence(fields.get("auditor") or audit.auditor, merged)
    previous = audit.auditor
    model_update(audit, data=fields, fields=AUDIT_FIELDS)
    if "auditor" in fields:
        policy.policy_for(Audit).grant_owner(audit, audit.auditor, previous=previous)
    return audit


def audit_start(*, actor: Actor, audit: Audit) -> Audit:
    return transition(AUDIT, audit, "start", actor=actor)


@transaction.atomic
def audit_report(*, actor: Actor, audit: Audit, report: str) -> Audit:
    """The report that goes to management (9.2.2 e) and is kept."""
    if not (report or "").strip():
        raise ValidationError({"report": "Write the report."})

    def apply(obj):
        obj.report = report.strip()
        return ["report"]

    return transition(AUDIT, audit, "report", actor=actor, apply=apply)


@transaction.atomic
def finding_add(
    *, actor: Actor, audit: Audit, kind: str, description: str, evidence: str = ""
) -> AuditFinding:
    policy.require(actor, "conduct", audit)
    if audit.status != AuditStatus.IN_PROGRESS:
        raise Conflict("Findings are recorded while the audit is in progress.")
    if kind not in FindingKind.values:
        raise ValidationError({"kind": f"Choose one of: {', '.join(FindingKind.values)}."})
    if not (description or "").strip():
        raise ValidationError({"description": "Describe the finding."})
    return AuditFinding.objects.create(
        audit=audit, kind=kind, description=description.strip(), evidence=evidence
    )


@transaction.atomic
def finding_raise_nonconformity(*, actor: Actor, finding: AuditFinding, owner=None):
    """One click: a nonconformity pre-filled from the finding."""
    from monitoring.improvement.services import nonconformity_raise

    finding = AuditFinding.objects.select_for_update().select_related("audit").get(pk=finding.pk)
    if finding.nonconformity_id:
        raise Conflict("This finding already raised a nonconformity.", code="duplicate")
    nc = nonconformity_raise(
        actor=actor,
        title=f"{finding.get_kind_display()} from audit “{finding.audit.title}”"[:200],
        description=finding.description
        + (f"\n\nEvidence: {finding.evidence}" if finding.evidence else ""),
        owner=owner or actor.user_id,
        source="audit_finding",
        source_reference=f"Audit #{finding.audit_id}, finding #{finding.pk}",
    )
    finding.nonconformity = nc
    finding.save(update_fields=["nonconformity"])
    return nc
