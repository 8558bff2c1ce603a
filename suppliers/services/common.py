from __future__ import annotations

from isms.access import Actor


def actor_label(actor: Actor | None) -> str:
    return actor.label if actor is not None else "system"
