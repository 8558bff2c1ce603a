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
