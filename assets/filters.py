"""FilterSets shared by the register's HTML list and the API list."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from isms.choices import DataCategory
from isms.filters import BoundedFilterSet

from . import selectors
from .models import (
    Asset,
    AssetDependency,
    AssetType,
    Classification,
    DependencyKind,
    EvaluationKind,
    Lifecycle,
    ResponsibleAIEvaluation,
    RiskTier,
    Triage,
)

ASSET_ORDERING = (
    ("name", "name"),
    ("asset_type", "type"),
    ("lifecycle", "lifecycle"),
    ("classification", "classification"),
    ("owner__last_name", "owner"),
    ("last_reviewed_at", "last_reviewed"),
    ("updated", "updated"),
)


class AssetFilterSet(BoundedFilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    asset_type = django_filters.ChoiceFilter(choices=AssetType.choices, label="Type")
    ai = django_filters.BooleanFilter(method="filter_ai", label="AI assets only")
    owner = django_filters.NumberFilter(field_name="owner_id", label="Owner (user id)")
    lifecycle = django_filters.ChoiceFilter(choices=Lifecycle.choices)
    classification = django_filters.ChoiceFilter(choices=Classification.choices)
    data_category = django_filters.ChoiceFilter(
        choices=DataCategory.choices, method="filter_data_category", label="Data category"
    )
    supplier = django_filters.NumberFilter(field_name="supplier_id", label="Supplier (id)")
    risk_tier = django_filters.ChoiceFilter(choices=RiskTier.choices)
    no_owner = django_filters.BooleanFilter(
        method="filter_no_owner", label="No owner (or owner no longer a member)"
    )
    not_reviewed = django_filters.BooleanFilter(
        method="filter_not_reviewed", label="Not reviewed in 12 months"
    )
    external_id = django_filters.CharFilter()
    triage_status = django_filters.ChoiceFilter(
        choices=[c for c in Triage.choices if c[0]],
        method="filter_triage",
        label="Shadow-AI reports by triage state (default: the register, without them)",
    )
    ordering = django_filters.OrderingFilter(fields=ASSET_ORDERING, label="Sort by")

    class Meta:
        model = Asset
        fields = [
            "q",
            "asset_type",
            "owner",
            "lifecycle",
            "classification",
            "data_category",
            "supplier",
            "risk_tier",
            "no_owner",
            "not_reviewed",
            "external_id",
            "triage_status",
        ]

    def filter_queryset(self, queryset):
        if not self.form.cleaned_data.get("triage_status"):
            queryset = queryset.filter(triage_status__in=[Triage.NONE, Triage.ACCEPTED])
        return super().filter_queryset(queryset)

    def filter_triage(self, queryset, name, value):
        return queryset.filter(triage_status=value) if value else queryset

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value)
            | Q(description__icontains=value)
            | Q(external_id__iexact=value)
            | Q(model_provider__icontains=value)
            | Q(tags__contains=[value])
        )

    def filter_ai(self, queryset, name, value):
        from .models import AI_TYPES

        if value is None:
            return queryset
        return (
            queryset.filter(asset_type__in=AI_TYPES)
            if value
            else queryset.exclude(asset_type__in=AI_TYPES)
        )

    def filter_data_category(self, queryset, name, value):
        return queryset.filter(data_categories__contains=[value]) if value else queryset

    def filter_no_owner(self, queryset, name, value):
        if not value:
            return queryset
        return selectors.needing_new_owner(queryset)

    def filter_not_reviewed(self, queryset, name, value):
        if not value:
            return queryset
        return selectors.not_reviewed_since(queryset)


class AssetDependencyFilterSet(BoundedFilterSet):
    asset = django_filters.NumberFilter(field_name="asset_id", label="Dependent asset (id)")
    depends_on = django_filters.NumberFilter(field_name="depends_on_id", label="Dependency (id)")
    involving = django_filters.NumberFilter(method="filter_involving", label="Either end (id)")
    kind = django_filters.ChoiceFilter(choices=DependencyKind.choices)

    class Meta:
        model = AssetDependency
        fields = ["asset", "depends_on", "involving", "kind"]

    def filter_involving(self, queryset, name, value):
        return queryset.filter(Q(asset_id=value) | Q(depends_on_id=value))


class EvaluationFilterSet(BoundedFilterSet):
    asset = django_filters.NumberFilter(field_name="asset_id", label="Asset (id)")
    kind = django_filters.ChoiceFilter(choices=EvaluationKind.choices)
    passed = django_filters.BooleanFilter()

    class Meta:
        model = ResponsibleAIEvaluation
        fields = ["asset", "kind", "passed"]
