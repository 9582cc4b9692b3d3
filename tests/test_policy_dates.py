"""Policies start on a date: a scenario and its counterfactual are one run until then, and the
shared warm-up gives exactly the runs each would give alone."""
from __future__ import annotations

import numpy as np
import pytest

from jrsim import engine
from jrsim.core.errors import ScenarioError
from jrsim.economics.costs import load_costs
from jrsim.economics.ledger import compare_pair
from tests.conftest import BASELINE, ROOT

QUICK = {"run.scale": 0.01, "run.horizon_years": 3, "run.warmup_years": 1, "run.start_year": 2011}
LATER = "2012-07-02"  # a Monday in the second output year


def scenario(tmp_path, body: str, name: str = "policy.yaml"):
    path = tmp_path / name
    path.write_text(f"name: {path.stem}\nbase: {BASELINE}\n{body}")
    return engine.load(path, QUICK)


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("policy")
    policy = scenario(tmp, f"starts: {LATER}\nset:\n  services.radar_key_worker.capacity: 20000\n"
                           f"  sentencing.short_custody_diversion.probability: 0.5\n")
    base = engine.load(BASELINE, QUICK)
    return base, policy, engine.run_pair(base, policy, seed=11)


def test_the_runs_are_identical_week_for_week_before_the_policy_date(pair):
    base, policy, (cf, sc) = pair
    week = int(np.searchsorted(cf["time"].values, np.datetime64(LATER), side="right")) - 1  # the week holding it
    assert 0 < week < cf.sizes["time"]
    for name in cf.data_vars:
        if "time" in cf[name].dims:
            before_cf, before_sc = cf[name].isel(time=slice(0, week)), sc[name].isel(time=slice(0, week))
            assert np.array_equal(before_cf.values, before_sc.values), name
    assert not np.array_equal(cf["sentences"].values, sc["sentences"].values)  # and differ after


def test_investment_before_the_policy_date_is_zero(pair):
    base, policy, (cf, sc) = pair
    cmp = compare_pair(cf, sc, load_costs())
    assert float(cmp["investment"].sel(year=2011).sum()) == 0.0
    assert float(cmp["investment"].sel(year=2012).sum()) > 0.0
    assert float(abs(cmp["savings_by_activity"].sel(year=2011)).sum()) == 0.0


def test_the_shared_warm_up_gives_the_runs_each_gives_alone(pair):
    base, policy, (cf, sc) = pair
    for shared, alone in ((cf, engine.run(base, 11)), (sc, engine.run(policy, 11))):
        for name in alone.data_vars:
            assert np.array_equal(shared[name].values, alone[name].values), name


def test_values_can_change_on_their_own_dates(tmp_path):
    policy = scenario(tmp_path, "set:\n  supervision.post_sentence_supervision: {values: {2012-01-02: true}}\n")
    assert [(c.key, str(c.when), c.value) for c in policy.changes] == \
        [("supervision.post_sentence_supervision", "2012-01-02", True)]
    ds = engine.run(policy, 3)
    pss = ds["population"].sel(status="post_sentence_supervision")
    assert int(pss.sel(time=slice("2011-01-01", "2011-12-30")).sum()) == 0  # the week holding 2 January: 12-31
    assert int(pss.sel(time=slice("2012-03-01", None)).sum()) > 0


def test_without_a_warm_up_a_policy_acts_from_the_first_week(tmp_path):
    path = tmp_path / "nowarm.yaml"
    path.write_text(f"name: nowarm\nbase: {BASELINE}\nset:\n  policing.detection_probability: 0.05\n")
    quick = {**QUICK, "run.warmup_years": 0}
    base, policy = engine.load(BASELINE, quick), engine.load(path, quick)
    cf, sc = engine.run_pair(base, policy, 3)
    assert int(sc["arrests"].sum()) < int(cf["arrests"].sum())
    assert int(sc["arrests"][0].sum()) < int(cf["arrests"][0].sum())


def test_an_undated_change_acts_from_the_first_output_year(tmp_path):
    policy = scenario(tmp_path, "set:\n  services.radar_key_worker.capacity: 20000\n")
    sim = engine.build(policy)
    assert sorted(sim._switches) == [sim.calendar.warmup_weeks]


@pytest.mark.parametrize("body, phrase", [
    ("starts: 2009-01-01\nset:\n  courts.crown_share: 0.2\n", "outside the output window"),
    ("starts: 2030-01-01\nset:\n  courts.crown_share: 0.2\n", "outside the output window"),
    ("starts: someday\nset:\n  courts.crown_share: 0.2\n", "'starts': expected a date like 2015-02-01"),
    ("set:\n  courts.crown_share: {values: {2012-01-01: 1.5}}\n", "a probability must lie in [0, 1]"),
    ("set:\n  courts.crown_share: {values: []}\n", "'values:' must map dates to values"),
    ("set:\n  population.initial_active: {values: {2012-01-01: 100000}}\n", "cannot change at a policy date"),
    ("set:\n  run.seed: {values: {2012-01-01: 2}}\n", "cannot change at a policy date"),
])
def test_bad_policy_dates_are_refused(tmp_path, body, phrase):
    with pytest.raises(ScenarioError) as err:
        engine.build(scenario(tmp_path, body))
    assert phrase in str(err.value) and "\n" not in str(err.value), str(err.value)


def test_run_settings_in_a_derived_file_hold_from_the_start(tmp_path):
    policy = scenario(tmp_path, "set:\n  run.seed: 77\n  courts.crown_share: 0.2\n")
    assert policy["run.seed"] == 77 and [c.key for c in policy.changes] == ["courts.crown_share"]


def test_a_pair_must_share_its_history(tmp_path):
    base = engine.load(BASELINE, QUICK)
    other = base.with_overrides({"courts.crown_share": 0.2})
    with pytest.raises(ScenarioError, match="differs from its counterfactual before any policy date"):
        engine.run_pair(base, other, 1)


def test_a_variant_from_the_start_replaces_what_its_base_set_without_a_date(tmp_path):
    """transforming_rehabilitation_baseline.yaml sets run.area_level without a date; a 'starts: run' variant of it
    setting the same key holds (the later file wins), and the base's own value stays where the variant is silent."""
    path = tmp_path / "variant.yaml"
    path.write_text(f"name: variant\nbase: {ROOT / 'scenarios' / 'transforming_rehabilitation_baseline.yaml'}\n"
                    "starts: run\nset:\n  run.area_level: {value: local_area, unit: level, assumption: a test}\n")
    params = engine.load(path)
    assert params["run.area_level"] == "local_area" and params.origin["run.area_level"] == str(path)
    assert params["run.horizon_years"] == 8  # the base's undated change the variant does not touch
