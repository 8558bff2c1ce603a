"""The home page's figures from the risk register."""

from __future__ import annotations

from django.urls import reverse

from isms.home import HomeFigure


def risk_figures(actor) -> list[HomeFigure]:
    if not actor.has_scope("risks:read"):
        return []
    from risks import selectors
    from risks.models import AIChangeRequest

    slug = actor.organization.slug
    debt = selectors.compliance_debt().count()
    waiting = AIChangeRequest.objects.filter(status=AIChangeRequest.Status.SUBMITTED).count()
    return [
        HomeFigure(
            label="AI compliance debt",
            value=debt,
            url=reverse("compliance_debt", args=[slug]),
            tone="danger" if debt else "success",
            note="AI assets in pilot or production without an approved change request",
        ),
        HomeFigure(
            label="AI change requests awaiting approval",
            value=waiting,
            url=reverse("change_request_list", args=[slug]) + "?status=submitted",
        ),
    ]
