"""Request id and tenant resolution: the single place a request gets its organisation.

For `/o/<slug>/…` (UI) and `/api/v1/orgs/<slug>/…` (API) the middleware authenticates the
caller (API key or session), finds their right to act for that organisation, and runs the
rest of the request inside `tenant_context()`: one transaction with the tenant set for
row-level security and for the ORM. An unknown organisation and one the caller is not a
member of give the same 404.
"""

from __future__ import annotations

import re
import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, SuspiciousOperation, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from isms import two_factor
from isms.access import Actor
from isms.api.errors import api_error
from isms.errors import DomainError, ErrorCode
from isms.log_filters import bound_request_id
from isms.selectors import membership_for
from isms.services.api_keys import APIKeyError, api_key_authenticate
from isms.sso import session as sso_session
from isms.tenancy import tenant_context
from isms.views.errors import database_unavailable, refusal_response, service_unavailable
from isms.writes import db_error_to_domain

UI_PATH = re.compile(r"^/o/(?P<slug>[^/]+)/")
API_PATH = re.compile(r"^/api/v1/orgs/(?P<slug>[^/]+)/")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        supplied = request.headers.get("X-Request-ID", "")
        request.request_id = supplied if REQUEST_ID.match(supplied) else uuid.uuid4().hex
        with bound_request_id(request.request_id):  # every log line names it (LOGGING)
            response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response


class QueryStringMiddleware:
    """A query parameter holding a NUL character is refused with 400 before any view runs:
    PostgreSQL cannot store or compare one, so it would otherwise surface as a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        refused = sorted(
            {key for key, values in request.GET.lists() for v in [key, *values] if "\x00" in v}
        )
        if refused:
            detail = f"Query parameter {refused[0]!r} contains a NUL character."
            if request.path_info.startswith("/api/"):
                errors = {name: ["Contains a NUL character."] for name in refused}
                return api_error(400, detail, ErrorCode.INVALID, errors)
            return HttpResponseBadRequest(detail, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """A database that cannot be reached (restarted, failing over, a connection cut in the
    middle of a query) answers 503 with Retry-After — JSON in the API's error shape — never a
    500 with a traceback. Its transaction is gone, so nothing of the request was kept; the
    next request reconnects (CONN_HEALTH_CHECKS). Errors raised outside a view are answered
    the same way by handler500 (isms.views.errors.server_error)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        # Listed above TenantMiddleware, so this runs after it: races it translated to 409
        # never get here, and it has already marked the transaction for rollback.
        if database_unavailable(exception):
            return service_unavailable(request)
        return None


class TenantMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.actor = None
        path = request.path_info
        api_match = API_PATH.match(path)
        match = api_match or UI_PATH.match(path)
        if match is None:
            return self.get_response(request)
        is_api = api_match is not None
        slug = match["slug"]

        actor, refusal = self._resolve_actor(request, slug, is_api)
        if refusal is not None:
            return refusal
        request.actor = actor
        with tenant_context(
            actor.organization.pk,
            actor_id=actor.user_id,
            actor=actor.label,
            request_id=request.request_id,
        ):
            return self.get_response(request)

    def process_exception(self, request, exception):
        # An unexpected error: roll back everything the request wrote (we are still inside
        # its atomic block). Refusals (404, 403, bad input) wrote nothing, and their error
        # pages still need the database to render.
        if getattr(request, "actor", None) is None:
            return None
        translated = db_error_to_domain(exception)
        if translated is not None:
            # A concurrent request won a race the database refereed: a clear refusal, not a
            # 500. The transaction is broken, so nothing of this request is kept.
            transaction.set_rollback(True)
            if API_PATH.match(request.path_info):
                return api_error(translated.status_code, translated.message, translated.code)
            return refusal_response(request, translated)
        expected = (Http404, PermissionDenied, SuspiciousOperation, DomainError, ValidationError)
        if not isinstance(exception, expected):
            transaction.set_rollback(True)
            return None
        if isinstance(exception, DomainError | ValidationError) and not API_PATH.match(
            request.path_info
        ):
            if request.method == "POST":
                transaction.set_rollback(True)  # a refused action changes nothing
            return refusal_response(request, exception)
        return None

    def _resolve_actor(self, request, slug: str, is_api: bool):
        authorization = request.headers.get("Authorization", "")
        if is_api and authorization.startswith("Bearer "):
            try:
                key = api_key_authenticate(authorization.removeprefix("Bearer ").strip())
            except APIKeyError as error:
                return None, _api_error(401, str(error))
            if key.organization.slug != slug:
                return None, _not_found(is_api, request)
            return Actor.for_api_key(key), None

        user = request.user
        if not user.is_authenticated:
            if is_api:
                return None, _api_error(
                    401,
                    "Authentication required: send 'Authorization: Bearer <API key>' or log in.",
                )
            return None, redirect_to_login(request.get_full_path())
        membership = membership_for(user, slug)
        if membership is None:
            return None, _not_found(is_api, request)
        if not membership.is_active:
            message = (
                f"Your membership of {membership.organization.name} expired on "
                f"{membership.expires_at:%Y-%m-%d %H:%M} UTC."
            )
            if is_api:
                return None, _api_error(403, message)
            return None, render(request, "errors/403.html", {"message": message}, status=403)
        sso_refusal = sso_session.entry_refusal(request, membership.organization)
        if sso_refusal is not None:
            message = sso_session.message(sso_refusal, membership.organization)
            if is_api:
                return None, _api_error(403, message)
            if sso_refusal == sso_session.SSO_REQUIRED:
                messages.info(request, message)
                query = urlencode({"next": request.get_full_path()})
                return None, redirect(reverse("sso_begin", args=[slug]) + "?" + query)
            return None, render(request, "errors/403.html", {"message": message}, status=403)
        if membership.organization.require_two_factor and not two_factor.session_verified(request):
            message = (
                f"{membership.organization.name} requires two-factor authentication: "
                "verify a code from your authenticator app (or set one up) first."
            )
            if is_api:
                return None, _api_error(403, message)
            messages.info(request, message)
            target = reverse("two_factor") + "?" + urlencode({"next": request.get_full_path()})
            return None, redirect(target)
        return Actor.for_membership(membership), None


def _api_error(status: int, detail: str) -> JsonResponse:
    code = {
        401: ErrorCode.NOT_AUTHENTICATED,
        403: ErrorCode.PERMISSION_DENIED,
        404: ErrorCode.NOT_FOUND,
    }.get(status, ErrorCode.INVALID)
    return api_error(status, detail, code)


def _not_found(is_api: bool, request):
    if is_api:
        return _api_error(404, "Not found.")
    return render(request, "404.html", status=404)
