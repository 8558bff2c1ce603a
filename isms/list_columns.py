"""Column choice on the large registers (assets, risks, suppliers): the member picks which
columns a register shows, and the choice is remembered for them (isms.models.ListColumns).

A register declares its columns once (`ColumnSet`); the list view (`ColumnChoiceMixin`)
reads the member's choice, gives the template `shown` (key -> True) and `column_choice`
(the chooser), and hands the chosen keys to its selector so that a column not shown is not
joined or counted either. The chooser is a plain form (a fieldset of check boxes posted to
`ListColumnsView`), so it works without JavaScript; with HTMX the post answers with the
register's rows in place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect, QueryDict
from django.urls import reverse
from django.views import View

from isms.models import ListColumns


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    default: bool = True
    # The column that names the row and links to it cannot be hidden.
    always: bool = False


@dataclass(frozen=True)
class ColumnSet:
    register: str  # the stored name, e.g. "assets"
    list_url_name: str  # the register's page, which the chooser returns to
    columns: tuple[Column, ...]
    keys: frozenset[str] = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "keys", frozenset(c.key for c in self.columns))

    def defaults(self) -> list[str]:
        return [c.key for c in self.columns if c.default or c.always]

    def normalise(self, keys) -> list[str]:
        """The keys in declaration order, with the always-shown ones; unknown keys dropped
        (a column removed from a register since the choice was saved)."""
        wanted = set(keys)
        return [c.key for c in self.columns if c.always or c.key in wanted]


def list_columns_get(*, user, column_set: ColumnSet) -> list[str]:
    """The columns `user` chose for the register, or its defaults. One query."""
    saved = (
        ListColumns.objects.filter(user=user, register=column_set.register)
        .values_list("columns", flat=True)
        .first()
    )
    return column_set.defaults() if saved is None else column_set.normalise(saved)


def list_columns_set(*, user, column_set: ColumnSet, keys: list[str]) -> list[str]:
    """Remember the columns `user` wants on the register. Refuses a key the register does not
    have, and a choice that leaves only the always-shown columns is allowed (a narrow list)."""
    unknown = sorted(set(keys) - column_set.keys)
    if unknown:
        raise ValidationError(
            {"columns": f"This register has no column {', '.join(map(repr, unknown))}."}
        )
    chosen = column_set.normalise(keys)
    with transaction.atomic():
        ListColumns.objects.update_or_create(
            user=user, register=column_set.register, defaults={"columns": chosen}
        )
    return chosen


def list_columns_reset(*, user, column_set: ColumnSet) -> list[str]:
    with transaction.atomic():
        ListColumns.objects.filter(user=user, register=column_set.register).delete()
    return column_set.defaults()


class ColumnChoiceMixin:
    """For an OrgListView: `column_set` declares the columns; `self.shown_columns` is the
    member's choice (read before the queryset, so a selector can leave out what is hidden)."""

    column_set: ColumnSet
    columns_url_name: str

    def get_queryset(self):
        self.shown_columns = list_columns_get(user=self.request.user, column_set=self.column_set)
        return super().get_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        shown = set(self.shown_columns)
        context["shown"] = {key: True for key in self.shown_columns}
        context["column_count"] = len(self.shown_columns) + context.get("extra_columns", 0)
        context["column_choice"] = {
            "action": reverse(self.columns_url_name, args=[self.organization.slug]),
            "columns": [{**c.__dict__, "checked": c.key in shown} for c in self.column_set.columns],
            "return_query": self.request.GET.urlencode(),
            "target": getattr(self, "rows_target", ""),
        }
        return context


class ListColumnsView(View):
    """POST `columns=<key>…` (or `reset=1`) → back to the register, with the query it was
    shown with. Mixed with OrgViewMixin by each register (its own read scope): choosing
    columns changes nothing of the organisation, so reading the register is enough."""

    column_set: ColumnSet
    scope_map: dict[str, list[str]] = {}

    def post(self, request, *args, **kwargs):
        if request.POST.get("reset"):
            chosen = list_columns_reset(user=request.user, column_set=self.column_set)
        else:
            chosen = list_columns_set(
                user=request.user,
                column_set=self.column_set,
                keys=request.POST.getlist("columns"),
            )
        if not request.headers.get("HX-Request"):  # with HTMX the new rows say it
            labels = {c.key: c.label for c in self.column_set.columns}
            messages.success(request, f"Columns shown: {', '.join(labels[key] for key in chosen)}.")
        url = reverse(self.column_set.list_url_name, args=[self.organization.slug])
        query = request.POST.get("return_query", "")
        # With HTMX the filter bar may have changed the register's query since the page was
        # drawn: the address the browser shows now (HX-Current-URL) is the one to go back to.
        current = urlsplit(request.headers.get("HX-Current-URL", ""))
        if current.path == url:
            query = current.query
        # The query string is parsed and re-encoded: only a query for the register's own page.
        query = QueryDict(query).urlencode()
        # With HTMX the browser follows the redirect with the HX-Request header still set, and
        # the register answers with its rows, which the chooser's hx-target swaps in.
        return HttpResponseRedirect(f"{url}?{query}" if query else url)
