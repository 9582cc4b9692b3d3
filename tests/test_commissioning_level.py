"""Commissioning level in a run (issue 24): the three shipped designs (national, by contract package area,
local) on one counterfactual; with every level term neutral and the bidders alike they run the same but
for commissioning's own cost, which the ledger books to the payer; local knowledge raises the share of
referrals that meet a need; bad designs are refused at load in one line each."""
from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
import yaml
from openpyxl import load_workbook

from jrsim import engine
from jrsim.core.errors import ScenarioError
from jrsim.data import CALIBRATION, EXPERIMENTS, shipped
from jrsim.economics.costs import load_costs
from jrsim.economics.ledger import compare_pair
from jrsim.experiments.batch import open_results, run_batch
from jrsim.experiments.experiment import load_experiment
from jrsim.experiments.paired import run_pairs
from jrsim.experiments.summary import summarise
from jrsim.reporting.html import write_batch_html
from jrsim.reporting.levels import levels_batch_table, levels_table, tender_figures
from jrsim.reporting.workbook import write_batch_workbook
from tests.conftest import ROOT

LEVELS = ("national", "contract_package_area", "local")
# Two contract package areas (so the three levels let 1, 2 and a lot per local area), small, over the design's
# start in April 2015
SMALL = {"run.scale": 0.03, "run.horizon_years": 5, "run.warmup_years": 1,
         "run.areas": ["london", "cheshire_and_greater_manchester"]}
THIN = 0.01  # run.scale of the neutral runs
NEUTRAL = {"commissioning.turnover_multiple": 0.0, "commissioning.scale_elasticity": 0.0,
           "commissioning.top_slice": 0.0, "commissioning.subcontract_share": 0.0, "commissioning.consortium_overhead": 0.0,
           "commissioning.cost_of_capital": 0.0}
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
    ({"designs.resettlement.baseline_year": 2009}, "'designs.resettlement.baseline_year': 2009 is not an output year"),
    ({"designs.resettlement.disposals": []}, "needs its cohorts' index disposals"),
    ({"designs.resettlement.measure": "frequency"}, "a design paying on frequency needs 'reoffences_per_person'"),
    ({"designs.resettlement.investors": "nobody"}, "'designs.resettlement.investors': 'nobody' is not investors"),
    ({"designs.resettlement.partners": {"probation": 0.5, "nhs": 0.2}, "designs.resettlement.reinvest_share": 0.5,
      "designs.resettlement.demand_weights": {"arrests": 230}}, "the partners' shares sum to 0.7, not 1"),
    ({"designs.resettlement.partners": {"probation": 1.0}}, "a pooled design needs 'reinvest_share', 'demand_weights'"),
])
def test_bad_commissioning_designs_are_refused_at_load_in_one_line(overrides, phrase, tmp_path):
    with pytest.raises(ScenarioError) as caught:
        scenario("national", tmp_path, overrides)
    message = str(caught.value)
    assert phrase in message and "\n" not in message, message


# Long enough for the 2015 and 2016 cohorts' results (each paid once its follow-up and proof window has closed)
RESULTS_YEARS = {**SMALL, "run.horizon_years": 8}


def local_run(path):
    """A scenario (a path) against baseline.yaml over the results' years: its parameters in force, the scenario
    run, each lot's results money by lot contract, and each measurement (observed, reference, cohort)."""
    base = engine.load(ROOT / "scenarios" / "baseline.yaml", RESULTS_YEARS)
    sc = engine.load(path, RESULTS_YEARS)
    cf, ds = engine.run_pair(base, sc, seed=4)
    terms = sc.latest()
    money = dict(zip(ds["lot_contract"].values, (ds["lot_value"] * terms["designs.resettlement.results_share"]).values))
    measured = {(str(c), int(y)): (o, r, n) for c, y, o, r, n in zip(
        ds["measured_contract"].values, ds["measured_year"].values, ds["contract_observed"].values,
        ds["contract_reference"].values, ds["contract_cohort"].values)}
    return terms, cf, ds, money, measured


@pytest.mark.xdist_group("commissioning_level")
def test_each_lot_is_paid_its_results_on_its_own_cohort():
    """The local design's lots: each cohort year, each winner is paid its lot's results money times the fall
    in its own areas' rate against their baseline year over the fall that pays in full (pro rata in the year
    it is let); the lots' cohorts together are the run's whole cohort of those disposals."""
    terms, _, ds, money, measured = local_run(ROOT / "scenarios" / "commissioning_local.yaml")
    fall, share = terms["designs.resettlement.expected_fall"], terms["designs.resettlement.results_share"]
    winner = dict(zip(ds["lot_contract"].values, ds["lot_winner"].values))
    assert {year for _, year in measured} == {2015, 2016}
    assert {c for c, _ in measured} == {f"resettlement/{lot}" for lot in ds["lot_name"].values}
    pays = ds["contract_payments"]
    in_force = {}
    for contract, year, amount, payee in zip(pays["payment_contract"].values, pays["pays_on_year"].values,
                                             pays.values, pays["payee"].values):
        observed, reference, _ = measured[(str(contract), int(year))]
        assert observed < reference and payee == winner[contract]
        in_force.setdefault(int(year), []).append(amount / (money[contract] * (reference - observed) / fall))
    assert np.allclose(in_force[2016], 1.0)
    assert np.allclose(in_force[2015], in_force[2015][0]) and 0.7 < in_force[2015][0] < 0.8  # from April
    # the service is paid the rest as a fee on its places (spend a week over places: the price of a place-week)
    week = {v: ds[v].sel(service="through_the_gate").isel(time=-1).item() for v in ("service_spend", "service_places")}
    weeks = round(terms["services.through_the_gate.duration"])
    fee = float(ds["lot_value"].sum()) * (1 - share) / (float(ds["lot_cases_served"].sum()) * weeks)
    assert week["service_spend"] / week["service_places"] == pytest.approx(fee, rel=1e-9)
    unpaid = [k for k, (o, r, _) in measured.items() if o >= r]
    assert len(unpaid) + len(pays) == len(measured)  # a rise or no change: nothing paid
    cohort = ds["band_cohort_size"].sel(disposal="custody_under_12m")
    cohort = cohort.isel(cohort_quarter=cohort["cohort_quarter"].dt.year == 2015).sum().item()
    assert sum(n for (_, y), (_, _, n) in measured.items() if y == 2015) == pytest.approx(cohort / ds.attrs["scale"])


@pytest.mark.xdist_group("commissioning_level")
def test_a_batch_of_the_levels_keeps_each_pairs_designs_and_the_side_by_side_table_reads_them(tmp_path):
    """The shipped levels batch, one draw at a small scale on two contract package areas: each pair keeps its
    design's figures, the lots' results payments spread more per pound as the lots shrink, and the table from
    the store has a column a level and the chance of a positive NPV."""
    doc = yaml.safe_load((shipped(EXPERIMENTS) / "commissioning_level_batch.yaml").read_text())
    doc.update(name="levels", draws=1, calibration=str(shipped(CALIBRATION) / "baseline_accepted.nc"),
               set={**doc["set"], **RESULTS_YEARS, "run.scale": THIN})
    path = tmp_path / "levels.yaml"
    path.write_text(yaml.safe_dump(doc))
    run_batch(load_experiment(path), tmp_path, workers=1)
    s = summarise(open_results(tmp_path / "levels.zarr"))
    lots = s["design_lots_mean"].values
    assert lots[0] == 1 and lots[1] == 2 and lots[2] > 2
    spread = s["design_results_paid_sd_mean"].values
    assert spread[0] < spread[2] and s["design_results_sd_median_lot_mean"].values[0] < \
        s["design_results_sd_median_lot_mean"].values[2]
    table = levels_batch_table(s).splitlines()
    assert table[0] == "|  | national | contract package area | local |"
    assert any(row.startswith("| chance NPV fiscal > 0 | ") and "of 1 runs" in row for row in table)
    # the batch's page and workbook have the same side by side, the page with its chart
    page = write_batch_html(s, load_costs(), "levels", tmp_path / "levels.html").read_text()
    assert "Commissioning designs side by side" in page and 'alt="designs" src="data:image/png;base64,' in page
    sheet = load_workbook(write_batch_workbook(s, tmp_path / "levels.xlsx"))["designs"]
    keys = [row[2] for row in sheet.iter_rows(values_only=True)]
    assert keys.count("design_results_paid_sd") == 3 and keys.count("design_cost_per_case") == 3


FREQUENCY = {"designs.resettlement.measure": "frequency", "designs.resettlement.reoffences_per_person": 2.0,
             "designs.resettlement.expected_fall": 0.2}


@pytest.mark.xdist_group("commissioning_level")
def test_a_design_paying_on_frequency_pays_each_lot_on_its_re_offences_per_person(tmp_path):
    """The local design on the frequency measure: each lot's cohort is measured in re-offences per person,
    which over the lots make up the run's re-offences of the cohort, and each winner is paid the lot's results
    money times the fall over the fall that pays in full, as on the binary measure."""
    scenario("local", tmp_path, FREQUENCY)  # the derived file, run over the results' years
    _, _, ds, money, measured = local_run(tmp_path / "local_changed.yaml")
    assert set(ds["measure"].values) == {"frequency"}
    scale = ds.attrs["scale"]
    reoffences = ds["band_reoffences"].sel(disposal="custody_under_12m")
    reoffences = reoffences.isel(cohort_quarter=reoffences["cohort_quarter"].dt.year == 2016).sum().item() / scale
    assert sum(o * n for (_, y), (o, _, n) in measured.items() if y == 2016) == pytest.approx(reoffences)
    assert any(o > 1.0 for o, _, _ in measured.values())  # a count per person, not a share
    pays = ds["contract_payments"]
    for contract, year, amount in zip(pays["payment_contract"].values, pays["pays_on_year"].values, pays.values):
        if int(year) == 2016:  # a whole year in force
            observed, reference, _ = measured[(str(contract), 2016)]
            assert amount == pytest.approx(money[contract] * (reference - observed) / 0.2, rel=1e-9)


@pytest.mark.xdist_group("commissioning_level")
def test_under_a_bond_investors_put_in_each_lots_results_money_and_are_paid_its_results():
    """commissioning_local_bond.yaml: for each cohort year paid in the run the investors put each lot's results
    money in (pro rata in the year it is let) and are paid its results on the binary rule; the service is paid
    the lots' whole value a year as its fee; the ledger gives the investors a return."""
    terms, cf, ds, money, measured = local_run(ROOT / "scenarios" / "commissioning_local_bond.yaml")
    fall = terms["designs.resettlement.expected_fall"]
    pays = ds["contract_payments"]
    capital = {}
    for contract, year, amount, payee, purpose in zip(pays["payment_contract"].values, pays["pays_on_year"].values,
                                                      pays.values, pays["payee"].values, pays["purpose"].values):
        assert payee == "social_investors" and purpose in ("investment", "results")
        if purpose == "investment":
            capital.setdefault(int(year), []).append(-amount / money[str(contract)])
    assert sorted(capital) == [2015, 2016] and all(len(v) == len(money) for v in capital.values())
    assert np.allclose(capital[2016], 1.0) and np.allclose(capital[2015], capital[2015][0])
    assert 0.7 < capital[2015][0] < 0.8  # from April
    week = {v: ds[v].sel(service="through_the_gate").isel(time=-1).item() for v in ("service_spend", "service_places")}
    weeks = round(terms["services.through_the_gate.duration"])
    fee = float(ds["lot_value"].sum()) / (float(ds["lot_cases_served"].sum()) * weeks)
    assert week["service_spend"] / week["service_places"] == pytest.approx(fee, rel=1e-9)
    for contract, year, amount, purpose in zip(pays["payment_contract"].values, pays["pays_on_year"].values,
                                               pays.values, pays["purpose"].values):
        if purpose == "results" and int(year) == 2016:
            observed, reference, _ = measured[(str(contract), 2016)]
            assert amount == pytest.approx(money[str(contract)] * (reference - observed) / fall, rel=1e-9)
    compared = compare_pair(cf, ds, load_costs())
    assert "social_investors" in map(str, compared["outside_multiple"]["party"].values)


@pytest.mark.xdist_group("commissioning_level")
def test_a_pooled_design_shares_its_services_cost_and_reinvests_its_measured_savings():
    """commissioning_local_pooled.yaml: each year each partner but the service's funder pays its share of what the
    service cost to the funder (probation); half of the savings the pool measured buys places the next year (none
    after the last year); the results stay with the payer."""
    base = engine.load(ROOT / "scenarios" / "baseline.yaml", RESULTS_YEARS)
    sc = engine.load(ROOT / "scenarios" / "commissioning_local_pooled.yaml", RESULTS_YEARS)
    _, ds = engine.run_pair(base, sc, seed=4)
    partners = sc.latest()["designs.resettlement.partners"]
    pays = ds["contract_payments"]
    spend = ds["service_spend"].sel(service="through_the_gate")
    for payer, payee, year, amount, purpose in zip(pays["payer"].values, pays["payee"].values, pays["pays_on_year"].values,
                                                   pays.values, pays["purpose"].values):
        if purpose == "contribution":
            first = (int(year) - ds.attrs["start_year"]) * 52  # a contract year: 52 model weeks
            year_spend = spend.isel(time=slice(first, first + 52)).sum().item() / ds.attrs["scale"]
            assert payee == "probation" and amount == pytest.approx(partners[str(payer)] * year_spend, rel=1e-9)
        else:
            assert purpose == "results" and payer == "probation"
    contributed = {str(p) for p, purpose in zip(pays["payer"].values, pays["purpose"].values) if purpose == "contribution"}
    assert contributed == {"local_authority", "police", "nhs"}
    saved, reinvested = ds["pool_savings_measured"].values, ds["pool_reinvested"].values
    assert np.allclose(reinvested[:-1], 0.5 * np.maximum(saved[:-1], 0.0)) and reinvested[-1] == 0.0
    assert reinvested.sum() > 0 and float(ds["pool_places_added"].sum()) > 0
