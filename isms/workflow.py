"""Workflows: the allowed transitions in one table each, and one function that makes them.

    CHANGE_REQUEST = Workflow(
        AIChangeRequest,
        transitions=[
            Transition("submit", {Status.DRAFT}, Status.SUBMITTED, "submitted"),
            Transition("approve", {Status.SUBMITTED}, Status.APPROVED, "approved",
                       stamp=("approved_by", "approved_at")),
        ],
    )
    request = transition(CHANGE_REQUEST, request, "approve", actor=actor,
                         lock_also=[request.asset], apply=promote_asset)

`transition()` is race-safe by construction:
1. it locks (SELECT … FOR UPDATE) the object and every object the transition moves, all in
   one call and in one global order (table name, then id), so two transitions can never wait
   on each other in opposite orders (no deadlock);
2. it re-reads the state under the lock: a transition that started from a state another
   request has since left is refused with 409 `invalid_transition`;
3. it asks the model's authorization policy (isms.policy) for the transition's action, on
   the freshly read object (segregation of duties sees the latest participants);
4. it writes only the fields it changes (`save(update_fields=…)`), so a concurrent edit of
   other fields is never overwritten, and records who, when and why in a TransitionRecord.

Never take a row lock anywhere else before calling it: all locks of a transaction go through
`lock()`, once, at its start.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import models, transaction
from django.utils import timezone

from isms import policy
from isms.access import Actor
from isms.errors import TransitionRefused
from isms.models import TransitionRecord


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    target: str
    verb: str  # past participle, for messages: "approved"
    action: str | None = None  # the policy action checked; the transition's name by default
    stamp: tuple[str, str] | None = None  # (user field, time field) set to the actor and now

    def __post_init__(self):
        object.__setattr__(self, "sources", frozenset(self.sources))

    @property
    def policy_action(self) -> str:
        return self.action or self.name


@dataclass
class Workflow:
    model: type[models.Model]
    transitions: Iterable[Transition]
    state_field: str = "status"
    label: str = ""
    by_name: dict[str, Transition] = field(init=False)

    def __post_init__(self):
        self.transitions = tuple(self.transitions)
        self.by_name = {t.name: t for t in self.transitions}
        if len(self.by_name) != len(self.transitions):
            raise ValueError(f"{self.model.__name__}: duplicate transition names")
        self.label = self.label or self.model._meta.label
        _workflows.append(self)

    @property
    def states(self) -> dict[str, str]:
        """state value -> label, from the state field's choices."""
        return dict(self.model._meta.get_field(self.state_field).flatchoices)

    def state_of(self, obj) -> str:
        return getattr(obj, self.state_field)

    def refusal(self, obj, name: str) -> str | None:
        """Why the transition cannot start from the object's current state (None: it can)."""
        move = self.by_name[name]
        state = self.state_of(obj)
        if state in move.sources:
            return None
        states = self.states
        allowed = " or ".join(str(states.get(s, s)).lower() for s in sorted(move.sources))
        noun = self.model._meta.verbose_name
        return (
            f"This {noun} is {str(states.get(state, state)).lower()}; only one that is "
            f"{allowed} can be {move.verb}."
        )

    def available(self, actor: Actor, obj) -> list[Transition]:
        """The transitions this actor can make on this object now (for rendering buttons)."""
        return [
            t
            for t in self.transitions
            if self.refusal(obj, t.name) is None and policy.can(actor, t.policy_action, obj)
        ]


_workflows: list[Workflow] = []


def workflows() -> list[Workflow]:
    """Every workflow declared so far (import the apps' services to declare theirs)."""
    return list(_workflows)


def lock(*objects: models.Model) -> list[models.Model]:
    """Lock the rows of `objects` in one global order and return them freshly read, in the
    order given. Must run inside a transaction; call it once, before any other write."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock() needs a transaction (wrap the work in transaction.atomic()).")
    order = sorted(
        {(type(o)._meta.db_table, o.pk): o for o in objects if o is not None}.items(),
        key=lambda item: item[0],
    )
    fresh: dict[tuple[str, object], models.Model] = {}
    for key, obj in order:
        manager = type(obj)._default_manager
        fresh[key] = manager.select_for_update(of=("self",)).get(pk=obj.pk)
    return [fresh[(type(o)._meta.db_table, o.pk)] if o is not None else None for o in objects]


def transition(
    workflow: Workflow,
    obj: models.Model,
    name: str,
    *,
    actor: Actor | None,
    reason: str = "",
    lock_also: Iterable[models.Model | None] = (),
    apply: Callable[..., Iterable[str] | None] | None = None,
    check_policy: bool = True,
) -> models.Model:
    """Move `obj` through transition `name`; returns the object as now stored.

    `apply(obj, *locked_others)` makes the transition's other changes and returns the names
    of the fields it changed on `obj` (it saves the other objects itself, with update_fields).
    `actor=None` is the system (a scheduled sweep); it skips the policy check.
    """
    move = workflow.by_name[name]
    with transaction.atomic():
        fresh, *others = lock(obj, *lock_also)
        if check_policy and actor is not None:
            policy.require(actor, move.policy_action, fresh)
        refused = workflow.refusal(fresh, name)
        if refused is not None:
            raise TransitionRefused(refused)
        before = workflow.state_of(fresh)
        setattr(fresh, workflow.state_field, move.target)
        changed = {workflow.state_field}
        if move.stamp is not None:
            user_field, time_field = move.stamp
            setattr(fresh, f"{user_field}_id", actor.user_id if actor else None)
            setattr(fresh, time_field, timezone.now())
            changed |= {user_field, time_field}
        if apply is not None:
            changed |= set(apply(fresh, *others) or ())
        if any(f.name == "updated" for f in fresh._meta.concrete_fields):
            changed.add("updated")
        fresh.save(update_fields=sorted(changed))
        TransitionRecord.objects.create(
            table_name=fresh._meta.db_table,
            object_id=str(fresh.pk),
            workflow=workflow.label,
            transition=name,
            from_state=before,
            to_state=move.target,
            actor_id=actor.user_id if actor else None,
            actor_label=actor.label if actor else "system",
            reason=reason,
        )
    return fresh
