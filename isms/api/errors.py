"""One JSON shape for every API error:

    {"detail": "human message", "code": "stable_code", "errors": {field: [messages]}}

`code` comes from isms.errors.ErrorCode; clients and tests match it, not the English text.
Database errors caused by concurrent requests (a unique index, a deadlock) are 409s here,
never 500s; the request's transaction is rolled back whenever an error is answered.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from isms.errors import DomainError, ErrorCode
from isms.writes import db_error_to_domain

# DRF's own default codes, renamed where ours differ.
_DRF_CODES = {
    "invalid": ErrorCode.INVALID,
    "parse_error": ErrorCode.PARSE_ERROR,
    "not_authenticated": ErrorCode.NOT_AUTHENTICATED,
    "authentication_failed": ErrorCode.AUTHENTICATION_FAILED,
    "permission_denied": ErrorCode.PERMISSION_DENIED,
    "not_found": ErrorCode.NOT_FOUND,
    "method_not_allowed": ErrorCode.METHOD_NOT_ALLOWED,
    "not_acceptable": ErrorCode.NOT_ACCEPTABLE,
    "unsupported_media_type": ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    "throttled": ErrorCode.THROTTLED,
}


def domain_error_response(exc: DomainError) -> Response:
    body = {"detail": exc.message, "code": exc.code}
    if exc.field:
        body["errors"] = {exc.field: [exc.message]}
    return Response(body, status=exc.status_code)


def exception_handler(exc, context):
    translated = db_error_to_domain(exc)
    if translated is not None:
        exc = translated
    if isinstance(exc, DomainError):
        set_rollback()
        return domain_error_response(exc)
    if isinstance(exc, DjangoValidationError):
        set_rollback()
        errors = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        return Response(
            {"detail": _summary(errors), "code": ErrorCode.INVALID, "errors": errors},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = _code(exc)
    if isinstance(exc, exceptions.ValidationError):
        errors = (
            response.data
            if isinstance(response.data, dict)
            else {"non_field_errors": response.data}
        )
        response.data = {"detail": _summary(errors), "code": code, "errors": errors}
    elif isinstance(response.data, dict):
        response.data["code"] = code
    return response


def _code(exc: exceptions.APIException) -> str:
    if isinstance(exc, exceptions.ValidationError):
        return ErrorCode.INVALID
    code = exc.get_codes()
    if not isinstance(code, str):
        code = exc.default_code
    return str(_DRF_CODES.get(code, code))


def _summary(errors: dict) -> str:
    return "Invalid input. " + " | ".join(_refusals(errors))


def _refusals(errors, path: str = "") -> list[str]:
    """Each refused field's messages, named by its path (`person.email`, `data_categories.0`):
    a nested serializer's errors are a dict, whose str() showed Python reprs."""
    if isinstance(errors, dict):
        return [
            part
            for field, messages in errors.items()
            for part in _refusals(
                messages,
                path if field == "non_field_errors" else f"{path}.{field}" if path else str(field),
            )
        ]
    if isinstance(errors, list | tuple):
        flat = [str(m) for m in errors if not isinstance(m, dict | list | tuple)]
        nested = [
            p for m in errors if isinstance(m, dict | list | tuple) for p in _refusals(m, path)
        ]
        text = "; ".join(flat)
        return ([f"{path}: {text}" if path else text] if text else []) + nested
    text = str(errors)
    return [f"{path}: {text}" if path else text] if text else []


def api_error(status_code: int, detail: str, code: str, errors: dict | None = None) -> JsonResponse:
    """An error answered outside DRF (middleware, URL resolution) in the same shape."""
    body = {"detail": detail, "code": code, **({"errors": errors} if errors else {})}
    response = JsonResponse(body, status=status_code)
    if status_code == 401:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response
