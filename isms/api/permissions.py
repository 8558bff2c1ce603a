from rest_framework import exceptions, permissions

from isms.access import SAFE_METHODS, required_scopes


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
        missing = [s for s in needed if not actor.has_scope(s)]
        if missing:
            who = "This API key" if actor.api_key else f"The {actor.role} role"
            raise exceptions.PermissionDenied(f"{who} lacks the scope(s): {', '.join(missing)}.")
        return True

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in SAFE_METHODS:
            return True
        check = getattr(view, "can_change", None)
        if check is not None and not check(request.auth, obj):
            raise exceptions.PermissionDenied("You may not change this object.")
        return True
