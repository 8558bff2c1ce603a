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

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import render

from isms.access import Actor
from isms.errors import DomainError
from isms.selectors import membership_for
from isms.services.api_keys import APIKeyError, api_key_authenticate
from isms.tenancy import tenant_context

UI_PATH = re.compile(r"^/o/(?P<slug>[^/]+)/")
API_PATH = re.compile(r"^/api/v1/orgs/(?P<slug>[^/]+)/")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        supplied = request.headers.get("X-Request-ID", "")
        request.request_id = supplied if REQUEST_ID.match(supplied) else uuid.uuid4().hex
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response


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
        expected = (Http404, PermissionDenied, SuspiciousOperation, DomainError)
        if getattr(request, "actor", None) is not None and not isinstance(exception, expected):
            transaction.set_rollback(True)

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
        return Actor.for_membership(membership), None


def _api_error(status: int, detail: str) -> JsonResponse:
    response = JsonResponse({"detail": detail}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def _not_found(is_api: bool, request):
    if is_api:
        return _api_error(404, "Not found.")
    return render(request, "404.html", status=404)
