"""Reminders, escalation, notifications and the task inbox (issue 12).

The interface other capabilities code against:

- `monitoring.inbox.services.notify(*, recipient_id, kind, subject, url, key, due_on=None,
  body="") -> Notification | None`: one notification, idempotent by (organisation,
  recipient, key) in the database; None when it already exists or the recipient is not an
  active member. Runs in the tenant context. It is e-mailed in the next sweep's digest.
- `monitoring.inbox.services.notify_many(notices: list[Notice]) -> int`: the same for many
  notifications in one statement (for set-based callers); non-members left out.
- `monitoring.inbox.sources.due_source(kind, label="")`: registers
  `fn(organization_id, today) -> Iterable[DueItem]`; `DueItem(recipient_ids, key, subject,
  url, due_on, escalate_after_days=None, domain="monitoring")`. The hourly sweep reminds
  each recipient once per stage (due soon, due, overdue) and, `escalate_after_days` (None:
  the organisation's setting) after the due date, the members holding `<domain>:manage`.
  Sources are set-based, return items due up to `sources.horizon(today)`, and may use
  `sources.url_maker(organization_id)` and `sources.members_with_scope(...)`.
"""
