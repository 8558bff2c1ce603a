import importlib
from functools import cache

from django.utils.functional import SimpleLazyObject

from isms.selectors import memberships_for_user

# (app, label, Bootstrap Icons name): the icon helps the eye, the label says it.
NAV = [
    ("assets", "Assets", "cpu"),
    ("risks", "Risks", "exclamation-triangle"),
    ("suppliers", "Suppliers", "building"),
    ("policies", "Policies", "file-earmark-text"),
    ("monitoring", "Monitoring", "activity"),
]


@cache
def nav_sections() -> list[tuple[str, str, str]]:
    """The feature apps that have pages, in the navigation's order."""
    return [entry for entry in NAV if importlib.import_module(f"{entry[0]}.urls").urlpatterns]


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
