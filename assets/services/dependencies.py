"""Dependencies between assets; a cycle is refused with its path."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from assets.models import (
    Asset,
    AssetDependency,
    DependencyKind,
)
from isms import policy
from isms.access import Actor
from isms.writes import unique_or_conflict

# --- Dependencies ----------------------------------------------------------------------------


def _find_path(edges: dict[int, set[int]], start: int, goal: int) -> list[int] | None:
    """A path start → … → goal along depends-on edges, or None (breadth first)."""
    previous: dict[int, int | None] = {start: None}
    queue = [start]
    while queue:
        node = queue.pop(0)
        if node == goal:
            path = []
            while node is not None:
                path.append(node)
                node = previous[node]
            return path[::-1]
        for nxt in edges.get(node, ()):
            if nxt not in previous:
                previous[nxt] = node
                queue.append(nxt)
    return None


@transaction.atomic
def dependency_add(
    *, actor: Actor, asset: Asset, depends_on: Asset, kind: str, note: str = ""
) -> AssetDependency:
    policy.require(actor, "change", asset)
    if kind not in DependencyKind.values:
        raise ValidationError(
            {"kind": f"{kind!r} is not one of: {', '.join(DependencyKind.values)}."}
        )
    if not Asset.objects.filter(pk=depends_on.pk).exists():
        raise ValidationError(
            {"depends_on": f"No asset with id {depends_on.pk} in this organisation."}
        )
    if asset.pk == depends_on.pk:
        raise ValidationError(
            {"depends_on": f"An asset cannot depend on itself ({asset.name} → {asset.name})."}
        )
    if AssetDependency.objects.filter(asset=asset, depends_on=depends_on, kind=kind).exists():
        raise ValidationError({"depends_on": "This dependency is already recorded."})
    edges: dict[int, set[int]] = {}
    for a, d in AssetDependency.objects.values_list("asset_id", "depends_on_id"):
        edges.setdefault(a, set()).add(d)
    path = _find_path(edges, depends_on.pk, asset.pk)
    if path is not None:
        names = dict(Asset.objects.filter(pk__in=path).values_list("pk", "name"))
        cycle = " → ".join([asset.name, *(names[p] for p in path)])
        raise ValidationError({"depends_on": f"This dependency would make a cycle: {cycle}."})
    duplicate = {
        "assetdependency_unique_edge": ("depends_on", "This dependency is already recorded.")
    }
    with unique_or_conflict(duplicate):
        return AssetDependency.objects.create(
            asset=asset, depends_on=depends_on, kind=kind, note=note.strip()
        )


@transaction.atomic
def dependency_remove(*, actor: Actor, dependency: AssetDependency) -> None:
    policy.require(actor, "delete", dependency)
    dependency.delete()
