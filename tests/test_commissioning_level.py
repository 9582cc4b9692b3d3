"""Commissioning level in a run (issue 24): the three shipped designs (national, by contract package area,
local) on one counterfactual; with every level term neutral and the bidders alike they run the same but
for commissioning's own cost, which the ledger books to the payer; local knowledge raises the share of
referrals that meet a need; bad designs are refused at load in one line each."""
from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
import yaml

from jrsim import engine
from jrsim.core.errors import ScenarioError
from jrsim.economics.costs import load_costs
from jrsim.economics.ledger import compare_pair
from jrsim.experiments.paired import run_pairs
from jrsim.reporting.levels import levels_table, tender_figures
from tests.conftest import ROOT

LEVELS = ("national", "contract_package_area", "local")
# Two contract package areas (so the three levels let 1, 2 and a lot per local area), small, over the design's
# start in April 2015
SMALL = {"run.scale": 0.03, "run.horizon_years": 5, "run.warmup_years": 1,
         "run.areas": ["london", "cheshire_and_greater_manchester"]}
THIN = 0.01  # run.scale of the neutral runs
NEUTRAL = {"commissioning.turnover_multiple": 0.0, "commissioning.scale_elasticity": 0.0,
           "commissioning.top_slice": 0.0, "commissioning.subcontract_share": 0.0}
# every bidder alike (the first declared, the prime, wins every lot on the tie)
ALIKE = {f"bidders.{b}.{field}": value for b in ("national_prime", "regional_provider", "local_charity")
         for field, value in (("cost_per_case", 900.0), ("need_match", 0.5), ("capacity_cases", 1e6))}
# what differs between levels by design: commissioning's own cost, the lots, and the calendar's notes of them
BY_LEVEL = ("commissioning_spend", "calendar_events")


def scenario(level: str, folder=None, changes: dict | None = None, scale: float | None = None):
    """A shipped design at ``level``, with ``changes`` from its start (a derived file in ``folder``: the
    designs and bidders are a policy, dated, which --set does not reach)."""
    path = ROOT / "scenarios" / f"commissioning_{level}.yaml"
    if changes:
        derived = folder / f"{level}_changed.yaml"
        derived.write_text(yaml.safe_dump({
            "name": f"{level}_changed", "base": str(path), "starts": "2015-04-01",
            "set": {k: {"value": v, "unit": "test", "assumption": "the test's"} for k, v in changes.items()}}))
        path = derived
    return engine.load(path, {**SMALL, **({"run.scale": scale} if scale else {})})


@pytest.fixture(scope="module")
def neutral(tmp_path_factory):
    """The three levels with neutral terms and alike bidders, thinner than SMALL: they must agree exactly,
    whatever the sample."""
    folder = tmp_path_factory.mktemp("levels")
    base = engine.load(ROOT / "scenarios" / "baseline.yaml", {**SMALL, "run.scale": THIN})
    return {level: engine.run_pair(base, scenario(level, folder, {**NEUTRAL, **ALIKE}, THIN), seed=4) for level in LEVELS}


@pytest.mark.xdist_group("commissioning_level")
def test_with_neutral_terms_the_levels_run_the_same_and_only_commissioning_costs_differ(neutral):
    (_, national), *others = (neutral[level] for level in LEVELS)
    assert [int(neutral[level][1].sizes["lot"]) for level in LEVELS] == [1, 2, len(national.attrs["local_areas"]
                                                                                   .split(";"))]
    run_vars = [v for v in national.data_vars if not str(v).startswith("lot_") and v not in BY_LEVEL]
    for _, other in others:
        for name in run_vars:
            if national[name].attrs.get("kind") == "money":  # the lots' money summed in another order
                assert np.allclose(national[name].values, other[name].values, rtol=1e-12, atol=0), name
            else:  # the same people, bit for bit
                assert np.array_equal(national[name].values, other[name].values), name
    spent = [float(neutral[level][1]["commissioning_spend"].sum()) for level in LEVELS]
    assert 0 < spent[0] < spent[1] < spent[2]  # a competition a lot; management alike on the same money
    assert float(national["service_places"].sel(service="through_the_gate").isel(time=-1)) > 0


@pytest.mark.xdist_group("commissioning_level")
def test_the_ledger_books_commissioning_to_its_payer_as_investment(neutral):
    book = load_costs()
    compared = {level: compare_pair(*neutral[level], book) for level in LEVELS}
    invested = {level: compared[level]["investment"].sel(agency="probation").sum().item() for level in LEVELS}
    spent = {level: neutral[level][1]["commissioning_spend"].sum().item() / neutral[level][1].attrs["scale"]
             for level in LEVELS}  # in the design's price year, the cost file's base year (2012)
    for level in LEVELS[1:]:
        assert invested[level] - invested["national"] == pytest.approx(spent[level] - spent["national"], rel=1e-9)
    others = compared["local"]["investment"].drop_sel(agency="probation").sum().item()
    assert others == pytest.approx(compared["national"]["investment"].drop_sel(agency="probation").sum().item())


@pytest.mark.xdist_group("commissioning_level")
def test_local_knowledge_raises_the_share_of_referrals_that_meet_a_need_and_the_table_says_so(tmp_path):
    """The shipped national and local designs compared with the baseline (as jrsim compare does, through the
    NetCDF): the local lots go partly to the charities, whose referrals match needs better, and the
    side-by-side table (jrsim.reporting.levels, make docs-figures ONLY=levels) is read from the files alone."""
    base = engine.load(ROOT / "scenarios" / "baseline.yaml", SMALL)
    comparisons = {}
    for level in ("national", "local"):
        run_pairs(base, scenario(level), [4], load_costs(), workers=1).to_netcdf(tmp_path / f"{level}.nc")
        comparisons[level] = xr.open_dataset(tmp_path / f"{level}.nc")
    shares = {level: float(c["design_referrals_meeting_need"].sum() / c["design_referrals"].sum())
              for level, c in comparisons.items()}
    figures = {level: tender_figures(c) for level, c in comparisons.items()}
    assert "local_charity" in figures["local"]["winners"] and "local_charity" not in figures["national"]["winners"]
    assert figures["local"]["need matching (declared)"] > figures["national"]["need matching (declared)"]
    assert shares["local"] > shares["national"]
    assert figures["local"]["share to small local providers"] > figures["national"]["share to small local providers"]
    assert figures["local"]["competitions (£m, once)"] > figures["national"]["competitions (£m, once)"]
    table = levels_table(comparisons).splitlines()
    assert table[0] == "|  | national | local |"
    assert f"| lots | 1 | {figures['local']['lots']:,} |" in table
    assert any(row.startswith("| referrals meeting a need | ") for row in table)


@pytest.mark.parametrize("overrides, phrase", [
    ({"designs.resettlement.level": "county"}, "'designs.resettlement.level'"),
    ({f"bidders.{b}.capacity_cases": 10 for b in ("national_prime", "regional_provider", "local_charity")},
     "no provider can bid for the lot"),
    ({"bidders.local_charity.reserves": -5}, "'bidders.local_charity.reserves'"),
    ({"designs.resettlement.service": "through_the_gates"}, "is not a service of this scenario"),
    ({"designs.resettlement.areas": ["wales"]}, "none of its areas is among the run's areas"),
    ({"designs.resettlement.areas": ["atlantis"]}, "unknown area 'atlantis'"),
])
def test_bad_commissioning_designs_are_refused_at_load_in_one_line(overrides, phrase, tmp_path):
    with pytest.raises(ScenarioError) as caught:
        scenario("national", tmp_path, overrides)
    message = str(caught.value)
    assert phrase in message and "\n" not in message, message
