"""Results: declared with their unit and type, stored per output week in preallocated arrays.

Every variable of a run's Dataset carries a ``units`` attribute and a ``kind``: a stock is people at
the end of the week, a flow is events in the week, money is pounds as floats (never rounded).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# The units a run's variables are in (the NetCDF's ``units`` attribute).
PEOPLE_END_OF_WEEK = "people (end of week)"
EVENTS_PER_WEEK = "events per week"
PEOPLE_PER_WEEK = "people per week"
OFFENCES_PER_WEEK = "offences per week"
GBP_PER_WEEK = "GBP per week (price year of the service catalogue)"
WEEKS_WAITED_PER_WEEK = "weeks waited, summed over those who started that week"
PEOPLE = "people"
PROVEN_OFFENCES = "proven offences"
TRUE_FALSE = "1 (true) or 0 (false)"

STOCK, FLOW, MONEY, COUNT, FLAG = "stock", "flow", "money", "count", "flag"

Dims = tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class Result:
    """A declared result: dimensions beyond time (name, labels), unit, kind and array type."""

    dims: Dims = ()
    unit: str = EVENTS_PER_WEEK
    kind: str = FLOW
    dtype: type = np.int64

    @property
    def attrs(self) -> dict[str, str]:
        return {"units": self.unit, "kind": self.kind}


def flow(*dims: tuple[str, tuple[str, ...]], unit: str = EVENTS_PER_WEEK) -> Result:
    """Events counted in the week (arrests, sentences, referrals...)."""
    return Result(tuple(dims), unit, FLOW, np.int64)


def stock(*dims: tuple[str, tuple[str, ...]]) -> Result:
    """People held at the end of the week (a status, a waiting list, places in use)."""
    return Result(tuple(dims), PEOPLE_END_OF_WEEK, STOCK, np.int64)


def money(*dims: tuple[str, tuple[str, ...]]) -> Result:
    """Pounds spent in the week, as floats."""
    return Result(tuple(dims), GBP_PER_WEEK, MONEY, np.float64)


class Results:
    """Per-week results of the output window in preallocated arrays; warm-up weeks are not stored.

    ``index`` is the output week the simulation is in (negative during the warm-up); the simulation
    sets it from its clock each week."""

    def __init__(self, n_steps: int):
        self.n_steps = n_steps
        self.index = -1
        self.arrays: dict[str, np.ndarray] = {}
        self.specs: dict[str, Result] = {}

    def declare(self, name: str, spec: Result) -> None:
        if name in self.arrays:
            raise ValueError(f"result {name!r} declared twice")
        if not isinstance(spec, Result):
            raise TypeError(f"result {name!r} must be declared as a Result (with its unit), got {spec!r}")
        shape = (self.n_steps,) + tuple(len(labels) for _, labels in spec.dims)
        self.arrays[name] = np.zeros(shape, dtype=spec.dtype)
        self.specs[name] = spec

    def add(self, name: str, value, index=None) -> None:
        """Add to this week's value (at ``index`` along the extra dimensions)."""
        if self.index < 0:
            return
        if index is None:
            self.arrays[name][self.index] += value
        else:
            self.arrays[name][self.index][index] += value

    def set(self, name: str, value) -> None:
        if self.index >= 0:
            self.arrays[name][self.index] = value
