"""The due-source registry: every register tells the sweep what is due, for whom.

    @due_source("supplier_certificate")
    def certificates(organization_id: int, today: date) -> Iterable[DueItem]:
        ...

A source runs inside the organisation's tenant context, must be set-based (a constant number
of queries whatever the organisation's size) and should return only items due within
`horizon(today)` (the sweep drops the rest). `DueItem.key` identifies the thing and must be
stable: the sweep appends the reminder stage to it, and the database keeps one notification
per (organisation, recipient, key).

`escalate_after_days=None` means "the organisation's setting"; escalation goes to the members
holding `<domain>:manage` (isms.access), never to a role by name.

A source whose items are its rows, one recipient (or a condition) per row, may also register a
counter (`@due_counter(kind)`): the home page's figure then counts that source's items for one
person in a single aggregate query (`TaskQuery.count`) instead of building every item of the
organisation; the counts are those `my_tasks` would find (tests/monitoring/test_task_counts.py).
A source whose item gathers many rows (a policy version's missing readers) may count its rows
per item in SQL instead and sort its few items for the person with `TaskQuery.tally`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Q, QuerySet
from django.urls import reverse

from monitoring.inbox.models import MAX_SOON_DAYS, Stage


@dataclass(frozen=True)
class DueItem:
    recipient_ids: list[int]
    key: str
    subject: str
    url: str
    due_on: date
    escalate_after_days: int | None = None
    domain: str = "monitoring"  # whose officers an overdue item escalates to
    kind: str = field(default="", compare=False)  # filled in from the source's kind

    def escalates_after(self, organisation_default: int) -> int:
        """Days overdue before the officers are told: the item's own figure (0: at once)
        when it has one, else the organisation's setting."""
        if self.escalate_after_days is None:
            return organisation_default
        return self.escalate_after_days

    @property
    def kind_label(self) -> str:
        return _labels.get(self.kind) or self.kind.replace("_", " ").capitalize()


DueSource = Callable[[int, date], Iterable[DueItem]]
_sources: dict[str, DueSource] = {}
_labels: dict[str, str] = {}


def due_source(kind: str, label: str = "") -> Callable[[DueSource], DueSource]:
    """Register `fn(organization_id, today) -> Iterable[DueItem]` under `kind`."""

    def register(fn: DueSource) -> DueSource:
        _sources[kind] = fn
        if label:
            _labels[kind] = label
        return fn

    return register


def registered() -> dict[str, DueSource]:
    return dict(_sources)


@dataclass
class TaskCounts:
    """How many of a person's tasks are in each stage (as selectors.MyTasks sorts them)."""

    overdue: int = 0
    due: int = 0
    soon: int = 0
    escalated: int = 0

    def add(self, other: TaskCounts) -> None:
        self.overdue += other.overdue
        self.due += other.due
        self.soon += other.soon
        self.escalated += other.escalated


@dataclass(frozen=True)
class TaskQuery:
    """One person's view of the due items: theirs by stage, and others' items overdue long
    enough to escalate in the domains whose `<domain>:manage` scope they hold."""

    user_id: int
    today: date
    soon_days: int
    escalate_after_days: int  # the organisation's setting
    scopes: frozenset[str]

    def count(
        self,
        rows: QuerySet,
        due: str,
        mine: Q,
        domain: str = "monitoring",
        escalate_after_days: int | None = None,
    ) -> TaskCounts:
        """Count the items of `rows` (one item per row, due on the date field `due`) in one
        query: `mine` is the condition of a row whose item reaches this person."""
        today = self.today
        wanted = {
            "overdue": mine & Q(**{f"{due}__lt": today}),
            "due": mine & Q(**{due: today}),
            "soon": mine
            & Q(**{f"{due}__gt": today, f"{due}__lte": today + timedelta(days=self.soon_days)}),
        }
        if f"{domain}:manage" in self.scopes:
            after = self.escalate_after_days if escalate_after_days is None else escalate_after_days
            last = today - timedelta(days=max(after, 1))  # overdue, and for `after` days
            wanted["escalated"] = ~mine & Q(**{f"{due}__lte": last})
        found = rows.order_by().aggregate(**{k: Count("pk", filter=q) for k, q in wanted.items()})
        return TaskCounts(**found)

    def tally(self, items: Iterable[tuple[date, bool, int | None]], domain: str) -> TaskCounts:
        """Count a few items a counter has worked out itself, as `my_tasks` sorts them: each
        is (due on, whether it reaches this person, its own escalation delay or None)."""
        from monitoring.inbox.services import stage_of

        counts = TaskCounts()
        escalates = f"{domain}:manage" in self.scopes
        for due_on, mine, escalate_after_days in items:
            stage = stage_of(due_on, self.today, self.soon_days)
            if stage is None:
                continue
            if mine:
                setattr(counts, str(stage), getattr(counts, str(stage)) + 1)
            elif stage == Stage.OVERDUE and escalates:
                after = (
                    self.escalate_after_days if escalate_after_days is None else escalate_after_days
                )
                if (self.today - due_on).days >= after:
                    counts.escalated += 1
        return counts


DueCounter = Callable[[int, TaskQuery], TaskCounts]
_counters: dict[str, DueCounter] = {}


def due_counter(kind: str) -> Callable[[DueCounter], DueCounter]:
    """Register `fn(organization_id, query) -> TaskCounts` as the counter of source `kind`
    (run inside a gather's context: the shared member list is read)."""

    def register(fn: DueCounter) -> DueCounter:
        _counters[kind] = fn
        return fn

    return register


def counters() -> dict[str, DueCounter]:
    return dict(_counters)


_horizon_days = MAX_SOON_DAYS


def horizon(today: date) -> date:
    """The furthest due date the "due soon" window of the organisation being gathered
    reaches (any organisation's, MAX_SOON_DAYS, outside a gather that names it)."""
    return today + timedelta(days=_horizon_days)


def gather(
    organization_id: int,
    today: date,
    kinds: Iterable[str] | None = None,
    soon_days: int | None = None,
) -> list[DueItem]:
    """Every due item of the organisation (in context), each tagged with its source's kind.
    `soon_days`: the organisation's "due soon" window, when the caller reads only items in
    it (sources then leave out the ones due later)."""
    global _horizon_days
    wanted = set(kinds) if kinds is not None else None
    _url_makers.clear()
    _memberships.clear()
    _people.clear()
    _designations.clear()
    _members(organization_id)  # every gather reads the members once, used or not
    url_maker(organization_id)
    items: list[DueItem] = []
    _horizon_days = min(soon_days, MAX_SOON_DAYS) if soon_days else MAX_SOON_DAYS
    try:
        for kind, source in _sources.items():
            if wanted is not None and kind not in wanted:
                continue
            for item in source(organization_id, today):
                if not item.kind:  # the item is the source's own, made for this gather
                    object.__setattr__(item, "kind", kind)
                items.append(item)
    finally:
        _horizon_days = MAX_SOON_DAYS
    return items


_memberships: dict[int, list[tuple[int, str]]] = {}
_people: dict[int, dict[int, tuple[str, str]]] = {}
_designations: dict[int, dict[str, list[int]]] = {}


def _members(organization_id: int) -> list[tuple[int, str]]:
    """(user id, role) of the organisation's active members: one query per gather(), which
    also reads their addresses for the digests (`people`)."""
    from isms.models import Membership

    if organization_id not in _memberships:
        rows = list(
            Membership.objects.active()
            .filter(organization_id=organization_id)
            .order_by("user_id")
            .values_list(
                "user_id",
                "role",
                "user__email",
                "user__first_name",
                "user__last_name",
                "top_management",
            )
        )
        _memberships[organization_id] = [(u, role) for u, role, *_ in rows]
        _people[organization_id] = {
            u: (email, f"{first} {last}".strip() or email) for u, _, email, first, last, _ in rows
        }
        _designations[organization_id] = {
            "top_management": [u for u, role, *_, top in rows if top and _may_hold(role)]
        }
    return _memberships[organization_id]


def people(organization_id: int) -> dict[int, tuple[str, str]]:
    """user id → (e-mail, name) of the active members (read by the gather's one query)."""
    _members(organization_id)
    return _people[organization_id]


def active_member_ids(organization_id: int) -> set[int]:
    return {user_id for user_id, _ in _members(organization_id)}


def designated_members(organization_id: int, designation: str) -> list[int]:
    """Ids of the active members holding a designation (isms.access.DESIGNATION_SCOPES), only
    where their role may hold a responsibility (never an auditor)."""
    _members(organization_id)
    return list(_designations[organization_id].get(designation, ()))


def _may_hold(role: str) -> bool:
    from isms.access import OWN_SCOPE, ROLE_SCOPES

    return OWN_SCOPE in ROLE_SCOPES.get(role, ())


def members_with_scope(organization_id: int, scope: str) -> list[int]:
    """Ids of the active members whose role carries `scope` (the role → scope table of
    isms.access decides; "officers" are the members with `<domain>:manage`)."""
    from isms.access import ROLE_SCOPES

    return [u for u, role in _members(organization_id) if scope in ROLE_SCOPES.get(role, ())]


_url_makers: dict[int, UrlMaker] = {}


def url_maker(organization_id: int) -> UrlMaker:
    """The organisation's UrlMaker, shared by the sources of one gather() (one query)."""
    maker = _url_makers.get(organization_id)
    if maker is None:
        maker = _url_makers[organization_id] = UrlMaker(organization_id)
    return maker


class UrlMaker:
    """Builds object URLs without a `reverse()` per object (sources make thousands)."""

    _PLACEHOLDER = 987654321

    def __init__(self, organization_id: int):
        from isms.models import Organization

        self.slug, self.name = Organization.objects.values_list("slug", "name").get(
            pk=organization_id
        )
        self._templates: dict[str, str] = {}

    def __call__(self, name: str, pk: int | None = None, query: str = "") -> str:
        template = self._templates.get(name)
        if template is None:
            kwargs = {"org_slug": self.slug}
            if pk is not None:
                kwargs["pk"] = self._PLACEHOLDER
            template = reverse(name, kwargs=kwargs)
            self._templates[name] = template
        url = template.replace(str(self._PLACEHOLDER), str(pk)) if pk is not None else template
        return url + (f"?{query}" if query else "")
