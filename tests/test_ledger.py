"""The ledger: balances, exact zeros for no change, whole-step cashability, discounting, bad input."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from jrsim import engine
from jrsim.core.errors import ScenarioError
from jrsim.core.vocabulary import OFFENCE_TYPES
from jrsim.economics.costs import load_costs
from jrsim.economics.ledger import cashable_steps, check_coverage, compare, compare_pair, contract_transfers, spend
from jrsim.economics.years import budget_year
from jrsim.engine import run
from tests.conftest import BASELINE, ROOT, cost_file

QUICK = {"run.scale": 0.01, "run.horizon_years": 3, "run.warmup_years": 1}


@pytest.fixture(scope="module")
def book():
    return load_costs()


@pytest.fixture(scope="module")
def pair():
    base = run(engine.load(BASELINE, QUICK))
    scen = run(engine.load(ROOT / "scenarios" / "justice_reinvestment.yaml", QUICK))
    return base, scen


@pytest.fixture(scope="module")
def cmp(pair, book):
    return compare_pair(*pair, book)


def test_savings_reconcile_with_the_two_runs_spending(pair, cmp, book):
    base, scen = pair
    services_saved = float(cmp.savings_services.sum())
    total_saving = float((cmp.savings_cashable + cmp.savings_non_cashable + cmp.savings_economic_social).sum()) \
        - services_saved  # activity savings; spending less on a service the baseline buys is booked apart
    spend_gap = float(spend(base, book)["spend"].sum() - spend(scen, book)["spend"].sum())
    assert total_saving == pytest.approx(spend_gap, rel=1e-9)
    assert total_saving == pytest.approx(float(cmp.savings_by_activity.sum()), rel=1e-9)
    by_activity = cmp.spend_by_activity_baseline - cmp.spend_by_activity_scenario  # activity x year
    assert np.allclose(by_activity.transpose("activity", "year"), cmp.savings_by_activity.transpose("activity", "year"))
    extra_services = float(spend(scen, book)["service_spend"].sum() - spend(base, book)["service_spend"].sum())
    assert float(cmp.investment.sum()) - services_saved == pytest.approx(extra_services, rel=1e-9)
    assert float(cmp.investment.sum()) > 0
    assert float(cmp.investment.min()) >= 0.0  # never a negative investment: less spent is a saving
    assert services_saved > 0  # the flagship's diversion: fewer prisoners need drug treatment in custody
    # agency by agency and year: what the baseline spent less the scenario = savings less investment
    savings = cmp.savings_cashable + cmp.savings_non_cashable + cmp.savings_economic_social
    gap = (cmp.spend_baseline - cmp.spend_scenario) - (savings - cmp.investment)
    assert float(abs(gap).max()) < 1e-6 * float(abs(cmp.spend_baseline).max())


def test_sum_over_agencies_is_the_total(cmp):
    by_agency = cmp.net_fiscal_benefit.sum("agency")
    assert np.allclose(by_agency, (cmp.savings_fiscal - cmp.investment).sum("agency"))
    assert float(cmp.npv_fiscal) == pytest.approx(float(cmp.pv_net_fiscal_benefit.sum()))
    # the wrong pocket: the council invests in this package and saves nothing; prisons save and invest nothing
    assert float(cmp.pv_investment.sel(agency="local_authority")) > 0
    # its only savings are on services it already bought (fewer referrals to them), never on CJS activity
    assert float((cmp.savings_fiscal - cmp.savings_services).sel(agency="local_authority").sum()) == 0
    assert float(cmp.pv_savings_fiscal.sel(agency="prisons")) > 0
    matrix = cmp.matrix
    assert np.allclose(matrix.sum("investor"), cmp.pv_savings_fiscal + cmp.pv_savings_economic_social)


def test_a_scenario_identical_to_its_baseline_saves_exactly_nothing(pair, book):
    base, _ = pair
    same = compare_pair(base, base.copy(deep=True), book)
    for name in ("savings_cashable", "savings_non_cashable", "savings_economic_social", "investment", "matrix"):
        assert not same[name].values.any(), name


def test_cashable_only_in_whole_steps_after_the_minimum_time():
    reduction = np.array([0, 30, 70, 70, 70, 70, 130, 130, 130, 130, 20, 20], float)
    cash = cashable_steps(reduction, step=60, min_weeks=3)
    # 70 places freed for 3 weeks -> one block of 60 from the third week; 130 for 3 weeks -> two blocks
    assert list(cash) == [0, 0, 0, 0, 60, 60, 60, 60, 120, 120, 0, 0]  # demand back up: the block reopens
    assert (cash % 60 == 0).all()
    assert not cashable_steps(np.full(20, 59.0), step=60, min_weeks=1).any()  # never a whole step
    assert list(cashable_steps(np.array([-70.0] * 4), step=60, min_weeks=2)) == [0, -60, -60, -60]  # rises cost steps


def _synthetic(places: np.ndarray, seed: int = 1) -> xr.Dataset:
    time = pd.date_range("2011-01-01", periods=len(places), freq="7D")
    statuses = ["community_order", "suspended_sentence", "licence", "post_sentence_supervision", "remand",
                "custody_under_12m", "custody_12m_to_4y", "custody_4y_plus", "recalled"]
    pop = np.zeros((len(places), len(statuses)))
    pop[:, statuses.index("custody_12m_to_4y")] = places
    zeros = ("time", np.zeros(len(places)))
    return xr.Dataset({"population": (("time", "status"), pop), "arrests": zeros, "cautions": zeros,
                       "no_further_action": zeros, "charges": zeros,
                       "recalls": zeros, "breaches": zeros,
                       "offences": (("time", "offence_type"), np.zeros((len(places), len(OFFENCE_TYPES)))),
                       "court_cases": (("time", "court"), np.zeros((len(places), 2)))},
                      coords={"time": time, "status": statuses, "court": ["magistrates", "crown"],
                              "offence_type": list(OFFENCE_TYPES)},
                      attrs={"scale": 1.0, "seed": seed})


def test_prison_places_become_cashable_in_house_blocks(book):
    prison = next(a for a in book.activities if a.name == "prison_place_week")
    weeks = 104
    base = _synthetic(np.full(weeks, 1000.0))
    scen = _synthetic(np.r_[np.full(20, 1000.0), np.full(weeks - 20, 1000.0 - 1.5 * prison.step_size)])
    out = compare_pair(base, scen, book).sel(agency="prisons")
    cash = float(out.savings_cashable.sum())
    weeks_down = weeks - 20 - prison.step_weeks + 1
    assert cash == pytest.approx(
                                 1.5 * prison.step_size * prison.cost * prison.split["variable"] * (weeks - 20)
                                 + prison.step_size * prison.cost * prison.split["semi_fixed"] * weeks_down)
    total = float((out.savings_cashable + out.savings_non_cashable).sum())
    assert total == pytest.approx(1.5 * prison.step_size * prison.cost * (weeks - 20))


def test_npv_matches_a_hand_computation(book):
    base = _synthetic(np.full(156, 1000.0))
    scen = _synthetic(np.full(156, 990.0))
    out = compare_pair(base, scen, book)
    prison = next(a for a in book.activities if a.name == "prison_place_week")
    yearly = out.net_fiscal_benefit.sum("agency").values
    years = out.year.values
    hand = sum(v / 1.035 ** (y - years[0]) for v, y in zip(yearly, years))
    assert float(out.npv_fiscal) == pytest.approx(hand)
    weeks_per_year = pd.Series(budget_year(base.time).values).value_counts().sort_index().values
    assert np.allclose(yearly, 10 * prison.cost * weeks_per_year)


def test_replicates_are_paired_and_summarised(pair, book):
    base, scen = pair
    out = compare([base, base], [scen, scen], book)
    assert out.sizes["replicate"] == 2
    assert float(out.npv_fiscal_p05) == pytest.approx(float(out.npv_fiscal_p95))
    assert np.allclose(out.pv_net_fiscal_benefit_mean, out.pv_net_fiscal_benefit.isel(replicate=0))
    with pytest.raises(ValueError, match="paired"):
        compare_pair(base, scen.assign_attrs(seed=-1), book)


@pytest.mark.parametrize("change, needle", [
    (lambda d: d["activities"].pop("arrest"), "no unit cost for activity arrests"),
    (lambda d: d["activities"]["arrest"].update(agency="army"), "'activities.arrest.agency': unknown 'army'"),
    (lambda d: d["activities"]["arrest"].update(cost=-5), "'activities.arrest.cost': must lie in [0, 1e+09], got -5"),
    (lambda d: d["activities"]["arrest"].update(split={"variable": 0.5, "semi_fixed": 0.1, "fixed": 0.1}),
     "'activities.arrest.split': shares must sum to 1"),
    (lambda d: d["ratio_min_investment"].update(value=-1), "'ratio_min_investment.value': must lie in [0, 1e+09]"),
    (lambda d: d["ratio_min_investment"].update(value=float("inf")), "'ratio_min_investment.value': expected a finite"),
    (lambda d: d["ratio_min_investment"].update(value="lots"), "'ratio_min_investment.value': expected a number"),
    (lambda d: d["ratio_min_investment"].update(unit="EUR"), "'ratio_min_investment.unit': must be 'GBP'"),
    (lambda d: d["ratio_min_investment"].pop("assumption"), "'ratio_min_investment.source': needs a 'source'"),
    (lambda d: d.pop("ratio_min_investment"), "'ratio_min_investment': missing"),
    (lambda d: d["budget_year"].update(value="fiscal"), "'budget_year.value': unknown 'fiscal'"),
])
def test_bad_cost_files_name_the_key(tmp_path, change, needle):
    path = cost_file(tmp_path, change)
    with pytest.raises(ScenarioError) as err:
        check_coverage(load_costs(path))
    assert needle in str(err.value) and str(path) in str(err.value)


def test_compare_cli_reports_a_bad_cost_file_without_traceback(tmp_path):
    path = cost_file(tmp_path, lambda d: d["activities"]["arrest"].update(cost=-5))
    res = subprocess.run([sys.executable, "-m", "jrsim", "compare", str(BASELINE), str(BASELINE), "--costs", str(path),
                          "--out", str(tmp_path)], capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 2 and "'activities.arrest.cost': must lie in" in res.stderr and "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1, res.stderr
    res = subprocess.run([sys.executable, "-m", "jrsim", "compare", str(BASELINE), str(BASELINE), "--costs",
                          str(tmp_path / "none.yaml")], capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 2 and "file not found" in res.stderr


def _with_services(ds: xr.Dataset, weekly: dict[str, tuple[str, float]]) -> xr.Dataset:
    """A synthetic ``service_spend`` (as the services module writes it): service -> (funder, £ a week)."""
    names = list(weekly)
    values = np.tile([weekly[n][1] for n in names], (ds.sizes["time"], 1))
    spend_da = xr.DataArray(values, dims=("time", "service"),
                            coords={"time": ds.time, "service": names, "funder": ("service", [weekly[n][0] for n in names]),
                                    "price_year": ("service", [2012] * len(names))})
    return ds.assign(service_spend=spend_da)


def test_investment_by_funder_and_the_matrix_share_savings_by_investment(book):
    base = _with_services(_synthetic(np.full(104, 1000.0)), {"housing": ("local_authority", 0.0),
                                                             "treatment": ("nhs", 0.0)})
    scen = _with_services(_synthetic(np.full(104, 900.0)), {"housing": ("local_authority", 3000.0),
                                                            "treatment": ("nhs", 1000.0)})
    out = compare_pair(base, scen, book)
    assert float(out.investment.sel(agency="local_authority").sum()) == pytest.approx(3000.0 * 104)
    assert float(out.investment.sel(agency="nhs").sum()) == pytest.approx(1000.0 * 104)
    prisons_saved = float(out.pv_savings_fiscal.sel(agency="prisons"))
    # the council paid three quarters of the investment, so three quarters of the prisons' saving is its doing
    assert float(out.matrix.sel(investor="local_authority", saver="prisons")) == pytest.approx(0.75 * prisons_saved)
    assert float(out.matrix.sel(investor="nhs", saver="prisons")) == pytest.approx(0.25 * prisons_saved)
    assert not out.matrix.sel(investor="police").values.any()
    assert float(out.roi.sel(agency="local_authority")) == pytest.approx(-1.0)  # it saved nothing itself


def test_a_service_funded_by_an_agency_the_cost_file_does_not_list_is_an_error(book):
    base = _with_services(_synthetic(np.full(10, 10.0)), {"gym": ("army", 5.0)})
    with pytest.raises(ScenarioError, match="funded by \\['army'\\]"):
        compare_pair(base, base, book)


def test_spend_by_agency_adds_services_to_their_funders_and_keeps_crime_costs_apart(book):
    ds = _with_services(_synthetic(np.full(52, 500.0)), {"housing": ("local_authority", 100.0)})
    violence = np.array(OFFENCE_TYPES) == "violence"
    ds["offences"] = (("time", "offence_type"), np.where(violence[None, :], 20.0, 0.0) * np.ones((52, 1)))
    ds.attrs["scale"] = 0.5
    out = spend(ds, book)
    prison = next(a for a in book.activities if a.name == "prison_place_week")
    crime = next(a for a in book.activities if a.name == "cost_of_crime_violence")
    assert float(out.spend_by_agency.sel(agency="prisons").sum()) == pytest.approx(500 / 0.5 * prison.cost * 52)
    assert float(out.spend_by_agency.sel(agency="local_authority").sum()) == pytest.approx(100 / 0.5 * 52)
    assert float(out.spend_economic_social.sum()) == pytest.approx(20 / 0.5 * crime.cost * 52)
    assert float(out.spend_fiscal.sum() + out.spend_economic_social.sum()) == pytest.approx(
        float(out.spend.sum() + out.service_spend.sum()))
    assert "divided by its scale (0.5)" in out.attrs["units"]


def test_the_discount_rate_can_be_set_for_a_sensitivity(book):
    base, scen = _synthetic(np.full(156, 1000.0)), _synthetic(np.full(156, 990.0))
    out = compare([base], [scen], book, discount=0.10)
    yearly = out.net_fiscal_benefit.isel(replicate=0).sum("agency").values
    assert float(out.npv_fiscal.isel(replicate=0)) == pytest.approx(sum(v / 1.10 ** i for i, v in enumerate(yearly)))
    assert out.attrs["discount_rate"] == 0.10


def test_fewer_short_prison_sentences_save_prisons_and_cost_probation(book):
    quick = {"run.scale": 0.005, "run.horizon_years": 3, "run.warmup_years": 1}
    base = run(engine.load(BASELINE, quick))
    scen = run(engine.load(BASELINE, {**quick, "sentencing.short_custody_diversion.probability": 0.5}))
    out = compare_pair(base, scen, book)
    assert float(out.pv_savings_fiscal.sel(agency="prisons")) > 0
    assert float(out.pv_savings_fiscal.sel(agency="probation")) < 0
    by_activity = out.savings_by_activity.sum("year")
    assert float(by_activity.sel(activity="prison_place_week")) > 0
    assert float(by_activity.sel(activity="community_order_case_week")) < 0  # more orders to supervise


def _by_area(places: np.ndarray, areas: list[str], seed: int = 1) -> xr.Dataset:
    """A synthetic run whose prison places (time x area) are broken down by area."""
    ds = _synthetic(places.sum(axis=1), seed)
    pop = np.zeros((len(places), len(areas), ds.sizes["status"]))
    pop[:, :, list(ds["status"].values).index("custody_12m_to_4y")] = places
    return ds.assign(population=(("time", "area", "status"), pop)).assign_coords(area=areas)


def test_the_same_fall_is_less_cashable_spread_thin_than_concentrated(book):
    """A house block closes in one place: a fall of 1.5 blocks concentrated in one area releases a whole
    block there; spread over ten areas (0.15 of a block each) it releases none, though it is as large."""
    prison = next(a for a in book.activities if a.name == "prison_place_week")
    weeks, areas, fall = 104, [f"area_{k}" for k in range(10)], 1.5 * prison.step_size
    base = _by_area(np.full((weeks, 10), 1000.0), areas)
    concentrated, spread = np.full((weeks, 10), 1000.0), np.full((weeks, 10), 1000.0)
    concentrated[20:, 0] -= fall
    spread[20:, :] -= fall / 10
    cash = {name: compare_pair(base, _by_area(places, areas), book).sel(agency="prisons")
            for name, places in (("concentrated", concentrated), ("spread", spread))}
    for out in cash.values():  # the same fall in total, the same total saving
        assert float((out.savings_cashable + out.savings_non_cashable).sum()) == \
            pytest.approx(fall * prison.cost * (weeks - 20))
    semi = prison.step_size * prison.cost * prison.split["semi_fixed"] * (weeks - 20 - prison.step_weeks + 1)
    assert float(cash["concentrated"].savings_cashable.sum()) == \
        pytest.approx(float(cash["spread"].savings_cashable.sum()) + semi)
    # and a national run (no area dimension) of the concentrated fall counts the block like the area did
    national = compare_pair(_synthetic(np.full(weeks, 10000.0)),
                            _synthetic(np.r_[np.full(20, 10000.0), np.full(weeks - 20, 10000.0 - fall)]), book)
    assert float(national.sel(agency="prisons").savings_cashable.sum()) == \
        pytest.approx(float(cash["concentrated"].savings_cashable.sum()))


def _with_payments(rows: list[tuple[str, str, str, str, float]]) -> xr.Dataset:
    """A run's contract payments, each (paid on, payer, payee, purpose, amount), with three providers: a CRC,
    the public sector's own NPS and investors."""
    names = ["crc", "national_probation_service", "investors"]
    kinds = ["community_rehabilitation_company", "national_probation_service", ""]
    on, payer, payee, purpose, amount = (list(c) for c in zip(*rows))
    pays = xr.DataArray(np.array(amount, float), dims=("payment",), coords={
        "paid_on": ("payment", pd.to_datetime(on).values), "payer": ("payment", payer), "payee": ("payment", payee),
        "purpose": ("payment", purpose), "payment_contract": ("payment", ["c"] * len(rows)),
        "payment_price_year": ("payment", np.full(len(rows), 2012))})
    return xr.Dataset({"contract_payments": pays}, coords={"provider": names, "provider_kind": ("provider", kinds)})


def test_only_capital_earns_a_return_and_the_public_sectors_provider_is_not_outside_it(book):
    """A CRC paid fees with a deduction one year has no money multiple or IRR (a deduction is not capital);
    investors who put capital in have both; the NPS is not a party outside the public sector."""
    base = _with_payments([("2012-06-01", "probation", "crc", "fee", 0.0)])
    scen = _with_payments([("2012-06-01", "probation", "investors", "investment", -1e6),
                           ("2013-06-01", "probation", "investors", "results", 1.5e6),
                           ("2012-06-01", "probation", "crc", "fee", 5e6),
                           ("2013-06-01", "probation", "crc", "results", -2e5),
                           ("2014-06-01", "probation", "crc", "fee", 5e6)])
    out = contract_transfers(base, scen, book, np.array([2012, 2013, 2014]))
    assert list(out["transfers_outside"]["party"].values) == ["crc", "investors"]
    assert np.isnan(float(out["outside_multiple"].sel(party="crc"))) and np.isnan(float(out["outside_irr"].sel(party="crc")))
    assert float(out["outside_multiple"].sel(party="investors")) == pytest.approx(1.5)
    assert float(out["outside_irr"].sel(party="investors")) > 0
