import django_filters

from isms.filters import BoundedFilterSet
from monitoring.improvement.models import (
    ImprovementEntry,
    ImprovementStatus,
    NCSource,
    NCStatus,
    Nonconformity,
)


class NonconformityFilterSet(BoundedFilterSet):
    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains", label="Search")
    status = django_filters.ChoiceFilter(choices=NCStatus.choices)
    source = django_filters.ChoiceFilter(choices=NCSource.choices)

    class Meta:
        model = Nonconformity
        fields = ["q", "status", "source"]


class ImprovementFilterSet(BoundedFilterSet):
    status = django_filters.ChoiceFilter(choices=ImprovementStatus.choices)

    class Meta:
        model = ImprovementEntry
        fields = ["status"]
