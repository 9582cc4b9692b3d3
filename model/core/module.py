"""What every part of the model shares: a small life cycle and a declaration block at its top.

A module (Starsim's shape) declares, in its first lines:

- ``PARAMETERS``: the parameters it owns (``jrsim.parameters.Par``, each with the ``label`` an analyst
  reads in the reports); ``READS``: parameters owned by another module that it also reads. ``self.p``
  serves only these: reading any other is an error.
- ``COLUMNS``: the population columns it owns; ``RESULTS``: the results it writes (``Result``, with
  their unit and label: ``flow(..., label="Arrests")``); ``STREAMS``: the random streams it draws from
  (``self.streams`` serves only these). A variable it adds in ``dataset_variables`` carries a
  ``long_name`` too (``jrsim.core.results.labelled``): a run's Dataset refuses one without.
- ``PROVIDES`` / ``NEEDS``: the handoffs (``jrsim.core.handoffs``) it gives to, or takes from, the
  modules after it in the same week.
- ``IMPLEMENTS`` / ``USES``: the seams (``jrsim.core.seams``) other modules may call on it, or it calls;
  ``USES`` maps an attribute name to a seam, and the simulation sets the attribute to the implementer.
- ``WRITES_EFFECTS`` / ``READS_EFFECTS``: the effects (``jrsim.core.effects``) it sets or applies.

``init`` runs once after the population is built, ``step`` once a week in the step order.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Iterable, TypeVar

import numpy as np

from jrsim.core.errors import UndeclaredError
from jrsim.core.results import Result

if TYPE_CHECKING:  # type hints only: the simulation imports this module
    from jrsim.core.simulation import Simulation

Seam = TypeVar("Seam")


class Module:
    name: ClassVar[str] = ""
    PARAMETERS: ClassVar[tuple] = ()  # jrsim.parameters.Par declarations (duck-typed: .name)
    READS: ClassVar[tuple[str, ...]] = ()
    COLUMNS: ClassVar[dict[str, tuple[type, object]]] = {}
    RESULTS: ClassVar[dict[str, Result]] = {}
    STREAMS: ClassVar[tuple[str, ...]] = ()
    PROVIDES: ClassVar[tuple[type, ...]] = ()
    NEEDS: ClassVar[tuple[type, ...]] = ()
    IMPLEMENTS: ClassVar[tuple[type, ...]] = ()
    USES: ClassVar[dict[str, type]] = {}
    WRITES_EFFECTS: ClassVar[tuple[str, ...]] = ()
    READS_EFFECTS: ClassVar[tuple[str, ...]] = ()

    def __init__(self, sim: Simulation):
        self.sim = sim
        self._parameter_names = self.parameter_names(sim.params.values)
        self.p = ParameterView(sim.params, self._parameter_names, self.name)
        self.streams = sim.streams.view(self.stream_names(), self.name)
        self.today = sim.today.view(self.PROVIDES, self.NEEDS, self.name)
        self.effects = sim.effects.view(self.WRITES_EFFECTS, self.READS_EFFECTS, self.name)

    # ------------------------------------------------------------ declarations
    @classmethod
    def family_parameters(cls, names: Iterable[str]) -> list:
        """Parameters of members named in the scenario (e.g. each service); none by default."""
        return []

    @classmethod
    def parameter_names(cls, names: Iterable[str]) -> set[str]:
        """Every parameter this module may read: its own, its families' and those it READS."""
        return {p.name for p in (*cls.PARAMETERS, *cls.family_parameters(names))} | set(cls.READS)

    def stream_names(self) -> tuple[str, ...]:
        """The random streams this module draws from (``STREAMS`` unless they depend on the scenario)."""
        return self.STREAMS

    def results_spec(self) -> dict[str, Result]:
        """The results this module writes (``RESULTS`` unless they depend on the scenario)."""
        return self.RESULTS

    def uses(self, seam: type[Seam]) -> Seam:
        """The module that implements a seam this module declared in ``USES``."""
        if seam not in self.USES.values():
            raise UndeclaredError(f"module {self.name!r} calls seam {seam.__name__} without declaring it in USES")
        return self.sim.implementer(seam)

    # ------------------------------------------------------------ life cycle
    def init(self) -> None:
        """After the population exists, before the first step."""

    def set_params(self, params) -> None:
        """A policy takes effect: read the parameters in force from this week on (a family member it
        names, such as a contract let on the date, is declared with it)."""
        self._parameter_names = self.parameter_names(params.values)
        self.p = ParameterView(params, self._parameter_names, self.name)
        self.configure()

    def configure(self) -> None:
        """Recompute what this module derives from its parameters (tables, settings), keeping its
        state; called when a policy changes parameters during the run."""

    def step(self, t: int) -> None:
        """One week."""

    def dataset_variables(self) -> dict[str, Any]:
        """Variables beyond the weekly results that this module adds to the run's Dataset."""
        return {}

    def dataset_coords(self) -> dict[str, Any]:
        """Coordinates this module adds to the run's Dataset (e.g. who funds each service)."""
        return {}


class ParameterView:
    """A module's window on the parameters: only those it declared can be read."""

    def __init__(self, params, allowed: set[str], owner: str):
        self._values = params.values
        self._allowed = frozenset(allowed)
        self._owner = owner

    def __getitem__(self, key: str) -> Any:
        if key not in self._allowed:
            raise UndeclaredError(f"module {self._owner!r} reads parameter {key!r} without declaring it "
                                  f"(add it to PARAMETERS, or to READS if another module declares it)")
        return self._values[key]

    def __contains__(self, key: str) -> bool:
        return key in self._allowed and key in self._values

    def group(self, prefix: str) -> dict[str, Any]:
        """The declared values under ``prefix.``, keyed by the rest of the name."""
        p = prefix + "."
        return {k[len(p):]: self[k] for k in sorted(self._allowed) if k.startswith(p)}

    def vector(self, prefix: str, names: Iterable[str]) -> np.ndarray:
        """``prefix.<name>`` for each name, in order: a table indexed by category (offence type, pathway)."""
        return np.array([self[f"{prefix}.{k}"] for k in names], float)
