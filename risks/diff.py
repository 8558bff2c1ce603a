"""What changed between two snapshots (SoA, risk register, risk treatment plan), as an
auditor reads it: rows added and removed by their reference and title, and per changed row
the fields that changed by their label, with values in words.

A field holding a set (inclusion reasons, linked risks, evidence links, what a risk
threatens) is compared as a set: the same members saved in another order are no change.
Pure functions over the snapshots' frozen rows (plain data); they never touch the database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class DiffField:
    label: str
    is_set: bool = False
    # value -> label (choices), for values stored as codes
    choices: Mapping[str, str] = field(default_factory=dict)


def _text(value, spec: DiffField) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list | tuple):
        items = [spec.choices.get(v, v) if isinstance(v, str) else str(v) for v in value]
        if spec.is_set:
            items = sorted(set(map(str, items)))
        return "; ".join(map(str, items))
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, str):
        return spec.choices.get(value, value)
    return str(value)


def _comparable(value, spec: DiffField):
    if value is None or value == "" or value == []:
        return None  # absent, empty and blank are one (older snapshots lack newer keys)
    if spec.is_set:
        return frozenset(_freeze(v) for v in value or [])
    return _freeze(value)


def _freeze(value):
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def _set_change(old, new, spec: DiffField) -> tuple[list[str], list[str]]:
    """(added members, removed members) of a set field, as labels."""
    before = {_freeze(v): v for v in old or []}
    after = {_freeze(v): v for v in new or []}
    added = [_text([after[k]], spec) for k in after if k not in before]
    removed = [_text([before[k]], spec) for k in before if k not in after]
    return sorted(added), sorted(removed)


def diff_rows(
    old_rows: list[dict],
    new_rows: list[dict],
    *,
    key: str,
    name: str,
    fields: Mapping[str, DiffField],
    sort_key=None,
) -> dict:
    """{"added": ["<key> <name>"…], "removed": […], "changed": [{"ref", "title",
    "changes": [{"field", "label", "from", "to", "added", "removed"}]}]}; only `fields` count."""
    old = {r[key]: r for r in old_rows}
    new = {r[key]: r for r in new_rows}
    order = sort_key or (lambda ref: ref)

    def label(row: dict) -> str:
        return f"{row[key]} {row.get(name, '')}".strip()

    changed = []
    for ref in sorted(set(old) & set(new), key=order):
        changes = []
        for field_name, spec in fields.items():
            before, after = old[ref].get(field_name), new[ref].get(field_name)
            if _comparable(before, spec) == _comparable(after, spec):
                continue
            change = {
                "field": field_name,
                "label": spec.label,
                "from": _text(before, spec),
                "to": _text(after, spec),
                "added": [],
                "removed": [],
            }
            if spec.is_set:
                change["added"], change["removed"] = _set_change(before, after, spec)
            changes.append(change)
        if changes:
            changed.append({"ref": ref, "title": new[ref].get(name, ""), "changes": changes})
    return {
        "added": [label(new[r]) for r in sorted(set(new) - set(old), key=order)],
        "removed": [label(old[r]) for r in sorted(set(old) - set(new), key=order)],
        "changed": changed,
    }
