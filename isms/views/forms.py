"""Putting a service's refusal on a form: the one helper every app's pages use."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from isms.errors import DomainError


def apply_errors(form, error: Exception) -> None:
    """Field errors go to their field when the form has it, the rest to the whole form."""
    if isinstance(error, ValidationError):
        items = (
            error.message_dict.items() if hasattr(error, "error_dict") else [(None, error.messages)]
        )
        for field, messages in items:
            for message in messages:
                form.add_error(field if field in form.fields else None, message)
    elif isinstance(error, DomainError):
        form.add_error(error.field if error.field in form.fields else None, error.message)


def form_refusal(form) -> ValidationError:
    """A bound, invalid form's errors per field, each in words with its label ("Valid until:
    This field is required."), for the POST-only forms of a page that answer with a redirect:
    the flash message lists them, and the page puts each beside its field again
    (isms.views.errors.keep_refused_input)."""
    found: dict[str, list[str]] = {}
    for name, errors in form.errors.items():
        label = form[name].label if name in form.fields else ""
        found[name] = [f"{label}: {error}" if label else error for error in errors]
    return ValidationError(found)
