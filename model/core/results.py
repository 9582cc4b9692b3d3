"""Results: declared with their unit and type, stored per output week in preallocated arrays.

Every variable of a run's Dataset carries a ``units`` attribute, a ``kind`` and a ``long_name``: a stock
is people at the end of the week, a flow is events in the week, money is pounds as floats (never
rounded); the long name is what a policy analyst calls the result ("Prison receptions"), the CF
attribute that plotting and NetCDF viewers show, so a report made from the NetCDF alone has it too.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import xarray as xr

from jrsim.core.areas import AreaMap

# The units a run's variables are in (the NetCDF's ``units`` attribute).
JOIN = ";"  # names in one text coordinate or attribute (a run's local areas, a provider's areas)
PEOPLE_END_OF_WEEK = "people (end of week)"
EVENTS_PER_WEEK = "events per week"
PEOPLE_PER_WEEK = "people per week"
OFFENCES_PER_WEEK = "offences per week"
GBP_PER_WEEK = "GBP per week (price year of the service catalogue)"
WEEKS_WAITED_PER_WEEK = "weeks waited, summed over those who started that week"
PEOPLE = "people"
PROVEN_OFFENCES = "proven offences"
TRUE_FALSE = "1 (true) or 0 (false)"
MODEL_WEEK = "model week (0: the first week of the warm-up)"
PERSON_ID = "person id (the same person in a scenario and its counterfactual)"

STOCK, FLOW, MONEY, COUNT, FLAG, EVENT = "stock", "flow", "money", "count", "flag", "event"
LONG_NAME = "long_name"  # the CF attribute that holds a variable's label (what plotting and viewers show)

Dims = tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class Result:
    """A declared result: dimensions beyond time (name, labels), unit, kind and array type; ``by_area``:
    also broken down by the run's reported areas (an ``area`` dimension after time); ``label``: what a
    policy analyst calls it (required)."""

    dims: Dims = ()
    unit: str = EVENTS_PER_WEEK
    kind: str = FLOW
    dtype: type = np.int64
    by_area: bool = False
    label: str = field(default="", kw_only=True)

    @property
    def attrs(self) -> dict[str, str]:
        return labelled(self.unit, self.kind, self.label)


def labelled(unit: str, kind: str, label: str) -> dict[str, str]:
    """The attributes of a run variable: its unit, its kind and its label (``long_name``, as CF names it)."""
    return {"units": unit, "kind": kind, LONG_NAME: label}


def flow(*dims: tuple[str, tuple[str, ...]], label: str, unit: str = EVENTS_PER_WEEK, by_area: bool = False) -> Result:
    """Events counted in the week (arrests, sentences, referrals...); ``by_area``: recorded with
    ``Results.count`` from the rows of the people concerned, by area."""
    return Result(tuple(dims), unit, FLOW, np.int64, by_area, label=label)


def stock(*dims: tuple[str, tuple[str, ...]], label: str, by_area: bool = False) -> Result:
    """People held at the end of the week (a status, a waiting list, places in use)."""
    return Result(tuple(dims), PEOPLE_END_OF_WEEK, STOCK, np.int64, by_area, label=label)


def money(*dims: tuple[str, tuple[str, ...]], label: str) -> Result:
    """Pounds spent in the week, as floats."""
    return Result(tuple(dims), GBP_PER_WEEK, MONEY, np.float64, label=label)


class Results:
    """Per-week results of the output window in preallocated arrays; warm-up weeks are not stored.

    ``index`` is the output week the simulation is in (negative during the warm-up); the simulation
    sets it from its clock each week. ``area_of`` gives the reported area of population rows (of the
    population the simulation binds); results declared ``by_area`` hold one entry per reported area."""

    def __init__(self, n_steps: int, areas: AreaMap | None = None):
        self.n_steps = n_steps
        self.index = -1
        self.areas = areas or AreaMap.national()
        self.population = None  # bound by the simulation (an attribute, so a copied run copies it too)
        self.arrays: dict[str, np.ndarray] = {}
        self.specs: dict[str, Result] = {}

    def declare(self, name: str, spec: Result) -> None:
        if name in self.arrays:
            raise ValueError(f"result {name!r} declared twice")
        if not isinstance(spec, Result):
            raise TypeError(f"result {name!r} must be declared as a Result (with its unit), got {spec!r}")
        if not spec.label:
            raise ValueError(f"result {name!r} needs a label: what a policy analyst calls it")
        areas = (self.areas.n_reported,) if spec.by_area else ()
        shape = (self.n_steps,) + areas + tuple(len(labels) for _, labels in spec.dims)
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

    def area_of(self, rows: np.ndarray) -> np.ndarray:
        """The reported area of each of these population rows."""
        return self.areas.reported_of_local[self.population.area[rows]]

    def count(self, name: str, rows: np.ndarray, weights: np.ndarray | None = None, at=None) -> None:
        """Add this week's events of the people in ``rows`` by their area (``weights``: events each,
        default one), at ``at`` along the result's extra dimension: one index, or one per row."""
        if self.index < 0:
            return
        if not self.specs[name].by_area:
            raise ValueError(f"result {name!r} is not declared by_area: add its total with add()")
        arr, n_areas = self.arrays[name], self.areas.n_reported
        area = self.area_of(rows) if n_areas > 1 else np.zeros(len(rows), np.int64)
        per_row = at is not None and not np.isscalar(at)
        width = arr.shape[-1] if per_row else 1  # the one extra dimension after time and area
        flat = area * width + np.asarray(at, np.int64) if per_row else area
        counts = np.bincount(flat, weights, minlength=n_areas * width).astype(arr.dtype)
        if per_row:
            arr[self.index] += counts.reshape(n_areas, width)
        elif at is None:
            arr[self.index] += counts
        else:
            arr[self.index, :, at] += counts


def event_log(dim: str, columns: dict[str, tuple[list[np.ndarray], type, str, str]]) -> dict[str, xr.DataArray]:
    """Events as variables along one dimension (one entry an event): each column from its chunks,
    with its unit and label."""
    return {name: xr.DataArray(np.concatenate(chunks).astype(dtype) if chunks else np.empty(0, dtype), dims=(dim,),
                               attrs=labelled(unit, EVENT, label))
            for name, (chunks, dtype, unit, label) in columns.items()}
