"""Services: queues as queueing theory says, effects that fade, drop-out, and effects only where eligible."""
from __future__ import annotations

import math

import numpy as np
import pytest

from jrsim import engine
from jrsim.core.effects import OFFENDING_HAZARD, column
from jrsim.core.errors import ScenarioError
from jrsim.engine import build, run
from jrsim.services.queueing import simpy_waits, weekly_waits
from tests.conftest import BASELINE

RNG = np.random.default_rng(20240501)


def erlang_c_wait(arrivals_per_week: float, mean_service_weeks: float, servers: int) -> float:
    """Mean wait in an M/M/c queue (Erlang C)."""
    a = arrivals_per_week * mean_service_weeks
    rho = a / servers
    top = a**servers / math.factorial(servers) / (1 - rho)
    p_wait = top / (sum(a**k / math.factorial(k) for k in range(servers)) + top)
    return p_wait / (servers / mean_service_weeks - arrivals_per_week)


def test_weekly_queue_gives_the_simpy_reference_waits_on_the_same_arrivals():
    arrivals = np.sort(RNG.poisson(8, 400).cumsum() // 8)  # about one a week, bunched
    durations = RNG.integers(1, 25, len(arrivals))
    for servers in (3, 10, 15):
        fast, ref = weekly_waits(arrivals, durations, servers), simpy_waits(arrivals, durations, servers)
        assert np.array_equal(fast, ref)
        assert (fast >= 0).all()


def test_waits_agree_with_erlang_c_and_littles_law():
    lam, mean_s, c, weeks = 4.0, 20.0, 90, 6000  # utilisation 0.89
    arrivals = np.repeat(np.arange(weeks), RNG.poisson(lam, weeks))
    durations = np.maximum(1, np.rint(RNG.exponential(mean_s, len(arrivals)))).astype(int)
    waits = weekly_waits(arrivals, durations, c)
    steady = arrivals > 500
    theory = erlang_c_wait(lam, durations.mean(), c)
    assert waits[steady].mean() == pytest.approx(theory, rel=0.25, abs=0.5)
    # Little's law: people waiting = arrival rate x mean wait
    queue_length = np.bincount(np.concatenate([np.arange(a, a + w) for a, w in zip(arrivals, waits)]),
                               minlength=weeks)[600:weeks - 200].mean()
    assert queue_length == pytest.approx(lam * waits[(arrivals >= 600) & (arrivals < weeks - 200)].mean(), rel=0.1)


def test_underloaded_service_has_no_wait_and_overloaded_one_queues():
    arrivals = np.arange(200)
    assert weekly_waits(arrivals, np.full(200, 4), 5).max() == 0  # 4 in service at most
    waits = weekly_waits(arrivals, np.full(200, 4), 2)  # half the capacity needed
    assert waits[-1] > waits[100] > waits[10] > 0


@pytest.fixture(scope="module")
def base_params():
    return engine.load(BASELINE, {"run.scale": 0.02, "run.horizon_years": 3, "run.warmup_years": 2})


def test_a_service_with_zero_capacity_has_no_effect_at_all(base_params):
    base = run(base_params)
    dormant = run(base_params.with_overrides({"services.radar_key_worker.effect": 0.9,
                                              "services.radar_key_worker.referral_probability": 1.0}))
    for name in base.data_vars:
        assert np.array_equal(base[name].values, dormant[name].values), name


def _simulate(params):
    sim = build(params)
    ds = sim.run_all()
    return sim, ds


def test_more_capacity_cuts_reoffending_for_the_eligible_and_leaves_the_ineligible_untouched(base_params):
    base_sim, base = _simulate(base_params)
    more = base_params.with_overrides({"services.radar_key_worker.capacity": 20000})
    sim, ds = _simulate(more)
    referred = sim.modules["services"].services[[s.name for s in sim.modules["services"].services]
                                                .index("radar_key_worker")].referred_ids()
    assert len(referred) > 100
    # the eligible group (released from short custody) reoffends less, on paired runs
    def short(d):
        return float(d.reoffenders.sel(disposal="custody_under_12m").sum() /
                     d.cohort_size.sel(disposal="custody_under_12m").sum())
    assert short(ds) < short(base)
    # people referred to no service in either run follow exactly the same path (common random
    # numbers; the only link between people is competition for places in capacity-limited services)
    ids = np.intersect1d(base_sim.pop.id, sim.pop.id)
    served = np.concatenate([s.referred_ids() for run_ in (base_sim, sim) for s in run_.modules["services"].services])
    never = ids[~np.isin(ids, served)]
    assert len(never) > 0.5 * len(ids)
    b_rows, s_rows = np.searchsorted(base_sim.pop.id, never), np.searchsorted(sim.pop.id, never)
    for col in ("previous_offences", "last_offence", "status"):
        assert np.array_equal(base_sim.pop.column(col)[b_rows], sim.pop.column(col)[s_rows]), col
    # and the referred offend less
    r = np.intersect1d(ids, referred)
    assert sim.pop.previous_offences[np.searchsorted(sim.pop.id, r)].sum() < \
        base_sim.pop.previous_offences[np.searchsorted(base_sim.pop.id, r)].sum()


def _one_effect(base_params, size: float):
    """A simulation with one person given an ete_support effect at week 0 (in the service)."""
    sim = build(base_params.with_overrides({"services.ete_support.capacity": 100}))
    services = sim.modules["services"]
    k, ete = next((k, s) for k, s in enumerate(services.services) if s.name == "ete_support")
    person = sim.pop.living()[:1]
    services._add_effects(sim.pop.id[person], np.array([size], np.float32), 0, ete, k)
    return sim, services, k, ete, person


def test_an_effect_holds_whole_in_the_service_and_fades_with_the_half_life_from_completion(base_params):
    sim, services, k, ete, person = _one_effect(base_params, 0.4)
    half = int(ete.f["effect_half_life"])
    hazard = sim.pop.column(column(OFFENDING_HAZARD))
    assert hazard[person][0] == pytest.approx(0.6, abs=1e-6)  # takes hold at the start
    services._apply_effects(half)
    assert hazard[person][0] == pytest.approx(0.6, abs=1e-6)  # still in the service: no fading
    services._close_effects(k, sim.pop.id[person], np.ones(1, np.float32), half)  # completes
    for t, expected in ((half, 0.6), (2 * half, 0.8), (3 * half, 0.9)):
        services._apply_effects(t)
        assert hazard[person][0] == pytest.approx(expected, abs=1e-4)


def test_a_drop_out_keeps_only_its_share_of_the_effect_at_once(base_params):
    sim, services, k, ete, person = _one_effect(base_params, 0.4)
    services._close_effects(k, sim.pop.id[person], np.full(1, 0.25, np.float32), 10)
    assert sim.pop.column(column(OFFENDING_HAZARD))[person][0] == pytest.approx(0.9, abs=1e-6)


def test_drop_out_lowers_the_effect(base_params):
    on = {"services.radar_key_worker.capacity": 20000}
    keep = run(base_params.with_overrides({**on, "services.radar_key_worker.dropout_rate": 0.0}))
    drop = run(base_params.with_overrides({**on, "services.radar_key_worker.dropout_rate": 5.0}))
    base = run(base_params)
    def reduction(d):
        return int(base.reoffences.sum() - d.reoffences.sum())
    assert int(drop.service_dropouts.sum()) > int(keep.service_dropouts.sum())
    assert reduction(keep) > reduction(drop)


@pytest.mark.parametrize("change, needle", [
    ({"services.ete_support.pathway": "housing"}, "'services.ete_support.pathway': expected one of"),
    ({"services.ete_support.eligible_status": ["on_bail"]}, "not known: ['on_bail']"),
    ({"services.ete_support.capacity": -10}, "'services.ete_support.capacity': cannot be negative"),
    ({"services.ete_support.effect": 1.5}, "'services.ete_support.effect': a probability must lie in [0, 1]"),
    ({"services.ete_support.funder": "nasa"}, "'services.ete_support.funder': expected one of"),
])
def test_bad_service_input_names_the_key(change, needle):
    with pytest.raises(ScenarioError) as err:
        engine.load(BASELINE, change)
    assert needle in str(err.value)
