import importlib
from functools import cache

from django.utils.functional import SimpleLazyObject

from isms.selectors import memberships_for_user

NAV = [
    ("assets", "Assets"),
    ("risks", "Risks"),
    ("suppliers", "Suppliers"),
    ("policies", "Policies"),
    ("monitoring", "Monitoring"),
]


@cache
def nav_sections() -> list[tuple[str, str]]:
    """The feature apps that have pages, in the navigation's order."""
    return [
        (app, label) for app, label in NAV if importlib.import_module(f"{app}.urls").urlpatterns
    ]


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
        "nav_sections": nav_sections(),
    }
