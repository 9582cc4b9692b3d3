"""Anchors for the engine's speed: one toy flow written three ways, timed side by side.

    python -m jrsim.experiments.bench_anchors [--people 100000 550000] [--repeats 3]

The toy flow (``/work/shared/bench-anchors``): community -> offence (p = 0.01 a week) -> custody
(p = 0.2 of offenders) for 26 weeks -> release, in a closed population. Written

- as bare numpy (``numpy_floor``): the floor, a faithful copy of the shared ``np_bench.py``;
- as a Starsim module (``starsim_peer``): the array-based peer framework, a faithful copy of the
  shared ``ss_bench.py``. Starsim is an optional benchmark dependency (``pip install 'starsim>=3.7,<4'``);
  without it the peer is skipped;
- as a module of this engine (``engine_toy``): ``ToyFlow`` below, run by ``jrsim.core.simulation.Simulation``,
  so the engine's own machinery is timed: the mesa.Model step loop, status changes through
  ``Population.move`` with the stocks rolled forward by the recorded flows every week and checked against
  a head count every ``BALANCE_CHECK_WEEKS`` weeks (as in a real run), counter-based random streams drawn
  by person id, declared results and the population's columns.

All three run ``WEEKS`` = 52 weekly steps (one model year), not the shared scripts' 53: the engine's
calendar counts whole years and its result arrays hold exactly the output weeks, so a 53rd step would
write past them. Speeds are in person-weeks a second (the population is closed: people x weeks), so
the figures compare with the shared ones. Only the step loops are compared (Starsim's ``init`` and the
engine's building of the Simulation are shown apart; the engine's Dataset is not built).
"""
from __future__ import annotations

import argparse
import os
import time
from typing import NamedTuple

import numpy as np

from jrsim.core.constants import BALANCE_CHECK_WEEKS, MILLION, WEEKS_PER_YEAR
from jrsim.core.module import Module
from jrsim.core.results import OFFENCES_PER_WEEK, PEOPLE_PER_WEEK, flow, stock
from jrsim.core.seams import InitialPopulation
from jrsim.core.simulation import Simulation
from jrsim.core.vocabulary import Status

# ---------------------------------------------------------------- the toy flow (the shared README's numbers)
P_OFFEND = 0.01  # chance a person in the community offends in a week
P_CUSTODY = 0.2  # chance an offender goes to custody
CUSTODY_WEEKS = 26  # weeks set on the clock at custody (released when it reaches 0: 25 week-ends inside)
WEEKS = WEEKS_PER_YEAR  # weekly steps timed: one engine year (see the docstring: 52, not 53)
PEOPLE = (100_000, 550_000)  # the sizes of the shared benchmark
SEED = 1
START_YEAR = 2025  # the engine's calendar needs a year to date its weeks; nothing depends on it
REPEATS = 3  # each timing is the best of this many runs (the machine is shared)
WARM_WEEKS = 3  # a short untimed run first, as np_bench.py does (imports, caches, JIT)

# ---------------------------------------------------------------- goals (the issue's)
GOAL_VS_NUMPY = 3.0  # the engine's time per person-week within 3 times bare numpy's
GOAL_VS_STARSIM = 1.0  # and no slower than Starsim's


class Timing(NamedTuple):
    """One timed run: the step loop's seconds and its speed; setting up (building the population) apart."""

    seconds: float
    mpw_per_s: float  # million person-weeks a second (over the step loop)
    setup_seconds: float = 0.0


# ---------------------------------------------------------------- the engine's version
class ToyFlow(Module):
    """The toy flow as a module of this engine: it builds the starting population (InitialPopulation)
    and, each week, works only on the people concerned, as np_bench.py does."""

    name = "toy"
    READS = ("population.initial_active", "run.scale")
    COLUMNS = {"toy_weeks_left": (np.int16, 0),  # weeks left in custody
               "toy_offences": (np.int32, 0)}  # offences so far (np_bench.py's ``off``)
    RESULTS = {"toy_offences": flow(unit=OFFENCES_PER_WEEK, label="Offences (toy model)"),
               "toy_custody_starts": flow(unit=PEOPLE_PER_WEEK, label="Custody starts (toy model)"),
               "toy_releases": flow(unit=PEOPLE_PER_WEEK, label="Releases (toy model)"),
               "toy_in_custody": stock(label="People in custody (toy model)")}
    STREAMS = ("toy_offend", "toy_jail")
    IMPLEMENTS = (InitialPopulation,)

    def build_initial(self, t: int) -> None:
        """Everyone starts in the community, with no offence."""
        self.sim.pop.add(int(round(self.p["population.initial_active"] * self.p["run.scale"])))

    def step(self, t: int) -> None:
        pop, res = self.sim.pop, self.sim.results
        status, left, ids = pop.status, pop.toy_weeks_left, pop.id
        community = np.flatnonzero(status == Status.COMMUNITY)
        offenders = community[self.streams["toy_offend"].uniform(t, ids[community]) < P_OFFEND]
        pop.toy_offences[offenders] += 1
        jailed = offenders[self.streams["toy_jail"].uniform(t, ids[offenders]) < P_CUSTODY]
        pop.move(jailed, Status.CUSTODY_UNDER_12M)
        left[jailed] = CUSTODY_WEEKS
        held = np.flatnonzero(status == Status.CUSTODY_UNDER_12M)
        left[held] -= 1
        released = held[left[held] <= 0]
        pop.move(released, Status.COMMUNITY)
        res.add("toy_offences", len(offenders))
        res.add("toy_custody_starts", len(jailed))
        res.add("toy_releases", len(released))
        res.set("toy_in_custody", len(held) - len(released))


class ToyParams:
    """The few parameters the Simulation and the toy read, shaped as ``jrsim.parameters.scenario.Params``
    is where they look (``values``, ``name``, ``files``, ``origin``, item access, and ``segments``: the
    policy timeline, here none)."""

    def __init__(self, people: int, seed: int = SEED):
        self.values = {"run.seed": seed, "run.start_year": START_YEAR, "run.warmup_years": 0,
                       "run.horizon_years": WEEKS // WEEKS_PER_YEAR, "run.scale": 1.0,
                       "population.initial_active": people}
        self.name = "toy flow"
        self.files: list[str] = []
        self.origin = {key: "jrsim.experiments.bench_anchors" for key in self.values}

    def __getitem__(self, key: str):
        return self.values[key]

    def __contains__(self, key: str) -> bool:
        return key in self.values

    def segments(self, week_of, first_week: int, end_week: int) -> list[tuple[int, ToyParams]]:
        """The parameters in force from each week on: the toy has no dated policy change."""
        return [(0, self)]


def build_toy(people: int, seed: int = SEED, check_every: int = BALANCE_CHECK_WEEKS,
              module: type[Module] = ToyFlow) -> Simulation:
    """A Simulation of the toy flow alone (``module``: ToyFlow or a variant), ready to step
    ``sim.calendar.total_weeks`` (= WEEKS) times."""
    return Simulation(ToyParams(people, seed), (module,), seed, check_every)


def run_toy(people: int, seed: int = SEED, check_every: int = BALANCE_CHECK_WEEKS) -> Simulation:
    sim = build_toy(people, seed, check_every)
    for _ in range(sim.calendar.total_weeks):
        sim.step()
    return sim


# ---------------------------------------------------------------- the law all three follow
def expected_flow(weeks: int = WEEKS) -> tuple[float, float]:
    """Exactly, by the toy's law (np_bench.py's order within a week): the expected share in custody at
    the end, and the expected offences per person-week. Within a week those in the community draw an
    offence and a custody start; then everyone in custody, newcomers included, counts one week down and
    those at 0 go out (they draw again from next week)."""
    community, offences = 1.0, 0.0
    held = np.zeros(CUSTODY_WEEKS)  # held[k]: share in custody with k >= 1 weeks left at the week's end
    for _ in range(weeks):
        offended = community * P_OFFEND
        jailed = offended * P_CUSTODY
        released = held[1]
        held[1:] = np.roll(held[1:], -1)  # every clock one week down (the released wrap round to the end)
        held[-1] = jailed  # the clock is set to CUSTODY_WEEKS and counts down the same week
        community += released - jailed
        offences += offended
    return float(held.sum()), float(offences / weeks)


# ---------------------------------------------------------------- the floor: np_bench.py's run, copied
def numpy_run(n: int, T: int = WEEKS, seed: int = SEED):
    """np_bench.py's ``run`` (the shared file runs its benchmark on import, so it is copied, not imported);
    returns (people in custody at the end, offences)."""
    rng = np.random.default_rng(seed)
    cust = np.zeros(n, bool)
    left = np.zeros(n, np.int16)
    off = np.zeros(n, np.int32)
    for _ in range(T):
        comm = np.flatnonzero(~cust)
        o = comm[rng.random(comm.size) < P_OFFEND]
        off[o] += 1
        j = o[rng.random(o.size) < P_CUSTODY]
        cust[j] = True
        left[j] = CUSTODY_WEEKS
        c = np.flatnonzero(cust)
        left[c] -= 1
        cust[c[left[c] <= 0]] = False
    return cust.sum(), off.sum()


def _best(fn, repeats: int) -> tuple[float, float]:
    """Best (setup, run) seconds of ``repeats`` calls of fn() -> (setup seconds, run seconds)."""
    runs = [fn() for _ in range(max(1, repeats))]
    return min(runs, key=lambda r: r[1])


def numpy_floor(n: int, repeats: int = REPEATS) -> Timing:
    numpy_run(n, WARM_WEEKS)

    def once():
        started = time.perf_counter()
        numpy_run(n)
        return 0.0, time.perf_counter() - started

    _, seconds = _best(once, repeats)
    return Timing(seconds, n * WEEKS / seconds / MILLION)


def engine_toy(n: int, repeats: int = REPEATS, check_every: int = BALANCE_CHECK_WEEKS) -> Timing:
    """The engine's step loop over WEEKS weeks; building the Simulation (allocating the population's
    columns, adding the people) is timed apart, as Starsim's ``init`` is."""
    warm = build_toy(n)
    for _ in range(WARM_WEEKS):
        warm.step()

    def once():
        started = time.perf_counter()
        sim = build_toy(n, check_every=check_every)
        built = time.perf_counter()
        for _ in range(sim.calendar.total_weeks):
            sim.step()
        return built - started, time.perf_counter() - built

    setup, seconds = _best(once, repeats)
    return Timing(seconds, n * WEEKS / seconds / MILLION, setup)


# ---------------------------------------------------------------- the peer: ss_bench.py's Flow, copied
def starsim_flow_class():
    """ss_bench.py's module (built on first use: Starsim is imported only here); None without Starsim."""
    try:
        import starsim as ss
    except ImportError:
        return None

    class Flow(ss.Module):
        """Toy 3-state flow: community -> custody -> community after 26 weeks; offence draws each week."""

        def __init__(self, **kw):
            super().__init__()
            self.define_states(
                ss.BoolState("in_custody", default=False),
                ss.FloatArr("time_left", default=0.0),
                ss.FloatArr("offences", default=0.0),
            )
            self.offend = ss.bernoulli(p=P_OFFEND)
            self.jail = ss.bernoulli(p=P_CUSTODY)

        def step(self):
            comm = (~self.in_custody).uids
            off = self.offend.filter(comm)
            self.offences[off] = self.offences[off] + 1
            jailed = self.jail.filter(off)
            self.in_custody[jailed] = True
            self.time_left[jailed] = CUSTODY_WEEKS
            cust = self.in_custody.uids
            self.time_left[cust] = self.time_left[cust] - 1
            rel = cust[self.time_left[cust] <= 0]
            self.in_custody[rel] = False

    return ss, Flow


def starsim_sim(n: int, weeks: int = WEEKS, seed: int = SEED):
    """A Starsim Sim of the toy (``weeks`` time points, as ss_bench.py's start=0, stop=52 gives 53)."""
    found = starsim_flow_class()
    if found is None:
        return None
    ss, flow_class = found
    return ss.Sim(n_agents=n, modules=[flow_class()], start=0, stop=weeks - 1, dt=1, verbose=0, rand_seed=seed)


def starsim_peer(n: int, repeats: int = REPEATS) -> Timing | None:
    """Starsim's run over WEEKS weeks (``init`` timed apart, as ss_bench.py does); None if Starsim is
    not installed (``pip install 'starsim>=3.7,<4'``)."""
    warm = starsim_sim(n, WARM_WEEKS)
    if warm is None:
        return None
    warm.run()

    def once():
        sim = starsim_sim(n)
        started = time.perf_counter()
        sim.init()
        built = time.perf_counter()
        sim.run()
        return built - started, time.perf_counter() - built

    setup, seconds = _best(once, repeats)
    return Timing(seconds, n * WEEKS / seconds / MILLION, setup)


# ---------------------------------------------------------------- the table
def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--people", type=int, nargs="+", default=list(PEOPLE))
    ap.add_argument("--repeats", type=int, default=REPEATS)
    args = ap.parse_args(argv)
    print(f"toy flow, {WEEKS} weekly steps, best of {args.repeats}; load average before: "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    print(f"{'implementation':<16}{'people':>10}{'setup s':>10}{'run s':>10}{'M person-weeks/s':>19}")
    ratios = []
    for n in args.people:
        floor = numpy_floor(n, args.repeats)
        peer = starsim_peer(n, args.repeats)
        ours = engine_toy(n, args.repeats)
        for label, timing in (("numpy (floor)", floor), ("starsim (peer)", peer), ("jrsim engine", ours)):
            if timing is None:
                print(f"{label:<16}{n:>10,}   skipped: starsim is not installed (pip install 'starsim>=3.7,<4')")
            else:
                print(f"{label:<16}{n:>10,}{timing.setup_seconds:>10.3f}{timing.seconds:>10.3f}"
                      f"{timing.mpw_per_s:>19.1f}")
        ratios.append((n, ours.seconds / floor.seconds, None if peer is None else ours.seconds / peer.seconds))
    print(f"\nengine's time per person-week (step loop) / the anchor's  [goal: <= {GOAL_VS_NUMPY:g}x numpy, "
          f"<= {GOAL_VS_STARSIM:g}x starsim]")
    for n, vs_numpy, vs_starsim in ratios:
        met = "met" if vs_numpy <= GOAL_VS_NUMPY else "NOT met"
        if vs_starsim is None:
            peer = "n/a (no starsim)"
        else:
            peer = f"{vs_starsim:.2f}x ({'met' if vs_starsim <= GOAL_VS_STARSIM else 'NOT met'})"
        print(f"  n={n:>9,}: vs numpy {vs_numpy:.2f}x ({met})   vs starsim {peer}")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
