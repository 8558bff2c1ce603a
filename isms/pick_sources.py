"""The pickers isms owns: members (who may hold a duty) and the control library."""

from __future__ import annotations

from isms.members import active_members, member_label
from isms.models import Control
from isms.pickers import PickSource, register

register(
    PickSource(
        name="members",
        scope="org:read",
        queryset=lambda actor, scope: active_members(scope=scope),
        search=("first_name", "last_name", "email"),
        label=member_label,
        takes_scope=True,
    )
)

register(
    PickSource(
        name="controls",
        scope="controls:read",
        queryset=lambda actor, scope: Control.objects.select_related("framework"),
        search=("ref", "title", "framework__code"),
        label=lambda c: f"{c.framework.code} {c.ref} {c.title}",
    )
)
