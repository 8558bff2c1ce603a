"""The one place this app talks to monitoring.inbox and monitoring.improvement."""

from __future__ import annotations

from datetime import date


def notify_owner(*, recipient_id: int, subject: str, url: str, key: str, body: str = "") -> bool:
    from monitoring.inbox.services import notify

    notify(
        recipient_id=recipient_id,
        kind="check_failed",
        subject=subject,
        url=url,
        key=key,
        due_on=date.today(),
        body=body,
    )
    return True


def nonconformity_url(organization_slug: str) -> str | None:
    """Where "raise a nonconformity" goes (the improvement register's form)."""
    from django.urls import reverse

    return reverse("nonconformity_create", args=[organization_slug])
