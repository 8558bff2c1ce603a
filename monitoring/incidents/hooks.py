"""What closing an incident sets off in other registers, in one place.

- Linked risks (those naming an affected asset) are flagged for reassessment: their next
  review date is brought forward to today (Clause 6.1 / 8.2: reassess after an incident).
- Each affected asset's next review is brought forward. The review schedules live in the
  reviews app (monitoring/reviews, being built in parallel); until it is on main, the request
  is recorded on the incident's asset link (`IncidentAsset.review_requested_at`) and this
  hook calls the reviews service when it exists. Wiring it is one edit here.
"""

from __future__ import annotations

import importlib

from django.db.models import Q
from django.utils import timezone


def flag_risks_for_reassessment(*, asset_ids: list[int], incident) -> int:
    """Bring the next review of every open risk on these assets forward to today."""
    if not asset_ids:
        return 0
    from risks.models import Risk

    today = timezone.localdate()
    risks = (
        Risk.objects.filter(asset_links__asset_id__in=asset_ids)
        .exclude(status="closed")
        .filter(Q(next_review_date__isnull=True) | Q(next_review_date__gt=today))
        .distinct()
    )
    ids = list(risks.values_list("pk", flat=True))
    if ids:
        # A queryset update (no model validation to rerun): only the review date moves.
        Risk.objects.filter(pk__in=ids).update(next_review_date=today, updated=timezone.now())
    return len(ids)


def bring_asset_review_forward(*, asset, incident) -> bool:
    """Bring the asset's review schedule (monitoring.reviews) forward to today; False while
    that app is not installed or the asset has no active schedule."""
    try:
        reviews = importlib.import_module("monitoring.reviews.models")
    except ModuleNotFoundError:
        return False
    today = timezone.localdate()
    moved = reviews.ReviewSchedule.objects.filter(
        subject_type="ai_system", object_id=asset.pk, active=True, next_due__gt=today
    ).update(next_due=today, updated=timezone.now())
    return bool(moved)
