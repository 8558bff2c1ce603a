"""The fundamental-rights impact assessment (risks.models.fria): start it from an impact
assessment that needs one, fill its Art. 27(1) parts, complete it, record the notification of
the market surveillance authority (Art. 27(3)). Completing and notifying close the matching
obligations (`art27`, `art27_3`) of the AI system."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from isms import policy
from isms.access import Actor
from isms.errors import Conflict
from isms.workflow import lock
from isms.writes import model_update
from risks.models import AIActObligation, FundamentalRightsAssessment, ImpactAssessment
from risks.models.fria import FRIA_PARTS

from .common import require_person

PART_FIELDS = tuple(name for name, _ in FRIA_PARTS)
NOTIFICATION_FIELDS = ("authority", "notified_on")


def _prefill(assessment: ImpactAssessment) -> dict[str, str]:
    """What the AI impact assessment already says about the Art. 27(1) parts."""
    harms = "; ".join(
        f"{h.get('party') or h['to']}: {h['description']} ({h['severity']})"
        for h in assessment.harms
        if h.get("kind", "harm") == "harm"
    )
    return {
        "deployer_processes": assessment.intended_purpose,
        "affected_categories": assessment.affected_people,
        "specific_risks": harms,
        "human_oversight": assessment.human_oversight_measures,
    }


@transaction.atomic
def fria_start(*, actor: Actor, assessment: ImpactAssessment) -> FundamentalRightsAssessment:
    policy.require(actor, "create", FundamentalRightsAssessment)
    require_person(actor, "prepares a fundamental-rights impact assessment")
    if not assessment.fria_required:
        raise ValidationError(
            {"assessment": "This system and deployer do not need a FRIA (EU AI Act Art. 27(1))."}
        )
    existing = FundamentalRightsAssessment.objects.filter(assessment=assessment).first()
    if existing is not None:
        return existing
    return FundamentalRightsAssessment.objects.create(
        asset_id=assessment.asset_id,
        assessment=assessment,
        prepared_by=actor.user,
        **_prefill(assessment),
    )


@transaction.atomic
def fria_update(*, actor: Actor, fria: FundamentalRightsAssessment, **fields):
    (fria,) = lock(fria)
    policy.require(actor, "change", fria)
    parts = {k: v for k, v in fields.items() if k in PART_FIELDS}
    if parts and fria.status == FundamentalRightsAssessment.Status.COMPLETED:
        raise Conflict("A completed FRIA does not change: start a new one for a new system.")
    model_update(fria, data=fields, fields=(*PART_FIELDS, *NOTIFICATION_FIELDS))
    if fria.notified_on is not None:
        if fria.status != FundamentalRightsAssessment.Status.COMPLETED:
            raise ValidationError(
                {"notified_on": "Complete the FRIA before notifying its results."}
            )
        if not fria.authority.strip():
            raise ValidationError({"authority": "Name the market surveillance authority."})
        _close(fria, "art27_3", actor)
    return fria


def _close(fria: FundamentalRightsAssessment, code: str, actor: Actor) -> None:
    AIActObligation.objects.filter(
        asset_id=fria.asset_id, code=code, status=AIActObligation.Status.OPEN
    ).update(
        status=AIActObligation.Status.DONE, completed_at=timezone.now(), completed_by=actor.user
    )


@transaction.atomic
def fria_complete(*, actor: Actor, fria: FundamentalRightsAssessment):
    (fria,) = lock(fria)
    policy.require(actor, "complete", fria)
    if fria.status == FundamentalRightsAssessment.Status.COMPLETED:
        raise Conflict("This FRIA is completed already.")
    missing = {
        name: "Art. 27(1) asks for this part."
        for name in PART_FIELDS
        if not getattr(fria, name).strip()
    }
    if missing:
        raise ValidationError(missing)
    fria.status = FundamentalRightsAssessment.Status.COMPLETED
    fria.completed_at = timezone.now()
    fria.save(update_fields=["status", "completed_at", "updated"])
    _close(fria, "art27", actor)
    return fria


def notification_due(fria: FundamentalRightsAssessment) -> date | None:
    """The notification follows completion (Art. 27(3)): due once completed, until recorded."""
    if fria.status == FundamentalRightsAssessment.Status.COMPLETED and fria.notified_on is None:
        return fria.completed_at.date()
    return None
