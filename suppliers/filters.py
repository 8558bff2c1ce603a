"""FilterSets shared by the UI lists and the API lists."""

from __future__ import annotations

from datetime import timedelta

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from isms.filters import BoundedFilterSet, DaysFilter
from suppliers.models import (
    AssessmentFile,
    Question,
    QuestionSet,
    Rating,
    Supplier,
    SupplierAnswer,
    SupplierAssessment,
    SupplierCertification,
    SupplierContact,
    SupplierContractClause,
    SupplierPortalLink,
)

# `?ordering=` for the supplier list (UI and API): public name → ORM expression.
SUPPLIER_ORDERING = {
    "name": "name",
    "criticality": "criticality_rank",
    "status": "status",
    "rating": "rating_rank",
    "next_reassessment_date": "next_reassessment_date",
    "updated": "updated",
}


class SupplierFilterSet(BoundedFilterSet):
    q = django_filters.CharFilter(method="search", label="Search name, website or service")
    ai = django_filters.BooleanFilter(method="filter_ai", label="Provides AI services")
    criticality = django_filters.ChoiceFilter(choices=Supplier.Criticality.choices)
    status = django_filters.ChoiceFilter(choices=Supplier.Status.choices)
    rating = django_filters.ChoiceFilter(choices=Rating.choices)
    owner = django_filters.NumberFilter(field_name="owner_id", label="Owner (user id)")
    cert_expiring_within = DaysFilter(
        method="filter_cert_expiring",
        label="Certification expires within N days (or has expired)",
        min_value=0,
        max_value=3650,
    )
    reassessment_overdue = django_filters.BooleanFilter(
        method="filter_overdue", label="Reassessment overdue"
    )

    class Meta:
        model = Supplier
        fields = [
            "q",
            "ai",
            "criticality",
            "status",
            "rating",
            "owner",
            "cert_expiring_within",
            "reassessment_overdue",
        ]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(name__icontains=value) | Q(website__icontains=value) | Q(provides__icontains=value)
        )

    def filter_ai(self, queryset, name, value):
        return queryset.exclude(ai_services=[]) if value else queryset.filter(ai_services=[])

    def filter_cert_expiring(self, queryset, name, value):
        until = timezone.localdate() + timedelta(days=int(value))
        return queryset.filter(
            Exists(
                SupplierCertification.objects.filter(
                    supplier=OuterRef("pk"), valid_until__lte=until
                )
            )
        )

    def filter_overdue(self, queryset, name, value):
        overdue = Q(next_reassessment_date__lt=timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


class SupplierChildFilterSet(BoundedFilterSet):
    supplier = django_filters.NumberFilter(field_name="supplier_id")


class SupplierContactFilterSet(SupplierChildFilterSet):
    class Meta:
        model = SupplierContact
        fields = ["supplier"]


class SupplierCertificationFilterSet(SupplierChildFilterSet):
    type = django_filters.ChoiceFilter(choices=SupplierCertification.Type.choices)
    expiring_within = DaysFilter(
        method="filter_expiring", label="Expires within N days (or has expired)"
    )

    class Meta:
        model = SupplierCertification
        fields = ["supplier", "type", "expiring_within"]

    def filter_expiring(self, queryset, name, value):
        return queryset.filter(valid_until__lte=timezone.localdate() + timedelta(days=int(value)))


class SupplierContractClauseFilterSet(SupplierChildFilterSet):
    status = django_filters.ChoiceFilter(choices=SupplierContractClause.Status.choices)

    class Meta:
        model = SupplierContractClause
        fields = ["supplier", "status"]


class QuestionSetFilterSet(BoundedFilterSet):
    status = django_filters.ChoiceFilter(choices=QuestionSet.Status.choices)
    name = django_filters.CharFilter(lookup_expr="iexact")

    class Meta:
        model = QuestionSet
        fields = ["status", "name"]


class QuestionFilterSet(BoundedFilterSet):
    question_set = django_filters.NumberFilter(field_name="question_set_id")
    group = django_filters.ChoiceFilter(choices=Question.Group.choices)

    class Meta:
        model = Question
        fields = ["question_set", "group"]


class SupplierAssessmentFilterSet(SupplierChildFilterSet):
    status = django_filters.ChoiceFilter(choices=SupplierAssessment.Status.choices)
    rating = django_filters.ChoiceFilter(choices=Rating.choices)

    class Meta:
        model = SupplierAssessment
        fields = ["supplier", "status", "rating"]


class AssessmentChildFilterSet(BoundedFilterSet):
    assessment = django_filters.NumberFilter(field_name="assessment_id")


class SupplierAnswerFilterSet(AssessmentChildFilterSet):
    is_gap = django_filters.BooleanFilter(field_name="is_gap")

    class Meta:
        model = SupplierAnswer
        fields = ["assessment", "is_gap"]


class AssessmentFileFilterSet(AssessmentChildFilterSet):
    class Meta:
        model = AssessmentFile
        fields = ["assessment"]


class SupplierPortalLinkFilterSet(AssessmentChildFilterSet):
    class Meta:
        model = SupplierPortalLink
        fields = ["assessment"]
