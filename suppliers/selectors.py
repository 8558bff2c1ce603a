"""Reads that are more than a filter: the annotated supplier list, figures for home."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from suppliers.models import (
    EXPIRING_SOON_DAYS,
    AnswerComment,
    Supplier,
    SupplierAnswer,
    SupplierAssessment,
    SupplierCertification,
    SupplierContact,
)

CRITICALITY_RANK = Case(
    *[When(criticality=c, then=Value(i)) for i, c in enumerate(Supplier.Criticality.values)],
    output_field=IntegerField(),
)
RATING_RANK = Case(
    *[
        When(rating=r, then=Value(i + 1))
        for i, r in enumerate(["low", "medium", "high", "critical"])
    ],
    default=Value(0),
    output_field=IntegerField(),
)


def contacts_prefetch() -> Prefetch:
    """Contacts into a plain list: Django builds no related-manager queryset per supplier."""
    return Prefetch(
        "contacts", queryset=SupplierContact.objects.order_by("name"), to_attr="prefetched_contacts"
    )


def suppliers_list(columns: Iterable[str] | None = None) -> QuerySet[Supplier]:
    """Suppliers with owner and certification counts: a constant number of queries.
    `columns` (the register's chosen columns) leaves out the owner's join and the
    certificate counts (a join and a GROUP BY) when those columns are not shown."""
    today = timezone.localdate()
    soon = today + timedelta(days=EXPIRING_SOON_DAYS)
    every = columns is None
    columns = set(columns or ())
    queryset = Supplier.objects.all()
    if every or "owner" in columns:
        queryset = queryset.select_related("owner")
    if every or "certificates" in columns:
        queryset = queryset.annotate(
            certs_expired=Count("certifications", filter=Q(certifications__valid_until__lt=today)),
            certs_expiring=Count(
                "certifications",
                filter=Q(
                    certifications__valid_until__gte=today, certifications__valid_until__lte=soon
                ),
            ),
        )
    return queryset.annotate(criticality_rank=CRITICALITY_RANK, rating_rank=RATING_RANK).order_by(
        "name", "pk"
    )


def supplier_detail(queryset: QuerySet[Supplier]) -> QuerySet[Supplier]:
    return queryset.prefetch_related(
        "contacts",
        Prefetch("certifications", queryset=SupplierCertification.objects.order_by("valid_until")),
        "contract_clauses",
        Prefetch(
            "assessments",
            queryset=SupplierAssessment.objects.select_related("question_set", "decided_by"),
        ),
    )


def assessments_list() -> QuerySet[SupplierAssessment]:
    return SupplierAssessment.objects.select_related(
        "supplier", "question_set", "reviewer", "decided_by", "submitted_by"
    )


def assessment_answers(assessment: SupplierAssessment) -> list[SupplierAnswer]:
    return list(
        SupplierAnswer.objects.filter(assessment=assessment)
        .select_related("question")
        .prefetch_related(
            Prefetch("comments", queryset=AnswerComment.objects.select_related("author")),
            "files",
        )
        .order_by("question__order", "pk")
    )


def home_counts() -> dict[str, int]:
    today = timezone.localdate()
    soon = today + timedelta(days=EXPIRING_SOON_DAYS)
    return {
        "ai_suppliers": Supplier.objects.exclude(ai_services=[])
        .exclude(status=Supplier.Status.TERMINATED)
        .count(),
        "awaiting_review": SupplierAssessment.objects.filter(
            status__in=[SupplierAssessment.Status.SUBMITTED, SupplierAssessment.Status.UNDER_REVIEW]
        ).count(),
        "certs_expiring": SupplierCertification.objects.filter(
            valid_until__gte=today, valid_until__lte=soon
        ).count(),
        "certs_expired": SupplierCertification.objects.filter(valid_until__lt=today)
        .exclude(supplier__status=Supplier.Status.TERMINATED)
        .count(),
    }
