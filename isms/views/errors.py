"""The one place the UI maps refusals to a status, a form error or a flash message.

- A form view puts the refusal on the form (isms.views.forms.apply_errors) and re-renders it
  with the input kept, with status 400 (bad input), 403 or 409 (the error's own status).
- A refusal that escapes a view (a button POST, a race caught by the database) is turned
  into a flash message and a redirect back by `refusal_response()`, called from
  TenantMiddleware: a POST never ends on a blank page or a 500. What was typed is kept
  (`keep_refused_input`): the page it returns to fills the form in again and shows each
  reason beside its field (static/guardrail/refill.js).
- API paths answer JSON, also for URLs that match no route and errors raised outside DRF
  (handler400/403/404/500: a bad Host header, a refused request, an unhandled exception).
"""

from __future__ import annotations

import sys

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import defaults

from isms.api.errors import api_error
from isms.errors import DomainError, ErrorCode


def error_status(error: Exception) -> int:
    return error.status_code if isinstance(error, DomainError) else 400


def error_message(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(
            m
            for items in getattr(error, "message_dict", {"": error.messages}).values()
            for m in items
        )
    if isinstance(error, DomainError):
        return error.message
    return str(error)


def back_url(request, fallback: str = "") -> str:
    """Where to send the user after a refused POST: the page they came from, if it is ours."""
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    actor = getattr(request, "actor", None)
    if fallback:
        return fallback
    return f"/o/{actor.organization.slug}/" if actor is not None else "/"


# Never sent back to the browser, even to the person who typed them.
NOT_KEPT = {"csrfmiddlewaretoken", "password", "password1", "password2", "old_password"}
REFUSED_INPUT = "refused_input"


def field_errors(error: Exception) -> dict[str, list[str]]:
    """A refusal's reasons by field name ("__all__" for the whole form)."""
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        return {field: list(messages) for field, messages in error.message_dict.items()}
    if isinstance(error, DomainError) and error.field:
        return {error.field: [error.message]}
    return {}


def keep_refused_input(request, error: Exception) -> None:
    """Keep a refused POST's input and its reasons for the next page this person sees (the
    one the refusal redirects to), so nothing typed is lost. Secrets and files are not kept."""
    if not hasattr(request, "session"):
        return
    request.session[REFUSED_INPUT] = {
        "action": request.path,
        "data": {k: request.POST.getlist(k) for k in request.POST if k not in NOT_KEPT},
        "errors": field_errors(error),
    }


def take_refused_input(request) -> dict | None:
    """The input of the refusal that sent this person here, once (a full page, not an HTMX
    fragment, takes it)."""
    if request.method != "GET" or getattr(request, "htmx", False):
        return None
    session = getattr(request, "session", None)
    return session.pop(REFUSED_INPUT, None) if session is not None else None


def refusal_response(request, error: Exception, fallback: str = ""):
    """A refused action: for a POST a flash message and a redirect back (to the page it came
    from, else `fallback`), its input kept; else a page."""
    message = error_message(error)
    if request.method == "POST":
        keep_refused_input(request, error)
        messages.error(request, f"Nothing was changed: {message}")
        return HttpResponseRedirect(back_url(request, fallback))
    return render(
        request,
        "errors/refused.html",
        {"message": message, "back_url": back_url(request)},
        status=error_status(error),
    )


def _is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def bad_request(request, exception=None):
    if _is_api(request):
        return api_error(400, "Bad request.", ErrorCode.INVALID)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception=None):
    if _is_api(request):
        return api_error(403, "You may not do this.", ErrorCode.PERMISSION_DENIED)
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception=None):
    if _is_api(request):
        return api_error(404, "Not found.", ErrorCode.NOT_FOUND)
    return defaults.page_not_found(request, exception)


RETRY_AFTER_SECONDS = 5


def database_unavailable(error: BaseException | None) -> bool:
    """Is `error` the database being unreachable (restarting, failing over, a connection cut
    mid-query), rather than a bug or a race (isms.writes translates races to 409)?"""
    from django.db import InterfaceError, OperationalError

    from isms.writes import db_error_to_domain

    return isinstance(error, OperationalError | InterfaceError) and (
        db_error_to_domain(error) is None
    )


def service_unavailable(request):
    """503 with Retry-After: JSON in the API's error shape for /api/, else a page that needs
    neither the database nor the request's context to render."""
    if _is_api(request):
        response = api_error(
            503,
            "The database is unreachable for a moment; nothing was saved. Try again.",
            ErrorCode.SERVICE_UNAVAILABLE,
        )
    else:
        from django.http import HttpResponse
        from django.template import loader

        response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request):
    # An error raised outside a view (a middleware opening the tenant transaction, a session
    # read) reaches this handler with the exception being handled.
    if database_unavailable(sys.exc_info()[1]):
        return service_unavailable(request)
    if _is_api(request):
        return api_error(
            500, "The server failed to answer; the error was logged.", ErrorCode.SERVER_ERROR
        )
    return defaults.server_error(request)
