"""How the packages above `org` use its units, without `org` importing them (it sits below them).

A package whose records refer to units registers, in its `AppConfig.ready`, a name and up to two
functions:

* `open_work(unit) -> str | None`: a refusal message (translated, in its own words) when the unit
  still has open work there; a unit with open work cannot be deactivated (`unit_deactivate`);
* `referenced(unit) -> bool`: whether any of its records refers to the unit; a unit referred to
  cannot be deleted, only deactivated (`unit_delete`).
"""

from __future__ import annotations

from collections.abc import Callable

from .models import Unit

_OPEN_WORK: dict[str, Callable[[Unit], str | None]] = {}
_REFERENCED: dict[str, Callable[[Unit], bool]] = {}


def unit_usage_register(name: str, *, open_work: Callable[[Unit], str | None] | None = None,
                        referenced: Callable[[Unit], bool] | None = None) -> None:
    """Register (or replace) package `name`'s use of units."""
    if open_work is not None:
        _OPEN_WORK[name] = open_work
    if referenced is not None:
        _REFERENCED[name] = referenced


def unit_open_work(unit: Unit) -> list[str]:
    """The refusals of every package that still has open work in `unit` (empty: none)."""
    return [m for m in (check(unit) for check in _OPEN_WORK.values()) if m]


def unit_referenced(unit: Unit) -> bool:
    return any(check(unit) for check in _REFERENCED.values())
