"""The places a run holds, as the engine needs them: every person's local area (an index into
``local``), and how local areas group into the areas the run reports (``jrsim.parameters.geography``
reads the file they come from).

A run may hold every local area of England and Wales or a few (``run.areas``): counts the scenario
states for the whole country (the population, its stocks, entrants) are multiplied by ``share``, the
selected areas' share of the offender population; results are reported at ``run.area_level``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NATIONAL_LABEL = "england_and_wales"
SHOWN_AREAS = 5  # areas (or services) listed in a message before '...'


@dataclass(frozen=True)
class AreaMap:
    local: tuple[str, ...]  # the local areas the run holds (person.area indexes these)
    weights: np.ndarray  # each local area's share of the run's people (sums to 1)
    share: float  # the run's local areas' share of England and Wales's offender population
    reported: tuple[str, ...]  # the areas results are reported by (at the run's area level)
    reported_of_local: np.ndarray  # local index -> reported index
    level: str = "national"

    @classmethod
    def national(cls) -> AreaMap:
        """One area, the whole country (runs without a geography: tests and the toy flows)."""
        return cls((NATIONAL_LABEL,), np.ones(1), 1.0, (NATIONAL_LABEL,), np.zeros(1, np.int64))

    def __post_init__(self) -> None:
        if len(self.weights) != len(self.local) or len(self.reported_of_local) != len(self.local):
            raise ValueError("an area map needs one weight and one reported area per local area")

    @property
    def n_reported(self) -> int:
        return len(self.reported)

    def reported_index(self, local_index: np.ndarray) -> np.ndarray:
        return self.reported_of_local[local_index]

    def local_indices(self, names) -> np.ndarray:
        """Indices of the named local areas (those the run holds)."""
        return np.array([self.local.index(n) for n in names if n in self.local], np.int64)


def not_reported(area: str, reported: tuple[str, ...]) -> str:
    """What to say of an area a contract or a service names that the run does not report by."""
    more = "..." if len(reported) > SHOWN_AREAS else ""
    return (f"{area!r} is not an area the run reports by ({', '.join(reported[:SHOWN_AREAS])}{more}): set "
            f"run.area_level to its level, and run.areas to hold it")
