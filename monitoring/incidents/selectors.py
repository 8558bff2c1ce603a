"""Reads of the incident register."""

from __future__ import annotations

from django.db.models import Count, Min, Q, QuerySet

from monitoring.incidents.models import Incident


def incidents_for_list() -> QuerySet[Incident]:
    """Incidents with their owner and the next open reporting deadline, in one query."""
    return (
        Incident.objects.select_related("owner")
        .annotate(
            next_deadline=Min("clocks__due_at", filter=Q(clocks__reported_at__isnull=True)),
            open_clocks=Count("clocks", filter=Q(clocks__reported_at__isnull=True)),
        )
        .order_by(*Incident._meta.ordering)
    )  # GROUP BY drops Meta.ordering: page stably


def incident_detail_queryset() -> QuerySet[Incident]:
    return Incident.objects.select_related(
        "owner", "reported_by", "closed_by", "triaged_by", "check_run"
    )
