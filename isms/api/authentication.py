from django.contrib.auth.models import AnonymousUser
from rest_framework import authentication, exceptions


class _CSRFCheck(authentication.SessionAuthentication):
    pass


class TenantActorAuthentication(authentication.BaseAuthentication):
    """Hands DRF the Actor that isms.middleware.TenantMiddleware resolved.

    Session callers must pass CSRF for unsafe methods, as with DRF's SessionAuthentication;
    API-key callers need not (they send no cookie).
    """

    def authenticate(self, request):
        actor = getattr(request._request, "actor", None)
        if actor is None:
            return None
        if actor.api_key is None:
            _CSRFCheck().enforce_csrf(request)
        return (actor.user or AnonymousUser(), actor)

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


__all__ = ["TenantActorAuthentication", "exceptions"]
