"""The audit trail in words: what the history tabs, the audit trail page and its export show.

The trigger stores rows as `{column: [before, after]}` under the table's name. A reader needs
field labels (verbose names), values as words (choice labels, the related record's name for a
foreign key, times in their time zone) and a link to the record named. `describe(events)`
turns a page of events into that, resolving every foreign key and every record named in one
query per model (so a page costs the same number of queries whatever its length).

Credential columns (`isms.db_security.REDACTED_COLUMNS`) are never shown: the trigger stores
them hidden already; rows written before it did are hidden here and in the API.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from django.apps import apps
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import capfirst

from isms.db_security import REDACTED_COLUMNS, REDACTED_VALUE

# Columns every row has and nobody reads in a history: the key, the tenant, the save stamp.
NOISE_COLUMNS = {"id", "organization_id", "updated"}
EMPTY = "—"


def redact(changes: dict | None) -> dict:
    """The stored `changes` with every credential value replaced (for the API and exports)."""
    return {
        column: [
            REDACTED_VALUE if column in REDACTED_COLUMNS and value not in (None, "") else value
            for value in pair
        ]
        for column, pair in (changes or {}).items()
    }


@cache
def models_by_table() -> dict[str, type[models.Model]]:
    return {model._meta.db_table: model for model in apps.get_models()}


def type_label(table_name: str) -> str:
    model = models_by_table().get(table_name)
    return capfirst(model._meta.verbose_name) if model else table_name


def object_type_choices() -> list[tuple[str, str]]:
    """(table, label) of every model with an organisation: the trail's "object type" choices."""
    choices = [
        (table, type_label(table))
        for table, model in models_by_table().items()
        if any(f.name == "organization" for f in model._meta.concrete_fields)
    ]
    return sorted(choices, key=lambda choice: choice[1].lower())


@cache
def _all_choice_labels() -> dict[str, str]:
    labels: dict[str, str] = {}
    for model in apps.get_models():
        for model_field in model._meta.concrete_fields:
            for key, label in _flat_choices(model_field):
                if isinstance(key, str):
                    labels.setdefault(key, str(label))
    return labels


def code_label(value):
    """A stored choice value whose field is not known here (a snapshot, a workflow state) as
    the label some model gives it; values with no "_" or unknown everywhere stay as given."""
    if not isinstance(value, str) or "_" not in value:
        return value
    return _all_choice_labels().get(value, value)


def _snapshot_words(value) -> str:
    if isinstance(value, dict):
        return "; ".join(
            f"{code_label(key)}: {_snapshot_words(item)}" for key, item in value.items()
        )
    if isinstance(value, list):
        return ", ".join(_snapshot_words(item) for item in value)
    return str(code_label(value)) if value is not None else EMPTY


@cache
def _columns(model: type[models.Model]) -> dict[str, models.Field]:
    return {f.column: f for f in model._meta.concrete_fields}


@dataclass
class Change:
    label: str
    before: object = None
    after: object = None


@dataclass
class DescribedEvent:
    event: object
    type_label: str
    object_label: str
    url: str | None
    changes: list[Change] = field(default_factory=list)

    def __getattr__(self, name):  # occurred_at, actor, action, get_action_display, …
        return getattr(self.event, name)


def _words(value, model_field: models.Field | None, related: dict):
    """One stored value as the words a reader expects (a related record stays an object)."""
    if value is None or value == "" or value == []:
        return EMPTY
    if value == REDACTED_VALUE:
        return "(hidden)"
    if model_field is None:
        return _snapshot_words(value)
    if model_field.is_relation and model_field.many_to_one:
        target = model_field.related_model
        record = related.get((target, str(value)))
        return (
            _name(record)
            if record is not None
            else f"{capfirst(target._meta.verbose_name)} {value}"
        )
    if isinstance(value, dict):
        return _snapshot_words(value)
    choices = dict(_flat_choices(model_field))
    if isinstance(value, list):
        return ", ".join(
            str(choices.get(v, v)) if isinstance(v, (str, int)) else _snapshot_words(v)
            for v in value
        )
    if choices:
        return choices.get(value, value)
    if isinstance(model_field, models.DateTimeField) and isinstance(value, str):
        moment = parse_datetime(value)
        if moment:
            return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
    if isinstance(model_field, models.DateField) and isinstance(value, str):
        day = parse_date(value[:10])
        return day.isoformat() if day else value
    if isinstance(model_field, models.BooleanField):
        return "yes" if value else "no"
    return code_label(value)


def _flat_choices(model_field: models.Field):
    base = getattr(model_field, "base_field", None)  # ArrayField of choices
    choices = model_field.flatchoices or (base.flatchoices if base is not None else [])
    return choices or []


def _bulk_names(wanted: dict[type[models.Model], set[str]], organization) -> dict:
    """{(model, pk as text): record} for every wanted id: one query per model. Every record
    gets the organisation already loaded, so its URL costs no query, and its other foreign
    keys are joined, so a name that reads one (an SoA row is named by its control's
    reference) costs no query per row either: the page's SQL count does not depend on which
    records its events name (issue 19)."""
    found = {}
    for model, ids in wanted.items():
        manager = getattr(model, "objects", model._default_manager)
        clean = [i for i in ids if i not in (None, "")]
        joined = [
            f.name
            for f in model._meta.concrete_fields
            if f.many_to_one and f.name != "organization" and f.related_model is not model
        ]
        try:
            rows = list(manager.filter(pk__in=clean).select_related(*joined))
        except (ValueError, TypeError):
            continue
        has_org = organization is not None and any(
            f.name == "organization" and f.many_to_one for f in model._meta.concrete_fields
        )
        for row in rows:
            if has_org and row.organization_id == organization.pk:
                row._state.fields_cache["organization"] = organization
            found[(model, str(row.pk))] = row
    return found


def _name(obj) -> str:
    """A record's name in words; a person by their full name (their e-mail if none). A record
    holding credential material is named by its type and `name`, never by its `__str__`
    (which may show a token prefix)."""
    full_name = getattr(obj, "get_full_name", None)
    if full_name is not None:
        return full_name() or getattr(obj, "email", "") or str(obj)
    if set(_columns(type(obj))) & set(REDACTED_COLUMNS):
        label = capfirst(obj._meta.verbose_name)
        name = getattr(obj, "name", "")
        return f"{label} {name}" if name else f"{label} {obj.pk}"
    return str(obj)


def _object_url(obj, organization) -> str | None:
    get_url = getattr(obj, "get_absolute_url", None)
    try:
        if get_url is not None:
            return get_url()
        if organization is None:
            return None
        return reverse(f"{obj._meta.model_name}_detail", args=[organization.slug, obj.pk])
    except NoReverseMatch:
        return None


def describe(events, *, with_changes: bool = True) -> list[DescribedEvent]:
    events = list(events)
    wanted: dict[type[models.Model], set[str]] = defaultdict(set)
    for event in events:
        model = models_by_table().get(event.table_name)
        if model is None:
            continue
        wanted[model].add(str(event.object_id))
        if not with_changes:
            continue
        columns = _columns(model)
        for column, pair in (event.changes or {}).items():
            model_field = columns.get(column)
            if model_field is not None and model_field.is_relation and model_field.many_to_one:
                for value in pair:
                    if value is not None:
                        wanted[model_field.related_model].add(str(value))
    organization = None
    if events:
        from isms.models import Organization

        organization = Organization.objects.filter(pk=events[0].organization_id).first()
    related = _bulk_names(wanted, organization)
    described = []
    for event in events:
        model = models_by_table().get(event.table_name)
        record = related.get((model, str(event.object_id))) if model else None
        label = type_label(event.table_name)
        row = DescribedEvent(
            event=event,
            type_label=label,
            object_label=_name(record) if record is not None else f"{label} {event.object_id}",
            url=_object_url(record, organization) if record is not None else None,
        )
        if with_changes:
            columns = _columns(model) if model else {}
            for column, pair in redact(event.changes).items():
                if column in NOISE_COLUMNS:
                    continue
                model_field = columns.get(column)
                before, after = [*pair, None, None][:2]
                if event.action == "insert" and pair[-1] in (None, "", []):
                    continue  # a new record's empty fields say nothing
                row.changes.append(
                    Change(
                        label=capfirst(model_field.verbose_name) if model_field else column,
                        before=_words(before, model_field, related),
                        after=_words(after, model_field, related),
                    )
                )
        described.append(row)
    return described


def changes_as_text(row: DescribedEvent) -> str:
    """One line per change, for exports: `Owner: Ada Admin → Olivia Officer`."""
    lines = []
    for change in row.changes:
        if row.event.action == "update":
            lines.append(f"{change.label}: {change.before} → {change.after}")
        elif row.event.action == "delete":
            lines.append(f"{change.label}: {change.before}")
        else:
            lines.append(f"{change.label}: {change.after}")
    return "\n".join(lines)


def local_time(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")
