"""Incremental sync for integrations (issue 20): what changed since, in order, deletions too.

- Every register list takes `updated_after` (an ISO 8601 date-time): the objects created or
  changed after that moment, the oldest change first (then by id). A model with an `updated`
  column is filtered on it; another is filtered on the time of its latest entry in the audit
  trail, which the database trigger writes for every insert and change, however made.
- `GET …/audit-events/feed/` is the trail oldest first with cursor pagination (by event id,
  so rows inserted while a client pages never shift a page): every insert, change and
  deletion of the organisation, filterable by table, object and action. (A transaction that
  commits after a later-numbered one may land behind a cursor already read: a sync that
  must miss nothing re-reads the last minute with `since`.) Its `action=delete`
  entries are the tombstones a sync applies; retirements are changes of the object's status.
"""

from __future__ import annotations

from datetime import UTC

from django.db.models import CharField, F, OuterRef, Subquery
from django.db.models.functions import Cast, Coalesce
from django.utils.dateparse import parse_datetime
from django.utils.timezone import is_naive, make_aware
from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.filters import BaseFilterBackend

from isms.filters import validate_utc_offset
from isms.models import AuditEvent

PARAMETER = "updated_after"


# When a row without an `updated` column arrived, if the trail has no insert for it.
ARRIVAL_COLUMNS = ("created", "received_at")


def _has_column(model, name: str) -> bool:
    return any(f.name == name for f in model._meta.concrete_fields)


def _has_updated_column(model) -> bool:
    return _has_column(model, "updated")


def _syncable(view) -> bool:
    model = getattr(view, "model", None)
    return (
        getattr(view, "action", None) == "list"
        and model is not None
        and model is not AuditEvent
        and any(f.name == "organization" for f in model._meta.concrete_fields)
    )


def parse_moment(raw: str):
    try:
        moment = parse_datetime(raw.strip().replace(" ", "+")) if raw else None
    except ValueError:  # well-formed but impossible: month 13, hour 25
        moment = None
    if moment is None:
        raise ValidationError(
            {PARAMETER: ["An ISO 8601 date-time, e.g. 2026-12-01T09:30:00Z."]}, code="invalid"
        )
    try:
        validate_utc_offset(moment)
    except Exception as error:
        raise ValidationError({PARAMETER: [str(error.messages[0])]}, code="invalid") from error
    return make_aware(moment, UTC) if is_naive(moment) else moment


class UpdatedAfterFilter(BaseFilterBackend):
    """Applied by TenantViewSet.filter_queryset after the view's own backends, whatever they
    are: an explicit `ordering` wins, else the oldest change first."""

    def filter_queryset(self, request, queryset, view):
        raw = request.query_params.get(PARAMETER)
        if raw is None or not _syncable(view):
            return queryset
        moment = parse_moment(raw)
        explicit = bool(request.query_params.get("ordering"))
        model = queryset.model
        if _has_updated_column(model):
            queryset = queryset.filter(updated__gt=moment)
            return queryset if explicit else queryset.order_by("updated", "pk")
        latest = (
            AuditEvent.objects.filter(
                table_name=model._meta.db_table,
                object_id=Cast(OuterRef("pk"), output_field=CharField()),
            )
            .order_by("-occurred_at")
            .values("occurred_at")[:1]
        )
        changed = Subquery(latest)
        arrival = next((c for c in ARRIVAL_COLUMNS if _has_column(model, c)), None)
        if arrival:
            # Tables whose inserts the trail does not copy (isms.db_security) arrive by this.
            changed = Coalesce(changed, F(arrival))
        queryset = queryset.annotate(last_changed=changed).filter(last_changed__gt=moment)
        return queryset if explicit else queryset.order_by("last_changed", "pk")


def schema_parameters(view) -> list:
    """The `updated_after` parameter, for isms.api.schema.AutoSchema."""
    from drf_spectacular.types import OpenApiTypes
    from drf_spectacular.utils import OpenApiParameter

    if not _syncable(view):
        return []
    return [
        OpenApiParameter(
            PARAMETER,
            OpenApiTypes.DATETIME,
            required=False,
            description="Only objects created or changed after this moment (ISO 8601), the "
            "oldest change first unless `ordering` is given. Deletions are in "
            "`audit-events/feed/?action=delete`.",
        )
    ]


class FeedCursorPagination(pagination.CursorPagination):
    """Oldest first by event id: a page never shifts when events are added meanwhile."""

    ordering = "id"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500
