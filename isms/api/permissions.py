from rest_framework import exceptions, permissions

from isms.access import SAFE_METHODS, required_scopes
from isms.errors import ErrorCode


class ScopePermission(permissions.BasePermission):
    """Every request needs the scopes its view declares for the method (or the action)."""

    def has_permission(self, request, view) -> bool:
        actor = request.auth
        if actor is None:
            raise exceptions.NotAuthenticated()
        action_scopes = getattr(view, "action_scopes", {})
        action = getattr(view, "action", None)
        if action in action_scopes:
            needed = action_scopes[action]
        else:
            needed = required_scopes(getattr(view, "scope_map", {}), request.method)
        if needed is None:
            raise exceptions.MethodNotAllowed(request.method)
        if not needed:
            raise exceptions.PermissionDenied("This operation declares no access rule.")
        if not actor.has_scopes(needed):
            raise exceptions.PermissionDenied(
                actor.missing_scopes_message(needed), code=ErrorCode.MISSING_SCOPE
            )
        if not getattr(view, "detail", False):
            _require_person(actor, view)
        return True

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in SAFE_METHODS:
            return True
        # On one object, after the lookup: another organisation's id stays a 404.
        _require_person(request.auth, view)
        refusal = view.change_refusal(request.auth, obj)
        if refusal is not None:
            raise exceptions.PermissionDenied(refusal.message, code=refusal.code)
        return True


def _require_person(actor, view) -> None:
    """The view's `person_only_actions` need a named person; the schema offers them to
    sessions only (isms.api.schema.AutoSchema.needs_a_person)."""
    if actor.user is None and getattr(view, "action", None) in getattr(
        view, "person_only_actions", ()
    ):
        raise exceptions.PermissionDenied(
            "This needs a named person (a browser session); an API key cannot do it."
        )
