"""One declaration of a register model's editable fields.

The form's fields, the API serializer's writable fields and the spreadsheet columns are all
derived from it, and tests/isms/test_fields.py ties them, so adding an editable field is one
edit of the declaration (plus the migration): the form falls back to the model field's own
form field when it does not define one, the serializer lists it, the table carries it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@dataclass(frozen=True)
class EditableFields:
    """The fields a person or an integration may set on ``model``, in display order."""

    model: type[models.Model]
    names: tuple[str, ...]
    # How a relation travels in a spreadsheet: a readable key instead of an id.
    table_names: Mapping[str, str] | None = None

    def __post_init__(self):
        # Forward fields only, read without the app registry (declared at model import time).
        opts = self.model._meta
        known = {f.name for f in [*opts.local_fields, *opts.local_many_to_many]}
        unknown = [n for n in self.names if n not in known]
        if unknown:
            raise ImproperlyConfigured(f"{self.model.__name__} has no field(s) {unknown}.")

    def __iter__(self):
        return iter(self.names)

    def form_fields(self, defined: Mapping[str, forms.Field]) -> dict[str, forms.Field]:
        """The ``base_fields`` of a plain Form: every declared field in order, as the form
        defines it or else as the model field's default form field. A form defining a field
        that is not declared is a mistake the declaration would hide: refused."""
        extra = sorted(set(defined) - set(self.names))
        if extra:
            raise ImproperlyConfigured(
                f"Form fields {extra} are not in {self.model.__name__}'s editable fields."
            )
        fields = {}
        for name in self.names:
            field = defined.get(name)
            if field is None:
                field = self.model._meta.get_field(name).formfield()
            fields[name] = field
        return fields

    def serializer_fields(self, *read_only: str) -> list[str]:
        """``Meta.fields`` of a ModelSerializer: the id, the editable fields, then what the API
        only shows (each of those must be read-only)."""
        return ["id", *self.names, *read_only]

    def table_columns(self, *, leave_out: Iterable[str] = ()) -> list[str]:
        """Spreadsheet column names for the editable fields (relations by their readable key)."""
        rename = self.table_names or {}
        left_out = set(leave_out)
        return [rename.get(n, n) for n in self.names if n not in left_out]


def derive_form(form_class: type[forms.BaseForm], declaration: EditableFields):
    """Give a plain Form exactly the declared fields (class decorator style helper)."""
    form_class.base_fields = declaration.form_fields(form_class.base_fields)
    form_class.declared_fields = dict(form_class.base_fields)
    return form_class
