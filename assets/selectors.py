"""Reads of the asset register that are more than a filter."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from isms.models import Membership
from isms.tenancy import current_organization_id

from .models import AI_TYPES, Asset, AssetDependency, Triage

REVIEW_INTERVAL = timedelta(days=365)


def _owner_is_member() -> Exists:
    return Exists(
        Membership.objects.active().filter(
            organization_id=OuterRef("organization_id"), user_id=OuterRef("owner_id")
        )
    )


LIST_JOINS = ("owner", "custodian", "supplier")


def assets_for_list(columns: Iterable[str] | None = None) -> QuerySet[Asset]:
    """Every asset (shadow reports included) with what lists show: owner, custodian,
    supplier, and whether the owner is still a member. AssetFilterSet narrows it to the
    register unless a triage state is asked for. `columns` (the register's chosen columns)
    leaves out the joins of columns not shown."""
    joins = LIST_JOINS if columns is None else [j for j in LIST_JOINS if j in set(columns)]
    assets = Asset.objects.all()
    if joins:  # select_related() with no names would join every non-null relation
        assets = assets.select_related(*joins)
    return assets.annotate(owner_is_member=_owner_is_member())


def assets_for_api() -> QuerySet[Asset]:
    """The API's rows: the custodian and the supplier are ids in its answer, so only the
    owner (whose name it shows) is joined; building two more model objects per row was a
    visible part of a page's time (issue 19)."""
    return Asset.objects.select_related("owner").annotate(owner_is_member=_owner_is_member())


def register() -> QuerySet[Asset]:
    """Assets in the register (not shadow reports awaiting or refused triage)."""
    return assets_for_list().filter(triage_status__in=[Triage.NONE, Triage.ACCEPTED])


def needing_new_owner(queryset: QuerySet[Asset] | None = None) -> QuerySet[Asset]:
    """Assets with no owner, or whose owner's membership was removed or has expired."""
    queryset = register() if queryset is None else queryset
    return queryset.filter(Q(owner__isnull=True) | Q(owner_is_member=False))


def not_reviewed_since(queryset: QuerySet[Asset], now=None) -> QuerySet[Asset]:
    cutoff = (now or timezone.now()) - REVIEW_INTERVAL
    return queryset.filter(Q(last_reviewed_at__isnull=True) | Q(last_reviewed_at__lt=cutoff))


def triage_queue() -> QuerySet[Asset]:
    return (
        Asset.objects.filter(triage_status=Triage.PENDING)
        .select_related("reported_by", "supplier")
        .order_by("created", "id")
    )


def asset_detail() -> QuerySet[Asset]:
    return Asset.objects.select_related(
        "owner", "custodian", "supplier", "reported_by", "triaged_by", "created_by"
    ).annotate(owner_is_member=_owner_is_member())


def home_counts() -> dict[str, int]:
    in_register = Q(triage_status__in=[Triage.NONE, Triage.ACCEPTED])
    # The members are read once (a hashed set) rather than looked up for each of 10,000 rows
    # (an EXISTS per row was 100 ms of the dashboard in the large organisation).
    members = Membership.objects.active().filter(organization_id=current_organization_id())
    counts = Asset.objects.aggregate(
        ai=Count("pk", filter=in_register & Q(asset_type__in=AI_TYPES) & ~Q(lifecycle="retired")),
        ownerless=Count(
            "pk",
            filter=in_register
            & (Q(owner__isnull=True) | ~Q(owner_id__in=members.values("user_id"))),
        ),
        triage=Count("pk", filter=Q(triage_status=Triage.PENDING)),
    )
    return counts


# --- The dependency graph --------------------------------------------------------------------


@dataclass
class GraphNode:
    asset_id: int
    name: str
    asset_type: str
    lifecycle: str
    depth: int  # negative: what it depends on; positive: what depends on it; 0: the asset
    x: int = 0
    y: int = 0


@dataclass
class GraphEdge:
    source: GraphNode  # the dependent
    target: GraphNode  # what it depends on
    label: str


@dataclass
class DependencyGraph:
    nodes: list[GraphNode] = field(default_factory=list)
    edges: list[GraphEdge] = field(default_factory=list)
    width: int = 0
    height: int = 0

    @property
    def upstream(self) -> list[GraphNode]:
        return [n for n in self.nodes if n.depth < 0]

    @property
    def downstream(self) -> list[GraphNode]:
        return [n for n in self.nodes if n.depth > 0]


NODE_W, NODE_H, COL_GAP, ROW_GAP, MAX_DEPTH = 190, 44, 80, 16, 4


def dependency_graph(asset: Asset) -> DependencyGraph:
    """The asset, what it depends on (transitively, left) and what would break if it were
    withdrawn (transitively, right), laid out in columns by distance. Three queries."""
    edges = list(AssetDependency.objects.values_list("asset_id", "depends_on_id", "kind"))
    forward: dict[int, list[int]] = {}
    backward: dict[int, list[int]] = {}
    for a, d, _ in edges:
        forward.setdefault(a, []).append(d)
        backward.setdefault(d, []).append(a)
    depth: dict[int, int] = {asset.pk: 0}
    for adjacency, sign in ((forward, -1), (backward, 1)):
        frontier = [asset.pk]
        for level in range(1, MAX_DEPTH + 1):
            nxt = []
            for node in frontier:
                for other in adjacency.get(node, ()):
                    if other not in depth:
                        depth[other] = sign * level
                        nxt.append(other)
            frontier = nxt
    rows = Asset.objects.filter(pk__in=depth).values_list("pk", "name", "asset_type", "lifecycle")
    nodes = {pk: GraphNode(pk, name, kind, stage, depth[pk]) for pk, name, kind, stage in rows}
    graph = DependencyGraph()
    columns: dict[int, list[GraphNode]] = {}
    for node in sorted(nodes.values(), key=lambda n: (n.depth, n.name.lower())):
        columns.setdefault(node.depth, []).append(node)
    min_depth = min(columns)
    for col_depth, members in columns.items():
        for row, node in enumerate(members):
            node.x = 10 + (col_depth - min_depth) * (NODE_W + COL_GAP)
            node.y = 10 + row * (NODE_H + ROW_GAP)
    graph.nodes = [n for members in sorted(columns.items()) for n in members[1]]
    from .models import DependencyKind

    for a, d, kind in edges:
        if a in nodes and d in nodes and abs(depth[a] - depth[d]) == 1:
            graph.edges.append(GraphEdge(nodes[a], nodes[d], DependencyKind(kind).label))
    graph.width = 20 + len(columns) * NODE_W + (len(columns) - 1) * COL_GAP
    graph.height = 20 + max(len(m) for m in columns.values()) * (NODE_H + ROW_GAP)
    return graph
