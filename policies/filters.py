"""FilterSets shared by the policies UI lists and API lists."""

import django_filters
from django.db.models import Q
from django.utils import timezone

from isms.filters import BoundedFilterSet
from policies.models import Acknowledgement, Policy, PolicyKind, PolicyVersion, VersionStatus


class PolicyFilterSet(BoundedFilterSet):
    kind = django_filters.ChoiceFilter(choices=PolicyKind.choices)
    covers_ai = django_filters.BooleanFilter(label="Covers AI")
    status = django_filters.ChoiceFilter(
        choices=VersionStatus.choices,
        method="filter_status",
        label="Status of the latest version",
    )
    review_overdue = django_filters.BooleanFilter(method="filter_overdue", label="Review overdue")
    q = django_filters.CharFilter(method="search", label="Search title")

    class Meta:
        model = Policy
        fields = ["kind", "covers_ai", "status", "review_overdue", "q"]

    def filter_status(self, queryset, name, value):
        # `latest_status` is annotated by selectors.policy_list()
        return queryset.filter(latest_status=value)

    def filter_overdue(self, queryset, name, value):
        overdue = Q(next_review_date__lt=timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def search(self, queryset, name, value):
        return queryset.filter(title__icontains=value)


class PolicyVersionFilterSet(BoundedFilterSet):
    policy = django_filters.NumberFilter(field_name="policy_id")
    status = django_filters.ChoiceFilter(choices=VersionStatus.choices)

    class Meta:
        model = PolicyVersion
        fields = ["policy", "status"]


class AcknowledgementFilterSet(BoundedFilterSet):
    version = django_filters.NumberFilter(field_name="version_id")
    policy = django_filters.NumberFilter(field_name="version__policy_id")
    user = django_filters.NumberFilter(field_name="user_id")

    class Meta:
        model = Acknowledgement
        fields = ["version", "policy", "user"]
