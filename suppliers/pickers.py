"""The supplier picker's source (isms.pickers): suppliers by name, as the actor may see them."""

from __future__ import annotations

from isms import policy
from isms.pickers import PickSource, register

from .models import Supplier


def _suppliers(actor, scope):
    suppliers = Supplier.objects.all()
    return suppliers if actor is None else policy.restrict(actor, "view", suppliers)


register(
    PickSource(
        name="suppliers",
        scope="suppliers:read",
        queryset=_suppliers,
        search=("name",),
        order=("name",),
    )
)
