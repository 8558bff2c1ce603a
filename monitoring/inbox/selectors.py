"""Reads of the inbox: my tasks (live from the due sources), my notifications, the unread
count for the header, the home page's figure."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import QuerySet
from django.utils import timezone

from isms.access import Actor
from monitoring.inbox import sources
from monitoring.inbox.models import InboxSettings, Notification, Stage


@dataclass
class MyTasks:
    overdue: list = field(default_factory=list)
    due: list = field(default_factory=list)
    soon: list = field(default_factory=list)
    escalated: list = field(default_factory=list)  # others' overdue items, as an officer

    @property
    def count(self) -> int:
        return len(self.overdue) + len(self.due) + len(self.soon) + len(self.escalated)


def inbox_settings() -> InboxSettings:
    return InboxSettings.objects.filter().first() or InboxSettings()


def my_tasks(actor: Actor, today: date | None = None) -> MyTasks:
    """What is due for this person now, from the registers themselves (not from the
    notifications): completing a task removes it at once."""
    tasks = MyTasks()
    if actor.user_id is None:
        return tasks
    today = today or timezone.localdate()
    _sort_into(tasks, actor, sources.gather(actor.organization.pk, today), today, inbox_settings())
    return tasks


def _sort_into(tasks: MyTasks, actor: Actor, items: list, today: date, config) -> None:
    from monitoring.inbox.services import stage_of

    for item in sorted(items, key=lambda i: (i.due_on, i.key)):
        stage = stage_of(item.due_on, today, config.soon_days)
        if stage is None:
            continue
        if actor.user_id in item.recipient_ids:
            getattr(tasks, str(stage)).append(item)
        elif stage == Stage.OVERDUE:
            after = item.escalates_after(config.escalate_after_days)
            if (today - item.due_on).days >= after and actor.has_scope(f"{item.domain}:manage"):
                tasks.escalated.append(item)


def task_counts(actor: Actor, today: date | None = None) -> sources.TaskCounts:
    """How many tasks `my_tasks` would list in each stage, without building every due item
    of the organisation: sources with a counter count in one or two queries each, the
    others (few items: approvals, incidents, audits) are gathered and sorted."""
    counts = sources.TaskCounts()
    if actor.user_id is None:
        return counts
    today = today or timezone.localdate()
    config = inbox_settings()
    counted = sources.counters()
    kinds = [kind for kind in sources.registered() if kind not in counted]
    tasks = MyTasks()
    _sort_into(tasks, actor, sources.gather(actor.organization.pk, today, kinds), today, config)
    counts.add(
        sources.TaskCounts(
            len(tasks.overdue), len(tasks.due), len(tasks.soon), len(tasks.escalated)
        )
    )
    query = sources.TaskQuery(
        actor.user_id, today, config.soon_days, config.escalate_after_days, actor.scopes
    )
    for kind, counter in counted.items():
        if kind in sources.registered():
            counts.add(counter(actor.organization.pk, query))
    return counts


def my_notifications(actor: Actor) -> QuerySet[Notification]:
    if actor.user_id is None:
        return Notification.objects.none()
    return Notification.objects.filter(recipient_id=actor.user_id).order_by(
        "read_at", "-created", "-id"
    )


def unread_count(actor: Actor) -> int:
    if actor is None or actor.user_id is None:
        return 0
    return Notification.objects.filter(recipient_id=actor.user_id, read_at__isnull=True).count()


def home_figures(actor: Actor) -> list:
    from django.urls import reverse

    from isms.home import HomeFigure

    if actor.user_id is None or not actor.has_scope("monitoring:read"):
        return []
    tasks = task_counts(actor)
    overdue = tasks.overdue + tasks.escalated
    return [
        HomeFigure(
            "My overdue tasks",
            overdue,
            reverse("monitoring_inbox:my_tasks", args=[actor.organization.slug]),
            "danger" if overdue else "success",
            f"{tasks.due + tasks.soon} more due soon.",
        )
    ]
