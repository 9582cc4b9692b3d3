"""The speed anchors time the same thing: the toy flow written as bare numpy, as a Starsim module and as a
module of this engine follows one law (different random numbers), and the engine's version keeps the
stock-flow balance with a head count every week."""
from __future__ import annotations

import numpy as np
import pytest

from jrsim.core.errors import BalanceError
from jrsim.core.results import OFFENCES_PER_WEEK, PEOPLE_END_OF_WEEK, PEOPLE_PER_WEEK
from jrsim.core.seams import InitialPopulation
from jrsim.core.vocabulary import OUTSIDE, Status
from jrsim.experiments.bench_anchors import (
    WEEKS,
    ToyFlow,
    build_toy,
    engine_toy,
    expected_flow,
    numpy_floor,
    numpy_run,
    run_toy,
    starsim_sim,
)

PEOPLE = 20_000
SEEDS = range(1, 11)  # pooled: one run's end-of-year custody share has a 3-4% standard error, ten runs' about 1.2%
# Tolerances, relative, at about 3.5 standard errors of the pooled difference (deterministic seeds: no flakiness)
CUSTODY_TOLERANCE = 0.06
OFFENCE_TOLERANCE = 0.02
CUSTODY, COMMUNITY = int(Status.CUSTODY_UNDER_12M), int(Status.COMMUNITY)


def engine_measures(seed: int) -> tuple[float, float]:
    """Share in custody at the end and offences per person-week, from the engine's declared results."""
    sim = run_toy(PEOPLE, seed)
    res = sim.results.arrays
    return res["toy_in_custody"][-1] / PEOPLE, res["toy_offences"].sum() / (PEOPLE * WEEKS)


def numpy_measures(seed: int) -> tuple[float, float]:
    custody, offences = numpy_run(PEOPLE, WEEKS, seed)
    return custody / PEOPLE, offences / (PEOPLE * WEEKS)


def pooled(measure) -> np.ndarray:
    return np.mean([measure(seed) for seed in SEEDS], axis=0)


def assert_close(got: np.ndarray, want: np.ndarray, what: str) -> None:
    rel = got / want - 1
    assert abs(rel[0]) < CUSTODY_TOLERANCE, f"{what}: custody share at the end {got[0]:.5f} vs {want[0]:.5f}"
    assert abs(rel[1]) < OFFENCE_TOLERANCE, f"{what}: offences per person-week {got[1]:.6f} vs {want[1]:.6f}"


@pytest.fixture(scope="module")
def engine_pooled() -> np.ndarray:
    return pooled(engine_measures)


def test_numpy_and_the_engine_compute_the_same_flow(engine_pooled):
    assert_close(engine_pooled, pooled(numpy_measures), "engine vs numpy")


def test_both_follow_the_toy_law(engine_pooled):
    law = np.array(expected_flow(WEEKS))
    assert_close(engine_pooled, law, "engine vs the exact expectation")
    assert_close(pooled(numpy_measures), law, "numpy vs the exact expectation")


def test_starsim_computes_the_same_flow(engine_pooled):
    pytest.importorskip("starsim")

    def measures(seed: int) -> tuple[float, float]:
        sim = starsim_sim(PEOPLE, WEEKS, seed)
        sim.run()
        flow = next(m for m in sim.modules if hasattr(m, "in_custody"))
        return int(flow.in_custody.sum()) / PEOPLE, float(flow.offences.sum()) / (PEOPLE * WEEKS)

    assert_close(pooled(measures), engine_pooled, "starsim vs engine")


def test_the_engine_toy_keeps_the_stock_flow_balance_every_week():
    sim = run_toy(PEOPLE, check_every=1)  # a head count against the rolled-forward flows every week
    assert sim.steps == WEEKS
    res, moved = sim.results.arrays, sim.transitions
    stocks = res["population"].sum(axis=1)  # over areas: time x status
    assert (stocks.sum(axis=1) == PEOPLE).all()  # a closed population
    assert (stocks[:, CUSTODY] == res["toy_in_custody"]).all()
    assert (moved[:, COMMUNITY, CUSTODY] == res["toy_custody_starts"]).all()
    assert (moved[:, CUSTODY, COMMUNITY] == res["toy_releases"]).all()
    assert moved[:, OUTSIDE].sum() == moved[:, :, OUTSIDE].sum() == 0
    assert res["toy_offences"].sum() == sim.pop.toy_offences.sum()
    assert res["toy_releases"].sum() > 0  # people went out as well as in
    in_custody = sim.pop.status == CUSTODY
    assert (sim.pop.toy_weeks_left[in_custody] > 0).all()


def test_a_status_changed_without_move_stops_the_run():
    class Leaky(ToyFlow):
        def step(self, t: int) -> None:
            super().step(t)
            held = np.flatnonzero(self.sim.pop.status == CUSTODY)[:1]
            self.sim.pop.status[held] = COMMUNITY  # not through Population.move: no flow recorded

    sim = build_toy(PEOPLE, check_every=1, module=Leaky)
    with pytest.raises(BalanceError, match="CUSTODY_UNDER_12M"):
        for _ in range(WEEKS):
            sim.step()


def test_the_toy_is_declared_as_a_module_of_the_engine():
    assert ToyFlow.STREAMS == ("toy_offend", "toy_jail")
    assert InitialPopulation in ToyFlow.IMPLEMENTS
    assert "toy_weeks_left" in ToyFlow.COLUMNS
    units = {name: spec.unit for name, spec in ToyFlow.RESULTS.items()}
    assert units == {"toy_offences": OFFENCES_PER_WEEK, "toy_custody_starts": PEOPLE_PER_WEEK,
                     "toy_releases": PEOPLE_PER_WEEK, "toy_in_custody": PEOPLE_END_OF_WEEK}


def test_the_timings_come_back_in_person_weeks_a_second():
    for timing in (numpy_floor(PEOPLE, repeats=1), engine_toy(PEOPLE, repeats=1)):
        assert timing.seconds > 0
        assert timing.mpw_per_s == pytest.approx(PEOPLE * WEEKS / timing.seconds / 1e6)
