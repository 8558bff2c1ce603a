import django_filters

from isms.filters import BoundedFilterSet
from monitoring.context.models import ObjectiveMeasurement


class MeasurementFilterSet(BoundedFilterSet):
    """By objective id (a number: a foreign-key choice field would list every objective)."""

    objective = django_filters.NumberFilter(field_name="objective_id")

    class Meta:
        model = ObjectiveMeasurement
        fields = ["objective"]
