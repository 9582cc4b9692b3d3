"""The simulation: a mesa.Model that owns the clock, the population, the random streams and the results.

It steps the modules it is given, in the order given (``jrsim.engine.STEP_ORDER``), checks their
declarations against each other when it is built, and applies the stock-flow balance each week.
"""
from __future__ import annotations

from typing import Sequence

import mesa
import numpy as np
import xarray as xr

from jrsim.core import dataset
from jrsim.core.areas import AreaMap
from jrsim.core.clock import Calendar
from jrsim.core.constants import BALANCE_CHECK_WEEKS, CAPACITY_HEADROOM, MIN_CAPACITY
from jrsim.core.effects import Effects
from jrsim.core.errors import UndeclaredError
from jrsim.core.handoffs import Today
from jrsim.core.module import Module, ParameterView
from jrsim.core.population import Population
from jrsim.core.results import Results, stock
from jrsim.core.seams import InitialPopulation
from jrsim.core.streams import Streams
from jrsim.core.vocabulary import N_STATUS, STATUSES


class Simulation(mesa.Model):
    """One run. Offenders are arrays in ``pop``; mesa's agents are kept for the few that decide."""

    # What the simulation itself reads (declared by jrsim.engine and the demography module).
    READS = ("run.seed", "run.start_year", "run.warmup_years", "run.horizon_years", "run.scale",
             "population.initial_active")

    def __init__(self, params, modules: Sequence[type[Module]], seed: int | None = None,
                 check_every: int = BALANCE_CHECK_WEEKS, areas: AreaMap | None = None):
        """``check_every``: weeks between full head counts checked against the flows (1 = every week);
        ``areas``: the places the run holds and reports by (default: the whole country as one)."""
        p = ParameterView(params, set(self.READS), "simulation")
        seed = int(p["run.seed"] if seed is None else seed)
        super().__init__(seed=seed)
        self.params = params
        self.seed_value = seed
        self.scale = p["run.scale"]
        self.areas = areas or AreaMap.national()
        self.check_every = max(1, int(check_every))
        self.calendar = Calendar.of_years(p["run.start_year"], p["run.warmup_years"], p["run.horizon_years"])
        self.follow(params)
        self.streams = Streams(seed)
        self.today = Today()
        self.results = Results(self.calendar.output_weeks, self.areas)
        expected = p["population.initial_active"] * p["run.scale"] * self.areas.share
        self.pop = Population(capacity=int(expected * CAPACITY_HEADROOM) + MIN_CAPACITY)
        self.effects = Effects(self.pop)
        self.results.population = self.pop
        self.modules = {cls.name: cls(self) for cls in modules}
        self._check_handoffs()
        self._implementers = self._find_implementers()
        for module in self.modules.values():
            for col, (dtype, fill) in module.COLUMNS.items():
                self.pop.declare(col, dtype, fill)
            for name, spec in module.results_spec().items():
                self.results.declare(name, spec)
        self.results.declare("population", stock(("status", STATUSES), by_area=True, label="People by status"))
        self.transitions = np.zeros((self.calendar.output_weeks, N_STATUS + 1, N_STATUS + 1), np.int64)
        self._start()

    # ------------------------------------------------------------ the one clock
    @property
    def week(self) -> int:
        """The week being simulated, from 0 (the first week of the warm-up). It is mesa's step
        counter, which counts a step from 1 as it begins; before the first step, week 0 is next."""
        return max(self.steps - 1, 0)

    # ------------------------------------------------------------ declarations checked
    def _check_handoffs(self) -> None:
        provided: set[type] = set()
        for module in self.modules.values():
            missing = [h.__name__ for h in module.NEEDS if h not in provided]
            if missing:
                raise UndeclaredError(f"module {module.name!r} needs {missing}, which no module before it provides")
            provided.update(module.PROVIDES)

    def _find_implementers(self) -> dict[type, Module]:
        found: dict[type, Module] = {}
        for module in self.modules.values():
            for seam in module.IMPLEMENTS:
                if seam in found:
                    raise UndeclaredError(f"seam {seam.__name__} implemented by both {found[seam].name!r} "
                                          f"and {module.name!r}")
                absent = [m for m in _seam_methods(seam) if not callable(getattr(module, m, None))]
                if absent:
                    raise UndeclaredError(f"module {module.name!r} claims seam {seam.__name__} but lacks {absent}")
                found[seam] = module
        for module in self.modules.values():
            for attribute, seam in module.USES.items():
                if seam not in found:
                    raise UndeclaredError(f"module {module.name!r} uses seam {seam.__name__}, which no module implements")
                setattr(module, attribute, found[seam])  # e.g. policing.record is the reoffending module
        return found

    def implementer(self, seam: type) -> Module:
        return self._implementers[seam]

    # ------------------------------------------------------------ running
    def _start(self) -> None:
        """Build the starting population (week 0), then let each module initialise."""
        if InitialPopulation not in self._implementers:
            raise UndeclaredError("no module implements InitialPopulation: nobody builds the starting population")
        self._implementers[InitialPopulation].build_initial(self.week)
        self.pop.take_transitions()  # building the start is not a flow
        for module in self.modules.values():
            module.init()
        self.stocks = self.pop.stocks()

    # ------------------------------------------------------------ policies on dates
    def follow(self, params) -> None:
        """Take ``params``' policy timeline: its changes act from the weeks they are dated. A branched
        copy of a run follows its scenario's timeline from the week it branched."""
        segments = params.segments(self.calendar.week_of, self.calendar.warmup_weeks, self.calendar.total_weeks)
        self._switches = dict(segments[1:])  # the first segment is the start, already in force

    def set_params(self, params) -> None:
        self.params = params
        for module in self.modules.values():
            module.set_params(params)

    def step(self) -> None:
        t = self.week
        if t in self._switches:
            self.set_params(self._switches[t])
        self.results.index = self.calendar.output_index(t)
        self.today.clear()
        for module in self.modules.values():
            module.step(t)
        moved = self.pop.take_transitions()
        stocks = self.pop.roll_forward(self.stocks, moved)
        if t % self.check_every == 0 or t == self.calendar.total_weeks - 1:
            self.pop.check_balance(stocks)
        self.stocks = stocks
        self.results.set("population", self._stocks_by_area(stocks))
        if self.results.index >= 0:
            self.transitions[self.results.index] = moved
        if self.calendar.ends_year(t):
            self.pop.compact()

    def _stocks_by_area(self, stocks: np.ndarray) -> np.ndarray:
        """This week's stocks by reported area (one area: the stocks as they are)."""
        n_areas = self.areas.n_reported
        if n_areas == 1 or self.results.index < 0:
            return stocks[None, :]
        pop, width = self.pop, N_STATUS + 1  # EXITED counted, then dropped
        flat = self.areas.reported_of_local[pop.area] * width + pop.status
        return np.bincount(flat, minlength=n_areas * width).reshape(n_areas, width)[:, :N_STATUS]

    def run_until(self, week: int) -> None:
        """Step until ``week`` is the next week to simulate."""
        while self.steps < week:
            self.step()

    def run_all(self) -> xr.Dataset:
        self.run_until(self.calendar.total_weeks)
        return dataset.to_dataset(self)


def _seam_methods(seam: type) -> list[str]:
    return [name for name, value in vars(seam).items() if callable(value) and not name.startswith("_")]
