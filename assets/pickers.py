"""The asset pickers' sources (isms.pickers): register assets by name, as the actor may see
them (shadow-AI reports still in triage or dismissed are not in the register)."""

from __future__ import annotations

from isms import policy
from isms.pickers import PickSource, register

from .models import AI_TYPES, Asset

IN_REGISTER = ("", "accepted")


def _assets(actor, scope):
    assets = Asset.objects.filter(triage_status__in=IN_REGISTER)
    return assets if actor is None else policy.restrict(actor, "view", assets)


def _ai_assets(actor, scope):
    return _assets(actor, scope).filter(asset_type__in=AI_TYPES)


register(
    PickSource(
        name="assets", scope="assets:read", queryset=_assets, search=("name",), order=("name",)
    )
)
register(
    PickSource(
        name="ai_assets",
        scope="assets:read",
        queryset=_ai_assets,
        search=("name",),
        order=("name",),
    )
)
