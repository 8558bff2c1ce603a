from django.utils.functional import SimpleLazyObject


def inbox(request):
    """`unread_notifications` for the header: one COUNT on a partial index, only when the
    template reads it."""
    actor = getattr(request, "actor", None)
    if actor is None or actor.user_id is None or not actor.has_scope("monitoring:read"):
        return {"unread_notifications": 0}

    def count() -> int:
        from monitoring.inbox.selectors import unread_count

        return unread_count(actor)

    return {"unread_notifications": SimpleLazyObject(count)}
