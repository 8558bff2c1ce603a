"""Reads of the ISMS core that are more than a filter."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet

from isms.models import Control, ControlMapping, Framework, Membership


def memberships_for_user(user) -> list[Membership]:
    """The user's active memberships, for the organisation switcher."""
    return list(
        Membership.objects.active()
        .filter(user=user)
        .select_related("organization")
        .order_by("organization__name")
    )


def membership_for(user, organization_slug: str) -> Membership | None:
    """The user's membership of an organisation, expired or not; None if there is none."""
    return (
        Membership.objects.select_related("organization", "user")
        .filter(user=user, organization__slug=organization_slug)
        .first()
    )


def frameworks_with_counts() -> QuerySet[Framework]:
    return Framework.objects.annotate(control_count=Count("controls")).order_by("code")


def controls_list() -> QuerySet[Control]:
    """Controls with `has_counterpart`: whether the mapping between the frameworks links the
    control to any control of the other one (those without show "no counterpart")."""
    return Control.objects.select_related("framework").annotate(
        has_counterpart=Exists(ControlMapping.objects.filter(source=OuterRef("pk")))
        | Exists(ControlMapping.objects.filter(target=OuterRef("pk")))
    )


def control_with_mappings(queryset: QuerySet[Control]) -> QuerySet[Control]:
    mapping_qs = ControlMapping.objects.select_related("source__framework", "target__framework")
    return queryset.prefetch_related(
        Prefetch("mappings_out", queryset=mapping_qs),
        Prefetch("mappings_in", queryset=mapping_qs),
    )


# Each step reads the next greater actor id from the (organization_id, actor_id) index: as many
# index probes as there are people in the trail, where SELECT DISTINCT read every event
# (95 ms for bench-large's 229,142). Row-level security narrows every probe to the
# organisation in context as well.
_TRAIL_ACTORS = """
WITH RECURSIVE actors(actor_id) AS (
    (SELECT actor_id FROM isms_auditevent
     WHERE organization_id = %(organization)s AND actor_id IS NOT NULL
     ORDER BY actor_id LIMIT 1)
    UNION ALL
    SELECT (SELECT e.actor_id FROM isms_auditevent e
            WHERE e.organization_id = %(organization)s AND e.actor_id > actors.actor_id
            ORDER BY e.actor_id LIMIT 1)
    FROM actors WHERE actors.actor_id IS NOT NULL
)
SELECT actor_id FROM actors WHERE actor_id IS NOT NULL
"""


def trail_actor_ids() -> list[int]:
    """The user ids of everyone who appears in the audit trail of the organisation in
    context (members or not any more), in one statement of one index probe per person."""
    from django.db import connection

    from isms.tenancy import current_organization_id

    with connection.cursor() as cursor:
        cursor.execute(_TRAIL_ACTORS, {"organization": current_organization_id()})
        return [row[0] for row in cursor.fetchall()]
