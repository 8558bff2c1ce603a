"""Helpers shared by the risks pages."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import render

from isms.errors import DomainError
from isms.views.forms import apply_errors


def error_status(error: Exception) -> int:
    return error.status_code if isinstance(error, DomainError) else 400


def refused(request, error: Exception, back_url: str = ""):
    """A refused action (403/409/400) as a page with the reason; nothing was changed."""
    if isinstance(error, ValidationError):
        message = " ".join(
            m
            for messages in getattr(error, "message_dict", {"": error.messages}).values()
            for m in messages
        )
    else:
        message = error.message
    return render(
        request,
        "risks/refused.html",
        {"message": message, "back_url": back_url, "nav": "risks"},
        status=error_status(error),
    )


def form_response(view, form, error: Exception | None = None):
    """Re-render a form with errors: 400 for bad input, the refusal's status otherwise."""
    if error is not None:
        apply_errors(form, error)
    response = view.render_to_response(view.get_context_data(form=form))
    response.status_code = error_status(error) if error is not None else 400
    return response


def form_errors(form) -> ValidationError:
    """A bound, invalid form's errors as a ValidationError naming each field."""
    return ValidationError(
        {
            field: [e["message"] for e in errors]
            for field, errors in form.errors.get_json_data().items()
        }
    )
