"""FilterSets shared by the API lists (asset by id: no queryset is built outside a tenant)."""

import django_filters

from isms.filters import BoundedFilterSet
from monitoring.checks.models import CheckRun, CheckStatus, Metric, MetricPoint, MetricThreshold


class CheckRunFilterSet(BoundedFilterSet):
    check_code = django_filters.CharFilter()
    status = django_filters.ChoiceFilter(choices=CheckStatus.choices)

    class Meta:
        model = CheckRun
        fields = ["check_code", "status"]


class MetricPointFilterSet(BoundedFilterSet):
    asset = django_filters.NumberFilter(field_name="asset_id")
    metric = django_filters.ChoiceFilter(choices=Metric.choices)

    class Meta:
        model = MetricPoint
        fields = ["asset", "metric"]


class MetricThresholdFilterSet(MetricPointFilterSet):
    class Meta:
        model = MetricThreshold
        fields = ["asset", "metric"]
