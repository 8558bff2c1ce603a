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
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.urls import reverse

from monitoring.inbox.models import MAX_SOON_DAYS


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


def horizon(today: date) -> date:
    """The furthest due date any organisation's "due soon" window reaches."""
    return today + timedelta(days=MAX_SOON_DAYS)


def gather(organization_id: int, today: date, kinds: Iterable[str] | None = None) -> list[DueItem]:
    """Every due item of the organisation (in context), each tagged with its source's kind."""
    wanted = set(kinds) if kinds is not None else None
    _url_makers.clear()
    _memberships.clear()
    _members(organization_id)  # every gather reads the members once, used or not
    url_maker(organization_id)
    items: list[DueItem] = []
    for kind, source in _sources.items():
        if wanted is not None and kind not in wanted:
            continue
        for item in source(organization_id, today):
            items.append(
                item
                if item.kind
                else DueItem(
                    recipient_ids=list(item.recipient_ids),
                    key=item.key,
                    subject=item.subject,
                    url=item.url,
                    due_on=item.due_on,
                    escalate_after_days=item.escalate_after_days,
                    domain=item.domain,
                    kind=kind,
                )
            )
    return items


_memberships: dict[int, list[tuple[int, str]]] = {}


def _members(organization_id: int) -> list[tuple[int, str]]:
    """(user id, role) of the organisation's active members: one query per gather()."""
    from isms.models import Membership

    if organization_id not in _memberships:
        _memberships[organization_id] = list(
            Membership.objects.active()
            .filter(organization_id=organization_id)
            .order_by("user_id")
            .values_list("user_id", "role")
        )
    return _memberships[organization_id]


def active_member_ids(organization_id: int) -> set[int]:
    return {user_id for user_id, _ in _members(organization_id)}


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
