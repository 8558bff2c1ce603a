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


def notify_owners(notices: list[dict]) -> int:
    """Many `notify_owner`s in one statement whatever their number (the check run stays
    set-based); each dict has the keyword arguments of `notify_owner`."""
    from monitoring.inbox.services import Notice, notify_many

    today = date.today()
    return notify_many([Notice(kind="check_failed", due_on=today, **notice) for notice in notices])


def nonconformity_url(organization_slug: str) -> str | None:
    """Where "raise a nonconformity" goes (the improvement register's form)."""
    from django.urls import reverse

    return reverse("nonconformity_create", args=[organization_slug])


def incident_link(organization_slug: str, actor, run) -> dict | None:
    """For a failing run: the incident it raised, or where one click raises it (None when
    the run passed, or the actor may not report and nothing was raised)."""
    if run is None or run.status == "pass":
        return None
    from django.urls import reverse

    from isms import policy
    from monitoring.incidents.from_checks import incident_for_check_run
    from monitoring.incidents.models import Incident

    existing = incident_for_check_run(run.pk)
    can = existing is None and policy.can(
        actor, "report", Incident(organization_id=run.organization_id)
    )
    if existing is None and not can:
        return None
    return {
        "incident": existing,
        "url": reverse("incident_from_check_run", args=[organization_slug, run.pk]) if can else "",
        "with_nonconformity": bool(run.controls),
    }
