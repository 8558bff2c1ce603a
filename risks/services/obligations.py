"""EU AI Act obligations as tracked work (risks.models.obligations).

`obligations_sync()` runs when an impact assessment is approved, inside that transaction:
the classification's obligations (risks.ai_act) become rows with an owner (the asset's owner)
and a due date (the date the article applies from, or `LEAD_DAYS` after approval when that
date has passed). What the new classification no longer asks is superseded, never deleted.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from isms import policy
from isms.access import Actor
from isms.errors import Conflict
from isms.workflow import lock
from risks.models import AIActObligation, ImpactAssessment

# An obligation already in force when the system is approved is due this many days later.
LEAD_DAYS = 30


def due_date(applies_from: date, approved_on: date) -> date:
    return applies_from if applies_from > approved_on else approved_on + timedelta(days=LEAD_DAYS)


def obligations_sync(assessment: ImpactAssessment, *, owner_id: int) -> dict[str, int]:
    """Bring the asset's open obligations in line with this approved assessment."""
    today = timezone.localdate()
    wanted = {item["code"]: item for item in assessment.obligation_items}
    open_rows = {
        row.code: row
        for row in AIActObligation.objects.filter(
            asset_id=assessment.asset_id, status=AIActObligation.Status.OPEN
        )
    }
    dropped = [row.pk for code, row in open_rows.items() if code not in wanted]
    AIActObligation.objects.filter(pk__in=dropped).update(
        status=AIActObligation.Status.SUPERSEDED,
        superseded_by=assessment,
        superseded_at=timezone.now(),
    )
    done = set(
        AIActObligation.objects.filter(
            asset_id=assessment.asset_id, status=AIActObligation.Status.DONE
        ).values_list("code", flat=True)
    )
    created = []
    for code, item in wanted.items():
        row = open_rows.get(code)
        applies_from = date.fromisoformat(item["applies_from"])
        if row is not None:
            # Still asked: keep the row (and its owner); follow a moved date or new wording.
            changed = (row.article, row.text, row.applies_from, row.date_source) != (
                item["article"],
                item["text"],
                applies_from,
                item["date_source"],
            )
            if changed:
                row.article, row.text = item["article"], item["text"]
                row.applies_from, row.date_source = applies_from, item["date_source"]
                row.due_on = due_date(applies_from, today)
                row.save(update_fields=["article", "text", "applies_from", "date_source", "due_on"])
            continue
        if code in done:
            continue  # met already; a reclassification does not reopen it
        created.append(
            AIActObligation(
                organization_id=assessment.organization_id,  # bulk_create skips save()
                asset_id=assessment.asset_id,
                assessment=assessment,
                code=code,
                article=item["article"],
                text=item["text"][:300],
                applies_from=applies_from,
                date_source=item["date_source"][:200],
                owner_id=owner_id,
                due_on=due_date(applies_from, today),
            )
        )
    AIActObligation.objects.bulk_create(created)
    return {
        "created": len(created),
        "superseded": len(dropped),
        "kept": len(open_rows) - len(dropped),
    }


@transaction.atomic
def obligation_complete(*, actor: Actor, obligation: AIActObligation) -> AIActObligation:
    (obligation,) = lock(obligation)
    policy.require(actor, "complete", obligation)
    if obligation.status != AIActObligation.Status.OPEN:
        raise Conflict(f"This obligation is {obligation.get_status_display().lower()} already.")
    obligation.status = AIActObligation.Status.DONE
    obligation.completed_at = timezone.now()
    obligation.completed_by = actor.user
    obligation.save(update_fields=["status", "completed_at", "completed_by"])
    return obligation
