"""FilterSets shared by the risks app's HTML lists and API lists."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from isms.filters import BoundedFilterSet
from risks.ai_act import Tier
from risks.models import (
    AIActObligation,
    AIChangeRequest,
    ImpactAssessment,
    Risk,
    RiskAcceptance,
    RiskCategory,
    RiskSnapshot,
    RiskStatus,
    SoARow,
    SoASnapshot,
    TreatmentAction,
    TreatmentOption,
)
from risks.models.change import HarmTo
from risks.models.register import ScoreBand, SecurityProperty
from risks.models.soa import ImplementationStatus

RISK_ORDERING = (
    ("title", "title"),
    ("category", "category"),
    ("inherent_score", "inherent_score"),
    ("residual_score", "residual_score"),
    ("next_review_date", "next_review_date"),
    ("updated", "updated"),
)


class RiskFilterSet(BoundedFilterSet):
    """Expects the queryset of risks.selectors.risks_for_list() (bands, effective status)."""

    q = django_filters.CharFilter(method="search", label="Search")
    category = django_filters.ChoiceFilter(choices=RiskCategory.choices)
    owner = django_filters.NumberFilter(field_name="owner_id", label="Owner (user id)")
    status = django_filters.ChoiceFilter(
        choices=RiskStatus.choices,
        field_name="effective_status",
        label="Status (a lapsed acceptance reads open)",
    )
    band = django_filters.ChoiceFilter(
        choices=ScoreBand.choices, field_name="inherent_band", label="Inherent score band"
    )
    residual_band = django_filters.ChoiceFilter(
        choices=ScoreBand.choices, field_name="residual_band", label="Residual score band"
    )
    treatment = django_filters.ChoiceFilter(choices=TreatmentOption.choices)
    acceptance_expiring = django_filters.BooleanFilter(
        method="filter_expiring", label="Acceptance expiring within 30 days"
    )
    asset = django_filters.NumberFilter(field_name="asset_links__asset_id", label="Asset (id)")
    supplier = django_filters.NumberFilter(
        field_name="supplier_links__supplier_id", label="Supplier (id)"
    )
    control = django_filters.NumberFilter(
        field_name="control_links__control_id", label="Control (id)"
    )
    threatens = django_filters.ChoiceFilter(
        choices=SecurityProperty.choices, method="filter_tag", label="Threatens"
    )
    harm_to = django_filters.ChoiceFilter(
        choices=HarmTo.choices, method="filter_tag", label="AI harm to"
    )
    inherent_likelihood = django_filters.NumberFilter()
    inherent_impact = django_filters.NumberFilter()
    residual_likelihood = django_filters.NumberFilter()
    residual_impact = django_filters.NumberFilter()
    ordering = django_filters.OrderingFilter(fields=RISK_ORDERING, label="Sort by")

    class Meta:
        model = Risk
        fields = []

    def search(self, queryset, name, value):
        return queryset.filter(Q(title__icontains=value) | Q(description__icontains=value))

    def filter_tag(self, queryset, name, value):
        return queryset.filter(**{f"{name}__contains": [value]})

    def filter_expiring(self, queryset, name, value):
        from risks.selectors import expiring_soon_cutoff

        expiring = Q(has_active_acceptance=True, acceptance_expires_on__lte=expiring_soon_cutoff())
        return queryset.filter(expiring) if value else queryset.exclude(expiring)


class RiskAcceptanceFilterSet(BoundedFilterSet):
    risk = django_filters.NumberFilter(field_name="risk_id")
    status = django_filters.ChoiceFilter(choices=RiskAcceptance.Status.choices)

    class Meta:
        model = RiskAcceptance
        fields = ["risk", "status"]


class TreatmentActionFilterSet(BoundedFilterSet):
    risk = django_filters.NumberFilter(field_name="risk_id")
    owner = django_filters.NumberFilter(field_name="owner_id")
    status = django_filters.ChoiceFilter(choices=TreatmentAction.Status.choices)

    class Meta:
        model = TreatmentAction
        fields = ["risk", "owner", "status"]


class ChangeRequestFilterSet(BoundedFilterSet):
    status = django_filters.ChoiceFilter(choices=AIChangeRequest.Status.choices)
    asset = django_filters.NumberFilter(field_name="asset_id")
    approver = django_filters.NumberFilter(field_name="approver_id")

    class Meta:
        model = AIChangeRequest
        fields = ["status", "asset", "approver"]


class ImpactAssessmentFilterSet(BoundedFilterSet):
    asset = django_filters.NumberFilter(field_name="asset_id")
    change_request = django_filters.NumberFilter(field_name="change_request_id")
    status = django_filters.ChoiceFilter(choices=ImpactAssessment.Status.choices)
    risk_tier = django_filters.ChoiceFilter(choices=Tier.choices)

    class Meta:
        model = ImpactAssessment
        fields = ["asset", "change_request", "status", "risk_tier"]


class SoARowFilterSet(BoundedFilterSet):
    framework = django_filters.CharFilter(field_name="soa__framework__code", label="Framework code")
    applicable = django_filters.BooleanFilter()
    implementation_status = django_filters.ChoiceFilter(choices=ImplementationStatus.choices)
    stale = django_filters.BooleanFilter(field_name="is_stale", label="Linked risks changed")
    q = django_filters.CharFilter(method="search", label="Search")

    class Meta:
        model = SoARow
        fields = ["framework", "applicable", "implementation_status", "stale"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(control__ref__icontains=value)
            | Q(control__title__icontains=value)
            | Q(own_ref__icontains=value)
            | Q(own_title__icontains=value)
        )


class RiskSnapshotFilterSet(BoundedFilterSet):
    kind = django_filters.ChoiceFilter(choices=RiskSnapshot.Kind.choices)
    status = django_filters.ChoiceFilter(choices=RiskSnapshot.Status.choices)

    class Meta:
        model = RiskSnapshot
        fields = ["kind", "status"]


class SoASnapshotFilterSet(BoundedFilterSet):
    framework = django_filters.CharFilter(field_name="soa__framework__code", label="Framework code")

    class Meta:
        model = SoASnapshot
        fields = ["framework"]


class AIActObligationFilterSet(BoundedFilterSet):
    asset = django_filters.NumberFilter(field_name="asset_id")
    owner = django_filters.NumberFilter(field_name="owner_id")
    status = django_filters.ChoiceFilter(choices=AIActObligation.Status.choices)

    class Meta:
        model = AIActObligation
        fields = ["asset", "owner", "status"]
