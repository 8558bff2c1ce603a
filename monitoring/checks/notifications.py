"""The one place this app talks to monitoring.inbox (so wiring it is one edit).

Until monitoring.inbox is installed, notifying is a no-op that reports False.
"""

from __future__ import annotations

from datetime import date


def notify_owner(*, recipient_id: int, subject: str, url: str, key: str, body: str = "") -> bool:
    try:
        from monitoring.inbox.services import notify
    except ImportError:  # monitoring.inbox not merged yet
        return False
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
    """Where "raise a nonconformity" goes, once monitoring.improvement is on main."""
    from django.urls import NoReverseMatch, reverse

    for name in ("nonconformity_create", "improvement:nonconformity_create"):
        try:
            return reverse(name, args=[organization_slug])
        except NoReverseMatch:
            continue
    return None
