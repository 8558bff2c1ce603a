"""The registry of automated check types (Clause 9.1): each is code, mapped to controls.

A check type is a function `(today) -> Outcome`, registered with `@check(...)`, that reads the
organisation in context and must be *set-based*: a constant number of queries whatever the
organisation's size (tests/monitoring_checks pins it over 10 and 1,000 assets). It never
writes; `services.run_checks` records what it returns as an immutable `CheckRun`.

Controls are named as (framework code, ref) pairs of the control library
(isms/controls/data): the run is evidence for those controls' SoA rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

FAILING_LIMIT = 50  # objects listed on a run; the count is always the full number

ISO27001 = "iso27001-2022"
ISO42001 = "iso42001-2023"


@dataclass(frozen=True)
class Failing:
    type: str
    id: int
    label: str

    def as_dict(self) -> dict:
        return {"type": self.type, "id": self.id, "label": self.label}


@dataclass
class Outcome:
    passed: bool
    value: float | None = None
    threshold: float | None = None
    failing: list[Failing] = field(default_factory=list)
    failing_count: int = 0
    evidence: str = ""


@dataclass(frozen=True)
class CheckType:
    code: str
    title: str
    controls: tuple[tuple[str, str], ...]
    run: Callable[[date], Outcome]
    description: str = ""

    @property
    def control_keys(self) -> list[str]:
        return [control_key(framework, ref) for framework, ref in self.controls]


def control_key(framework_code: str, ref: str) -> str:
    return f"{framework_code}:{ref}"


_registry: dict[str, CheckType] = {}


def check(
    code: str, *, title: str, controls: list[tuple[str, str]], description: str = ""
) -> Callable:
    def register(fn: Callable[[date], Outcome]) -> Callable[[date], Outcome]:
        _registry[code] = CheckType(
            code=code, title=title, controls=tuple(controls), run=fn, description=description
        )
        return fn

    return register


def all_checks() -> list[CheckType]:
    return list(_registry.values())


def get(code: str) -> CheckType | None:
    return _registry.get(code)


def title_of(code: str) -> str:
    found = _registry.get(code)
    return found.title if found else code


def checks_for_control(framework_code: str, ref: str) -> list[CheckType]:
    return [c for c in _registry.values() if (framework_code, ref) in c.controls]
