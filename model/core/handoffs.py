"""What one module hands the next within a week, declared once as typed records.

A module that gives a handoff lists its type in ``PROVIDES`` and puts it with ``self.today.put``;
one that takes it lists it in ``NEEDS`` and reads it with ``self.today.get``. The simulation checks
when it is built that every handoff a module needs is provided by a module earlier in the week, and
each put and get is checked against the declarations. Handoffs last one week: rows are positions in
the population, valid until the rows are compacted at the end of the week.
"""
from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from jrsim.core.errors import UndeclaredError


@dataclass(frozen=True)
class Handoff:
    """Base of the records: every array field has one entry per person in ``rows``."""

    rows: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.rows)
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray) and len(value) != n:
                raise ValueError(f"{type(self).__name__}.{f.name}: {len(value)} entries for {n} people")


@dataclass(frozen=True)
class Entrants(Handoff):
    """People who arrived this week (demography -> offending): their first offence is this week."""


@dataclass(frozen=True)
class Offenders(Handoff):
    """Who offended this week (offending -> policing). ``offences``: offences in each event; ``types``:
    the event's offence type (an index into OFFENCE_TYPES); the last ``first_offenders`` rows are this
    week's entrants, whose first offence is always detected."""

    offences: np.ndarray
    types: np.ndarray
    first_offenders: int


@dataclass(frozen=True)
class Arrested(Handoff):
    """People arrested this week (policing -> services referring at arrest)."""


@dataclass(frozen=True)
class Convicted(Handoff):
    """People convicted this week (courts -> sentencing): the court, and weeks already on remand."""

    crown: np.ndarray
    remand_weeks: np.ndarray


@dataclass(frozen=True)
class Sentenced(Handoff):
    """People sentenced this week (sentencing -> services referring at sentence)."""


@dataclass(frozen=True)
class Released(Handoff):
    """People released from custody this week (custody -> services referring at release)."""


class Today:
    """This week's handoffs, cleared at the start of every week."""

    def __init__(self) -> None:
        self._records: dict[type, Handoff] = {}

    def clear(self) -> None:
        self._records.clear()

    def view(self, provides: tuple[type, ...], needs: tuple[type, ...], owner: str) -> "TodayView":
        return TodayView(self, provides, needs, owner)


class TodayView:
    """A module's access to the handoffs: it may put only what it provides and get only what it needs."""

    def __init__(self, today: Today, provides: tuple[type, ...], needs: tuple[type, ...], owner: str):
        self._today, self._provides, self._needs, self._owner = today, provides, needs, owner

    def put(self, record: Handoff) -> None:
        if type(record) not in self._provides:
            raise UndeclaredError(f"module {self._owner!r} hands over {type(record).__name__} without "
                                  f"declaring it in PROVIDES")
        self._today._records[type(record)] = record

    def get(self, kind: type[Handoff]) -> Handoff:
        if kind not in self._needs:
            raise UndeclaredError(f"module {self._owner!r} takes {kind.__name__} without declaring it in NEEDS")
        record = self._today._records.get(kind)
        if record is None:
            raise UndeclaredError(f"module {self._owner!r} needs {kind.__name__}, which no module handed over "
                                  f"this week")
        return record
