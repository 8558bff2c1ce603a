"""The policies figures on the organisation home page."""

from __future__ import annotations

from django.urls import reverse

from isms.access import in_audience
from isms.home import HomeFigure
from policies import selectors
from policies.access import can_see_acknowledgements


def figures(actor) -> list[HomeFigure]:
    if not actor.has_scope("policies:read"):
        return []
    slug = actor.organization.slug
    result = []
    if actor.user is not None and in_audience(actor):
        to_read = selectors.versions_to_acknowledge(actor).count()
        result.append(
            HomeFigure(
                label="Policies for me to acknowledge",
                value=to_read,
                url=reverse("policies:my_policies", args=[slug]),
                tone="warning" if to_read else "success",
            )
        )
        awaiting = selectors.versions_awaiting_review(actor).count()
        if awaiting:
            result.append(
                HomeFigure(
                    label="Policy versions awaiting my review",
                    value=awaiting,
                    url=reverse("policies:policy_list", args=[slug]) + "?status=in_review",
                    tone="warning",
                )
            )
    current = selectors.ai_acceptable_use_version()
    # No published policy: the assets app shows the gap, with the AI assets that need it.
    # Who may not see acknowledgements has no figure to count here: their own reading is in
    # "Policies for me to acknowledge" (a version number is not a count).
    if current is not None and can_see_acknowledgements(actor):
        approver = current.approved_by
        status = selectors.acknowledgement_status(current)
        result.append(
            HomeFigure(
                label="% have read the AI acceptable use policy",
                value=status.rate,
                url=reverse("policies:policy_detail", args=[slug, current.policy_id]),
                tone="success",
                note=(
                    f"v{current.number}, approved by {approver.get_full_name() or approver.email}"
                    f"; read by {status.acknowledged_count} of {status.audience_count}"
                ),
            )
        )
    return result
