"""The simulation: a mesa.Model that owns the clock, the random streams and the results.

``run(params, seed)`` is the pure function every layer above uses: parameters and
a seed in, an ``xarray.Dataset`` out.
"""
from __future__ import annotations

import mesa
import numpy as np
import xarray as xr

from model import registry
from model.module import Results
from model.params import Params
from model.population import N_STATUS, OUTSIDE, Population, Status
from model.random import Streams


class Simulation(mesa.Model):
    """One run. Offenders are arrays in ``pop``; mesa's agents are kept for the few that decide."""

    def __init__(self, params: Params, seed: int | None = None, check_every: int = 13):
        """``check_every``: weeks between full head counts checked against the flows (1 = every week)."""
        seed = int(params["run.seed"] if seed is None else seed)
        super().__init__(seed=seed)
        self.params = params
        self.seed_value = seed
        self.check_every = max(1, int(check_every))
        self.streams = Streams(seed)
        self.warmup_steps = 52 * params["run.warmup_years"]
        self.n_out_steps = 52 * params["run.horizon_years"]
        self.t = 0
        self.today: dict = {}
        self.results = Results(self.n_out_steps, self.warmup_steps)
        self.modules = {cls.name: cls(self) for cls in registry.STEP_ORDER}
        expected = params["population.initial_active"] * params["run.scale"]
        self.pop = Population(capacity=int(expected * 1.3) + 1024)
        for module in self.modules.values():
            for col, (dtype, fill) in module.COLUMNS.items():
                self.pop.declare(col, dtype, fill)
            for name, dims in module.results_spec().items():
                self.results.declare(name, dims)
        self.results.declare("population", (("status", tuple(s.name.lower() for s in Status)),))
        self.transitions = np.zeros((self.n_out_steps, N_STATUS + 1, N_STATUS + 1), np.int64)
        self.modules["demography"].build_initial(self.t)
        self.pop.take_transitions()  # building the start is not a flow
        for module in self.modules.values():
            module.init()
        self.stocks = self.pop.stocks()

    def step(self) -> None:
        t = self.t
        self.today = {}
        for module in self.modules.values():
            module.step(t)
        moved = self.pop.take_transitions()
        stocks = self.pop.roll_forward(self.stocks, moved)
        if t % self.check_every == 0 or t == self.warmup_steps + self.n_out_steps - 1:
            self.pop.check_balance(stocks)
        self.stocks = stocks
        self.results.set("population", stocks)
        if self.results.k >= 0:
            self.transitions[self.results.k] = moved
        if t % 52 == 51:
            self.pop.compact()
        self.t += 1
        self.results.k += 1

    def run_all(self) -> xr.Dataset:
        for _ in range(self.warmup_steps + self.n_out_steps):
            self.step()
        from model.outputs import to_dataset

        return to_dataset(self)


def run(params: Params, seed: int | None = None, check_every: int = 13) -> xr.Dataset:
    """Build and run one simulation: a pure function of (parameters, seed)."""
    return Simulation(params, seed, check_every).run_all()
