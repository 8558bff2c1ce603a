"""Pickers that scale: choose one of 10,000 members, suppliers, assets or controls by typing.

A page never lists every option. A picker widget renders a `<select>` holding only the
option(s) already chosen, marked `data-picker="<source>"`; static/guardrail/picker.js turns
it into a vendored Tom Select that asks `/o/<slug>/pick/<source>/?q=…` for at most
`PAGE` matches. Each source is registered here by the app that owns its model
(`register(PickSource(...))` in its AppConfig.ready), and its endpoint is a UI view like any
other: scopes declared, the queryset tenant-scoped and restricted by the one policy layer
(isms.policy), so another organisation's rows never appear and cannot be named.

Validation stays with the form field (a ModelChoiceField checks only the submitted ids, in
one query); `PickedIdsField` does the same for fields that carry plain ids.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from isms.access import Actor

PAGE = 20  # matches per answer: enough to choose from, small enough to stay flat
MAX_QUERY = 100


@dataclass(frozen=True)
class PickSource:
    """What a picker chooses from.

    `queryset(actor, scope)` is the tenant queryset of what the actor may see (through the
    policy layer); `search` the fields a typed word is looked for in (every word must match
    one of them); `label` the words an option shows; `scope` the read scope its endpoint
    needs.
    """

    name: str
    scope: str
    queryset: Callable[[Actor | None, str | None], QuerySet]
    search: tuple[str, ...]
    label: Callable[[object], str] = str
    takes_scope: bool = False  # members: `?scope=records:own` narrows to who may hold a duty
    order: tuple[str, ...] = field(default=())

    def matches(self, actor: Actor | None, query: str, scope: str | None = None) -> QuerySet:
        queryset = self.queryset(actor, scope)
        for word in query.split()[:5]:
            condition = Q()
            for name in self.search:
                condition |= Q(**{f"{name}__icontains": word})
            queryset = queryset.filter(condition)
        return queryset.order_by(*self.order) if self.order else queryset

    def labels(self, ids: Iterable, scope: str | None = None) -> list[tuple[str, str]]:
        """(value, label) of the chosen ids this organisation has, in one query."""
        wanted = [int(i) for i in ids if str(i).isdigit()]
        if not wanted:
            return []
        found = {o.pk: self.label(o) for o in self.queryset(None, None).filter(pk__in=wanted)}
        return [(str(pk), found[pk]) for pk in wanted if pk in found]


SOURCES: dict[str, PickSource] = {}


def register(source: PickSource) -> PickSource:
    SOURCES[source.name] = source
    return source


# --- Widgets ---------------------------------------------------------------------------------


class _PickerMixin:
    """Render only the chosen options; picker.js fetches the others as the user types."""

    def __init__(self, source: str, *, scope: str | None = None, empty_label: str = "—", **kw):
        super().__init__(**kw)
        self.source_name = source
        self.member_scope = scope
        self.empty_label = empty_label

    def __deepcopy__(self, memo):
        copy = super().__deepcopy__(memo)
        copy.source_name, copy.member_scope = self.source_name, self.member_scope
        copy.empty_label = self.empty_label
        return copy

    def get_context(self, name, value, attrs):
        attrs = {**(attrs or {}), "data-picker": self.source_name}
        if self.member_scope:
            attrs["data-picker-scope"] = self.member_scope
        attrs.setdefault("data-placeholder", "Type to search…")
        return super().get_context(name, value, attrs)

    def optgroups(self, name, value, attrs=None):
        chosen = [v for v in value if v not in ("", None)]
        options = []
        if not self.allow_multiple_selected:
            options.append(self.create_option(name, "", self.empty_label, not chosen, 0))
        labels = SOURCES[self.source_name].labels(chosen) if chosen else []
        for index, (pk, label) in enumerate(labels, start=1):
            options.append(self.create_option(name, pk, label, True, index))
        return [(None, options, 0)]


class PickerSelect(_PickerMixin, forms.Select):
    pass


class PickerSelectMultiple(_PickerMixin, forms.SelectMultiple):
    pass


class PickedIdsField(forms.TypedMultipleChoiceField):
    """Several ids chosen with a picker: each must name a row the source has (one query)."""

    def __init__(self, source: str, **kwargs):
        kwargs.setdefault("widget", PickerSelectMultiple(source))
        kwargs.setdefault("coerce", int)
        super().__init__(**kwargs)
        self.source_name = source

    def valid_value(self, value) -> bool:  # checked all at once in validate()
        return True

    def validate(self, value) -> None:
        super().validate(value)
        if not value:
            return
        known = {int(pk) for pk, _ in SOURCES[self.source_name].labels(value)}
        unknown = [str(v) for v in value if not str(v).isdigit() or int(v) not in known]
        if unknown:
            raise ValidationError(
                f"Select a valid choice. {', '.join(unknown)} is not one of the available choices.",
                code="invalid_choice",
            )


class PickedIdField(forms.TypedChoiceField):
    """One id chosen with a picker (or none when not required)."""

    def __init__(self, source: str, **kwargs):
        kwargs.setdefault("widget", PickerSelect(source))
        kwargs.setdefault("coerce", int)
        kwargs.setdefault("empty_value", None)
        super().__init__(**kwargs)
        self.source_name = source

    def valid_value(self, value) -> bool:
        return bool(SOURCES[self.source_name].labels([value]))
