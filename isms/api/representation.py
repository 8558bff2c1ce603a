"""A page of rows represented the way DRF would, with the per-row overhead taken out.

DRF's `Serializer.to_representation` walks a generator of its readable fields for every row
and calls each field's `to_representation`, even where that returns the value unchanged (a
`str` through a CharField, an `int` through an IntegerField). On a page of 50 assets with 36
fields that was most of the list's Python time (issue 19). `FastListSerializer` makes the
plan once per page — the readable fields, and which of them pass a value of a JSON-native
type through unchanged — and then does exactly what DRF does for every other field (method
fields, related ids, dates, JSON). The output is equal to DRF's: tests/isms/
test_fast_representation.py compares both on every list endpoint.

The plan is also kept per serializer class (`_class_plan`), so later pages skip building the
serializer's fields altogether (DRF deep-copies the declared fields and maps every model field
again on each request). A kept plan holds only field objects whose output reads nothing but
the value (no request, no parent): method fields are called on the current page's serializer,
foreign keys shown as ids read the row's `<name>_id`, concrete model columns are read with
`getattr`; properties, annotations, dotted paths and many-related ids shown by a field of those
kinds are read by the field's own `get_attribute` (it reads only the instance and the field's
settings); a serializer with any other kind of field (a nested serializer) is planned per page.
"""

from __future__ import annotations

from django.db import models
from rest_framework import fields, serializers
from rest_framework.fields import SkipField
from rest_framework.relations import ManyRelatedField, PKOnlyObject

# Field classes (exactly these, not subclasses) whose to_representation returns a value of
# this type unchanged.
PASS_THROUGH: dict[type, tuple[type, ...]] = {
    fields.CharField: (str,),
    fields.EmailField: (str,),
    fields.URLField: (str,),
    fields.SlugField: (str,),
    fields.ChoiceField: (str,),
    fields.IntegerField: (int,),
    fields.BooleanField: (bool,),
}


def _plan(child: serializers.Serializer) -> list:
    return _plan_of(child._readable_fields)


# Field classes (exactly these) whose to_representation reads only the value: safe to keep
# from one request to the next.
CONTEXT_FREE: set[type] = {
    *PASS_THROUGH,
    fields.BigIntegerField,
    fields.DateTimeField,
    fields.DateField,
    fields.DecimalField,
    fields.FloatField,
    fields.JSONField,
    fields.ListField,
    fields.DictField,
    fields.UUIDField,
    fields.ReadOnlyField,
    fields.MultipleChoiceField,
}

_ATTR, _METHOD, _FK, _GET, _IDS = range(5)
_class_plans: dict[type, list | None] = {}


def _kept_entry(child: serializers.Serializer, field) -> tuple | None:
    """How a kept plan shows this field, or None if it cannot be kept."""
    from rest_framework.relations import PrimaryKeyRelatedField

    model = getattr(getattr(child, "Meta", None), "model", None)
    columns = {f.name: f for f in model._meta.concrete_fields} if model else {}
    name = field.field_name
    if type(field) is serializers.SerializerMethodField:
        return (name, _METHOD, field.method_name, None)
    if field.source == "*" or field.default is not fields.empty:
        return None
    if type(field) is ManyRelatedField:
        if not _pk_only(field.child_relation):
            return None
        if len(field.source_attrs) == 1 and field.source_attrs[0] in columns_m2m(model):
            return (name, _IDS, field.source_attrs[0], field)
        return (name, _GET, None, (field, ()))
    column = columns.get(field.source_attrs[0]) if len(field.source_attrs) == 1 else None
    if column is None:
        # A property, an annotation or a dotted path: read the way DRF reads it
        # (Field.get_attribute reads only the instance and the field's own settings).
        if type(field) not in _context_free() or (
            type(field) is fields.ListField and type(field.child) not in CONTEXT_FREE
        ):
            return None
        return (name, _GET, None, (field, _native(field)))
    if isinstance(field, PrimaryKeyRelatedField):
        if column.is_relation and _pk_only(field):
            return (name, _FK, column.attname, None)
        return None
    if column.is_relation or type(field) not in _context_free():
        return None
    if type(field) is fields.ListField and type(field.child) not in CONTEXT_FREE:
        return None
    return (name, _ATTR, column.attname, (field, _native(field)))


def columns_m2m(model) -> set[str]:
    """The model's own many-to-many fields (a prefetch caches them under their name)."""
    return {f.name for f in model._meta.many_to_many} if model else set()


def _native(field) -> tuple[type, ...]:
    return next(n for _, _, n in _plan_of([field]))


def _pk_only(field) -> bool:
    """A related field shown as the related row's id, read without loading it."""
    from rest_framework.relations import PrimaryKeyRelatedField

    return (
        isinstance(field, PrimaryKeyRelatedField)
        and field.pk_field is None
        and type(field).to_representation is PrimaryKeyRelatedField.to_representation
        and field.use_pk_only_optimization()
    )


def _context_free() -> set[type]:
    from isms.api.serializers import OptionalChoiceField  # below isms.api: no import cycle

    return CONTEXT_FREE | {OptionalChoiceField}


def _plan_of(readable) -> list:
    plan = []
    for field in readable:
        native = PASS_THROUGH.get(type(field), ())
        if type(field) is fields.ChoiceField and any(
            type(k) is not str for k in field.choice_strings_to_values.values()
        ):
            native = ()
        plan.append((field.field_name, field, native))
    return plan


def _class_plan(child: serializers.Serializer) -> list | None:
    """The kept plan of this serializer class (built from the first page's fields), or None
    when one of its fields cannot be kept."""
    cls = type(child)
    if cls not in _class_plans:
        entries = [_kept_entry(child, field) for field in child._readable_fields]
        _class_plans[cls] = None if any(e is None for e in entries) else entries
    return _class_plans[cls]


def represent_kept(plan: list, child: serializers.Serializer, instance) -> dict:
    """One row through a kept plan: what represent() would give, without bound fields."""
    row = {}
    for name, kind, attr, extra in plan:
        if kind == _ATTR:
            value = getattr(instance, attr)
            if value is None:
                row[name] = None
            elif type(value) in extra[1]:
                row[name] = value
            else:
                row[name] = extra[0].to_representation(value)
        elif kind == _FK:
            row[name] = getattr(instance, attr)
        elif kind == _IDS:
            # The ids of a prefetched many-to-many read from the prefetch, without building
            # a related manager per row and field (what ManyRelatedField would answer).
            cached = getattr(instance, "_prefetched_objects_cache", {}).get(attr)
            if cached is None:
                row[name] = extra.to_representation(extra.get_attribute(instance))
            else:
                row[name] = [item.pk for item in cached]
        elif kind == _GET:
            field, native = extra
            try:
                value = field.get_attribute(instance)
            except SkipField:
                continue
            if value is None:
                row[name] = None
            elif type(value) in native:
                row[name] = value
            else:
                row[name] = field.to_representation(value)
        else:
            row[name] = getattr(child, attr)(instance)
    return row


def represent(plan: list, instance) -> dict:
    """One row, as Serializer.to_representation() would give it."""
    row = {}
    for name, field, native in plan:
        try:
            attribute = field.get_attribute(instance)
        except SkipField:
            continue
        if attribute is None:
            row[name] = None
        elif type(attribute) in native:
            row[name] = attribute
        elif isinstance(attribute, PKOnlyObject):
            row[name] = None if attribute.pk is None else field.to_representation(attribute)
        else:
            row[name] = field.to_representation(attribute)
    return row


class FastListSerializer(serializers.ListSerializer):
    def to_representation(self, data):
        iterable = data.all() if isinstance(data, models.manager.BaseManager) else data
        child = self.child
        if type(child).to_representation is not serializers.Serializer.to_representation:
            return [child.to_representation(item) for item in iterable]  # a custom one: as is
        kept = _class_plan(child) if type(child) in _class_plans else None
        if kept is not None:
            return [represent_kept(kept, child, item) for item in iterable]
        plan = _plan(child)
        if type(child) not in _class_plans:
            _class_plan(child)  # fields are built now anyway: decide once for the class
        return [represent(plan, item) for item in iterable]


def speed_up(serializer):
    """Give a `many=True` serializer of DRF's plain ListSerializer the fast representation."""
    if type(serializer) is serializers.ListSerializer:
        serializer.__class__ = FastListSerializer
    return serializer
