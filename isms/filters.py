"""FilterSets shared by the UI lists and the API lists."""

import django_filters
from django.db.models import Q

from isms.models import AuditEvent, Control, Membership, Role


class ControlFilterSet(django_filters.FilterSet):
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


class MembershipFilterSet(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(choices=Role.choices)

    class Meta:
        model = Membership
        fields = ["role"]


def _object_types():
    from isms.audit_display import object_type_choices

    return object_type_choices()


class AuditEventFilterSet(django_filters.FilterSet):
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
