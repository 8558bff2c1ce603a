"""Many notifications in one INSERT: what is due travels once per item, who is told once per
row (an item number, a recipient, escalated or not), and each column is one PostgreSQL array
literal (the server parses one string per column, not one literal per value).

The unique key (organisation, recipient, key) decides what is new: every statement built
here ends in ON CONFLICT DO NOTHING.
"""

from __future__ import annotations

from datetime import date

from monitoring.inbox.models import Notification, Stage

TABLE = Notification._meta.db_table
COLUMNS = (
    "(organization_id, recipient_id, kind, stage, subject, body, url, due_on, key, escalated, "
    "created, emailed_at)"
)
# Parameters: organisation, created, [emailed_at,] then Batch.params().
SELECT = (
    "SELECT %s, r.p, i.kind, CASE WHEN r.e THEN '" + Stage.ESCALATED + "' ELSE i.stage END, "
    "i.subject, CASE WHEN r.e THEN i.ebody ELSE i.body END, i.url, i.due_on, "
    "CASE WHEN r.e THEN i.ekey ELSE i.key END, r.e, %s, {emailed} "
    "FROM unnest(%s::int[], %s::bigint[], %s::boolean[]) AS r(n, p, e) "
    "JOIN unnest(%s::text[], %s::text[], %s::text[], %s::date[], %s::text[], %s::text[], "
    "%s::text[], %s::text[], %s::text[]) WITH ORDINALITY "
    "AS i(kind, subject, url, due_on, stage, body, key, ebody, ekey, n) ON i.n = r.n"
)
ON_CONFLICT = " ON CONFLICT (organization_id, recipient_id, key) DO NOTHING"


class Batch:
    """Items (numbered from 1, as WITH ORDINALITY numbers them) and the rows telling people
    about them."""

    def __init__(self) -> None:
        self.kind: list[str] = []
        self.subject: list[str] = []
        self.url: list[str] = []
        self.due_on: list[date | None] = []
        self.stage: list[str] = []
        self.body: list[str] = []
        self.key: list[str] = []
        self.escalation_body: list[str] = []
        self.escalation_key: list[str] = []
        self.row_item: list[int] = []
        self.row_recipient: list[int] = []
        self.row_escalated: list[bool] = []

    def item(
        self,
        *,
        kind: str,
        subject: str,
        url: str,
        due_on: date | None,
        stage: str,
        body: str,
        key: str,
        escalation_body: str = "",
        escalation_key: str = "",
    ) -> int:
        self.kind.append(kind[:60])
        self.subject.append(subject[:300])
        self.url.append(url[:500])
        self.due_on.append(due_on)
        self.stage.append(str(stage))
        self.body.append(body)
        self.key.append(key[:200])
        self.escalation_body.append(escalation_body)
        self.escalation_key.append(escalation_key[:200])
        return len(self.kind)

    def tell(self, item: int, recipients: list[int], escalated: bool = False) -> None:
        n = len(recipients)
        self.row_item += [item] * n
        self.row_recipient += recipients
        self.row_escalated += [escalated] * n

    def __len__(self) -> int:
        return len(self.row_item)

    def params(self) -> list[str]:
        return [
            _array(map(str, self.row_item)),
            _array(map(str, self.row_recipient)),
            _array("t" if e else "f" for e in self.row_escalated),
            _texts(self.kind),
            _texts(self.subject),
            _texts(self.url),
            _array(d.isoformat() if d else "NULL" for d in self.due_on),
            _texts(self.stage),
            _texts(self.body),
            _texts(self.key),
            _texts(self.escalation_body),
            _texts(self.escalation_key),
        ]

    def by_key(self) -> dict[str, tuple[int, bool]]:
        """Stored key → (item index from 0, escalated): maps RETURNING rows back."""
        found = {key: (i, False) for i, key in enumerate(self.key)}
        found.update({key: (i, True) for i, key in enumerate(self.escalation_key) if key})
        return found


def _texts(values: list[str]) -> str:
    return _array('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values)


def _array(elements) -> str:
    return "{" + ",".join(elements) + "}"
