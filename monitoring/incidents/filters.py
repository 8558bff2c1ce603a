import django_filters

from isms.filters import BoundedFilterSet
from monitoring.incidents.models import Category, Incident, Severity, Status


class IncidentFilterSet(BoundedFilterSet):
    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains", label="Search")
    status = django_filters.ChoiceFilter(choices=Status.choices)
    category = django_filters.ChoiceFilter(choices=Category.choices)
    severity = django_filters.ChoiceFilter(choices=Severity.choices)
    source = django_filters.CharFilter()
    open = django_filters.BooleanFilter(
        method="filter_open", label="Open (not closed or dismissed)"
    )

    class Meta:
        model = Incident
        fields = ["q", "status", "category", "severity", "source", "open"]

    def filter_open(self, queryset, name, value):
        if value is None:
            return queryset
        closed = {Status.CLOSED, Status.DISMISSED}
        return queryset.exclude(status__in=closed) if value else queryset.filter(status__in=closed)
