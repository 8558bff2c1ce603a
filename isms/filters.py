"""FilterSets shared by the UI lists and the API lists.

Every FilterSet of the product derives from `BoundedFilterSet` (a test walks them): a query
parameter is checked before it reaches the database or date arithmetic, so bad input answers
400 naming the parameter, never 500.

- a number has bounds: those the filter declares, else a PostgreSQL bigint's;
- a date-time refuses a UTC offset beyond +/-14:00 (what PostgreSQL and the world accept);
- a day count (`DaysFilter`) lies between 0 and 100 years;
- a filter whose own arithmetic still overflows is refused for that parameter.
"""

from datetime import timedelta

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q

from isms.models import AuditEvent, Control, Membership, Role

BIGINT_MAX = 2**63 - 1
MAX_UTC_OFFSET = timedelta(hours=14)
MAX_DAYS = 36_600  # 100 years


def validate_utc_offset(value) -> None:
    offset = value.utcoffset() if value is not None else None
    if offset is not None and abs(offset) > MAX_UTC_OFFSET:
        raise ValidationError(
            "The time-zone offset must lie between -14:00 and +14:00.", code="invalid"
        )


class DaysFilter(django_filters.NumberFilter):
    """A whole number of days from today, 0 to 100 years."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", MAX_DAYS)
        kwargs.setdefault("decimal_places", 0)
        super().__init__(*args, **kwargs)


def _bound(filter_) -> None:
    field_class = filter_.field_class
    if issubclass(field_class, forms.DecimalField | forms.IntegerField | forms.FloatField):
        filter_.extra.setdefault("min_value", -BIGINT_MAX)
        filter_.extra.setdefault("max_value", BIGINT_MAX)
    if issubclass(field_class, forms.DateTimeField):
        validators = list(filter_.extra.get("validators", []))
        filter_.extra["validators"] = [*validators, validate_utc_offset]


class BoundedFilterSet(django_filters.FilterSet):
    """The base of every FilterSet: bounded numbers and dates, refusals name the parameter."""

    @classmethod
    def get_filters(cls):
        filters = super().get_filters()
        for filter_ in filters.values():
            _bound(filter_)
        return filters

    def filter_queryset(self, queryset):
        for name, value in self.form.cleaned_data.items():
            try:
                queryset = self.filters[name].filter(queryset, value)
            except (OverflowError, ValueError) as error:
                raise ValidationError(
                    {name: [f"{name}: the value is out of range ({error})."]}, code="invalid"
                ) from error
        return queryset


class ControlFilterSet(BoundedFilterSet):
    framework = django_filters.CharFilter(field_name="framework__code", label="Framework code")
    group = django_filters.CharFilter(field_name="group", lookup_expr="iexact")
    q = django_filters.CharFilter(method="search", label="Search id, title or description")

    class Meta:
        model = Control
        fields = ["framework", "group", "q"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(ref__icontains=value) | Q(title__icontains=value) | Q(description__icontains=value)
        )


class MembershipFilterSet(BoundedFilterSet):
    role = django_filters.ChoiceFilter(choices=Role.choices)

    class Meta:
        model = Membership
        fields = ["role"]


def _object_types():
    from isms.audit_display import object_type_choices

    return object_type_choices()


class AuditEventFilterSet(BoundedFilterSet):
    person = django_filters.NumberFilter(field_name="actor_id", label="Person (user id)")
    type = django_filters.ChoiceFilter(field_name="table_name", choices=[], label="Object type")
    table = django_filters.CharFilter(field_name="table_name", label="Table (API name)")
    object = django_filters.CharFilter(field_name="object_id", label="Object id")
    action = django_filters.ChoiceFilter(choices=AuditEvent.Action.choices)
    since = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    date_from = django_filters.DateFilter(
        field_name="occurred_at", lookup_expr="date__gte", label="From (date)"
    )
    date_to = django_filters.DateFilter(
        field_name="occurred_at", lookup_expr="date__lte", label="To (date)"
    )

    class Meta:
        model = AuditEvent
        fields = ["person", "type", "table", "object", "action", "since", "date_from", "date_to"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The choices are read per request (models are known only once apps are loaded); set
        # them on the form's field too, since a filter may carry a field built before.
        choices = _object_types()
        self.filters["type"].extra["choices"] = choices
        self.form.fields["type"].choices = [("", "any"), *choices]
