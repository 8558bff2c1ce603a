"""The suppliers' figures on the organisation home page."""

from __future__ import annotations

from django.urls import reverse

from isms.home import HomeFigure
from suppliers.models import EXPIRING_SOON_DAYS
from suppliers.selectors import home_counts


def supplier_figures(actor) -> list[HomeFigure]:
    if not actor.has_scope("suppliers:read"):
        return []
    counts = home_counts()
    base = reverse("supplier_list", kwargs={"org_slug": actor.organization.slug})
    return [
        HomeFigure(
            label="AI suppliers",
            value=counts["ai_suppliers"],
            url=f"{base}?ai=true",
            note="Suppliers providing models, AI APIs or AI features",
        ),
        HomeFigure(
            label="Supplier assessments awaiting review",
            value=counts["awaiting_review"],
            url=reverse("supplier_assessment_list", kwargs={"org_slug": actor.organization.slug})
            + "?status=submitted",
            tone="warning" if counts["awaiting_review"] else "secondary",
        ),
        HomeFigure(
            label="Supplier certificates expiring",
            value=counts["certs_expiring"],
            url=f"{base}?cert_expiring_within={EXPIRING_SOON_DAYS}",
            tone="danger" if counts["certs_expired"] or counts["certs_expiring"] else "secondary",
            note=f"within {EXPIRING_SOON_DAYS} days; {counts['certs_expired']} already expired",
        ),
    ]
