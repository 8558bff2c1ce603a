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


class AuditEventFilterSet(django_filters.FilterSet):
    table = django_filters.CharFilter(field_name="table_name")
    action = django_filters.ChoiceFilter(choices=AuditEvent.Action.choices)
    since = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")

    class Meta:
        model = AuditEvent
        fields = ["table", "action", "since"]
