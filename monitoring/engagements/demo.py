"""Demo audit engagement (idempotent): the demo auditor's stage 2 certification audit, with
one request answered and one open."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from isms.models import Control, Framework
from monitoring.engagements import services
from monitoring.engagements.models import Engagement
from monitoring.incidents.demo import _actor

TITLE = "Stage 2 certification audit"


def load(demo) -> None:
    if Engagement.objects.filter(title=TITLE).exists():
        return
    codes = list(Framework.objects.values_list("code", flat=True))
    if not codes:
        return
    officer, auditor = _actor(demo, "officer"), _actor(demo, "auditor")
    engagement = services.engagement_open(
        actor=officer,
        title=TITLE,
        audit_body="Example Certification Body",
        framework_codes=codes,
        expires_at=timezone.now() + timedelta(days=60),
        auditor_emails=[auditor.user.email],
    )
    control = Control.objects.filter(framework__code=codes[0]).order_by("sort_key").first()
    answered = services.request_raise(
        actor=auditor,
        engagement=engagement,
        control=control,
        question="Show how access rights were last reviewed, and who signed the review off.",
        sample="Finance ERP\nCustomer support chatbot",
        due_on=timezone.localdate() + timedelta(days=7),
    )
    services.request_answer(
        actor=officer,
        request=answered,
        note="The quarterly access review is in the ISMS folder; signed off by the CISO.",
        url="https://intranet.example/isms/access-review-q3",
    )
    services.request_raise(
        actor=auditor,
        engagement=engagement,
        question="Provide the minutes of the last management review.",
        due_on=timezone.localdate() + timedelta(days=10),
    )
