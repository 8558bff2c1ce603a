from django.utils.functional import SimpleLazyObject

from isms.selectors import memberships_for_user


def tenant(request):
    """The acting organisation and the user's other organisations, for the base layout."""
    actor = getattr(request, "actor", None)
    user = getattr(request, "user", None)
    memberships = SimpleLazyObject(
        lambda: memberships_for_user(user) if user is not None and user.is_authenticated else []
    )
    return {
        "actor": actor,
        "organization": actor.organization if actor else None,
        "my_memberships": memberships,
    }
