"""What every part of the model shares: a small life cycle and declared results.

A module (Starsim's shape) says at its top which parameters it reads
(``PARAMETERS``), which population columns it owns (``COLUMNS``) and which
results it writes (``RESULTS``); the simulation allocates them. ``init`` runs
once after the population is built, ``step`` once a week in the fixed order
of ``model.registry.STEP_ORDER``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from model.params import Par

if TYPE_CHECKING:  # pragma: no cover
    from model.simulation import Simulation


class Module:
    name: ClassVar[str] = ""
    PARAMETERS: ClassVar[list[Par]] = []
    COLUMNS: ClassVar[dict[str, tuple[type, object]]] = {}
    # result name -> tuple of (dimension name, labels) pairs beyond time
    RESULTS: ClassVar[dict[str, tuple[tuple[str, tuple[str, ...]], ...]]] = {}

    def __init__(self, sim: "Simulation"):
        self.sim = sim
        self.p = sim.params

    @classmethod
    def family_parameters(cls, names) -> list[Par]:
        """Parameters of members named in the scenario (e.g. each service); none by default."""
        return []

    def results_spec(self) -> dict:
        """The results this module writes (``RESULTS`` unless they depend on the scenario)."""
        return self.RESULTS

    def init(self) -> None:
        """After the population exists, before the first step."""

    def step(self, t: int) -> None:
        """One week."""


class Results:
    """Per-step results in preallocated arrays; warm-up steps are not stored."""

    def __init__(self, n_steps: int, warmup_steps: int):
        self.n_steps = n_steps
        self.warmup = warmup_steps
        self.k = -warmup_steps  # output index of the current step (< 0 during warm-up)
        self.arrays: dict[str, np.ndarray] = {}
        self.dims: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {}

    def declare(self, name: str, dims=()) -> None:
        if name in self.arrays:
            raise ValueError(f"result {name!r} declared twice")
        shape = (self.n_steps,) + tuple(len(labels) for _, labels in dims)
        self.arrays[name] = np.zeros(shape, dtype=np.int64)
        self.dims[name] = tuple(dims)

    def add(self, name: str, value, index=None) -> None:
        """Add a count to this step's value (at ``index`` along the extra dimensions)."""
        if self.k < 0:
            return
        if index is None:
            self.arrays[name][self.k] += value
        else:
            self.arrays[name][self.k][index] += value

    def set(self, name: str, value) -> None:
        if self.k >= 0:
            self.arrays[name][self.k] = value
