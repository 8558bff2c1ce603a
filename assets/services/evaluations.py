"""Responsible-AI evaluation records (bias, accuracy, robustness) with evidence."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from assets.models import (
    AI_TYPES,
    Asset,
    EvaluationKind,
    ResponsibleAIEvaluation,
)
from assets.services.register import (
    can_record_evaluation,
)
from isms import uploads
from isms.access import Actor
from isms.errors import NotPermitted

# --- Responsible-AI evaluations --------------------------------------------------------------


@transaction.atomic
def evaluation_record(
    *,
    actor: Actor,
    asset: Asset,
    kind: str,
    performed_on: date,
    method: str,
    result: str,
    passed: bool,
    evidence=None,
) -> ResponsibleAIEvaluation:
    if not can_record_evaluation(actor, asset):
        raise NotPermitted(
            f"Only the owner of {asset.name}, an officer or an admin may record its evaluations."
        )
    if asset.asset_type not in AI_TYPES:
        raise ValidationError({"asset": f"{asset.name} is not an AI asset."})
    errors = {}
    if kind not in EvaluationKind.values:
        errors["kind"] = f"{kind!r} is not one of: {', '.join(EvaluationKind.values)}."
    if performed_on and performed_on > timezone.localdate():
        errors["performed_on"] = "An evaluation cannot be dated in the future."
    if not (method or "").strip():
        errors["method"] = "Say how it was evaluated."
    if not (result or "").strip():
        errors["result"] = "Say what the evaluation found."
    if errors:
        raise ValidationError(errors)
    evaluation = ResponsibleAIEvaluation(
        asset=asset,
        kind=kind,
        performed_on=performed_on,
        method=method.strip(),
        result=result.strip(),
        passed=passed,
        recorded_by=actor.user,
        organization_id=asset.organization_id,
    )
    if evidence is not None:
        evaluation.evidence = uploads.check_upload(
            evidence, allowed=uploads.EVIDENCE, field="evidence"
        ).as_file()
    evaluation.save()
    return evaluation
