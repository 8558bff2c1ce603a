"""Open evidence requests as due items of the inbox: due to the officers (`monitoring:manage`)
on the request's due date, while the engagement is live."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.utils import timezone

from monitoring.inbox.sources import DueItem, due_source, horizon, members_with_scope, url_maker


@due_source("evidence_request", "Auditor's evidence request")
def open_requests(organization_id: int, today: date) -> Iterable[DueItem]:
    from monitoring.engagements.models import EvidenceRequest, RequestStatus

    rows = EvidenceRequest.objects.filter(
        status=RequestStatus.OPEN,
        due_on__lte=horizon(today),
        engagement__expires_at__gt=timezone.now(),
    ).values_list("pk", "engagement_id", "engagement__title", "question", "due_on")
    officers = members_with_scope(organization_id, "monitoring:manage")
    url = url_maker(organization_id)
    return [
        DueItem(
            recipient_ids=officers,
            key=f"evidence-request:{pk}",
            subject=f"Auditor's request ({title}): {question[:80]}",
            url=url("engagement_detail", engagement_id),
            due_on=due_on,
            escalate_after_days=0,
        )
        for pk, engagement_id, title, question, due_on in rows
    ]
