"""The numbers a finance officer reads: ratios only for a material investment, payback as a year (and the
share of runs paid back by each year), budget years from 1 April, and `jrsim run`'s published figures."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from jrsim import engine
from jrsim.calibration.targets import load_targets
from jrsim.core.clock import Calendar
from jrsim.economics.appraisal import PAYBACK_SHARE, paid_back_by_year, payback_across_runs
from jrsim.economics.costs import load_costs
from jrsim.economics.ledger import combine, compare_pair
from jrsim.economics.years import CALENDAR, FINANCIAL, budget_year, output_years, year_label
from jrsim.outputs.measures import MEASURES
from jrsim.reporting.summary import agency_summary, totals
from jrsim.reporting.tables import comparison_table, is_national, is_ratio
from tests.conftest import BASELINE, ROOT
from tests.test_ledger import _synthetic, _with_services

WEEKS = 104
HOUSING = 3000.0  # £ a week the council spends: about £300,000 over two years, above the threshold
TRICKLE = 1.0  # £ a week the NHS spends: a knock-on, far below it


@pytest.fixture(scope="module")
def book():
    return load_costs()


def _pair(book, trickle: float = TRICKLE, seed: int = 1, delay: int = 0):
    """Prisons hold 10 fewer people from week ``delay`` on; the council and the NHS pay for services."""
    places = np.r_[np.full(delay, 1000.0), np.full(WEEKS - delay, 990.0)]
    base = _with_services(_synthetic(np.full(WEEKS, 1000.0), seed), {"housing": ("local_authority", 0.0),
                                                                     "treatment": ("nhs", 0.0)})
    scen = _with_services(_synthetic(places, seed), {"housing": ("local_authority", HOUSING),
                                                     "treatment": ("nhs", trickle)})
    return base, scen


def test_the_cost_file_states_the_threshold_and_the_years(book):
    assert book.ratio_min_investment > 0 and book.budget_year == FINANCIAL
    raw = book.raw["ratio_min_investment"]
    assert raw["unit"] == "GBP" and raw["assumption"]


def test_a_tiny_investment_gets_no_ratio_and_a_material_one_gets_pv_net_over_pv_inv(book):
    out = compare_pair(*_pair(book), book)
    nhs, council = out.sel(agency="nhs"), out.sel(agency="local_authority")
    assert 0 < float(nhs.pv_investment) < book.ratio_min_investment <= float(council.pv_investment)
    assert np.isnan(float(nhs.roi)) and np.isnan(float(nhs.payback_year))
    assert float(council.roi) == pytest.approx(float(council.pv_net_fiscal_benefit / council.pv_investment))
    assert np.isfinite(float(out.roi_total))
    # the threshold is what decides: without one the knock-on's ratio is huge, as it was before
    every = compare_pair(*_pair(book), replace(book, ratio_min_investment=0.0), book.discount_rate)
    assert np.isfinite(float(every.roi.sel(agency="nhs")))
    # an agency that invested nothing never has a ratio, whatever the threshold
    assert np.isnan(float(every.roi.sel(agency="prisons"))) and np.isnan(float(every.payback_year.sel(agency="prisons")))


def test_a_total_investment_under_the_threshold_has_no_total_ratio(book):
    high = replace(book, ratio_min_investment=1e8)
    out = compare_pair(*_pair(book), high, book.discount_rate)
    assert np.isnan(float(out.roi_total)) and np.isnan(float(out.payback_year_total))
    assert np.isnan(out.roi.values).all()


def test_the_share_paid_back_by_year_on_a_constructed_dataset():
    years = np.arange(2010, 2016)
    payback = xr.DataArray([[2012.0, np.nan], [2013.0, np.nan], [np.nan, np.nan], [2012.0, 2015.0]],
                           dims=("replicate", "agency"), coords={"agency": ["a", "b"]})
    share = paid_back_by_year(payback, years)
    assert list(share.sel(agency="a").values) == [0, 0, 0.5, 0.75, 0.75, 0.75]
    assert list(share.sel(agency="b").values) == [0, 0, 0, 0, 0, 0.25]
    across = payback_across_runs(share)
    assert float(across.sel(agency="a")) == 2012  # half the runs had paid back by 2012: not a mean of 2012.33
    assert np.isnan(float(across.sel(agency="b")))  # a quarter never reaches PAYBACK_SHARE
    assert PAYBACK_SHARE == 0.5


def test_payback_across_runs_is_a_whole_year_and_the_share_is_monotone(book):
    delays = (5, 20, 45, 50)  # the fall in prisoners comes later in each run: paid back in 2010-11, 2011-12, 2012-13
    pairs = [compare_pair(*_prisons_invest(book, delay, seed), book) for seed, delay in enumerate(delays, 1)]
    cmp = combine(pairs, list(range(1, len(delays) + 1)), book, book.discount_rate, "base", "scen")
    runs = cmp.payback_year.sel(agency="prisons").values
    assert np.all(runs[np.isfinite(runs)] % 1 == 0) and len(set(runs[np.isfinite(runs)])) > 1
    share = cmp.paid_back_by_year.sel(agency="prisons").values
    assert np.all(np.diff(share) >= 0) and 0 <= share.min() and share.max() <= 1
    expected = [np.mean(np.nan_to_num(runs, nan=np.inf) <= y) for y in cmp.year.values]
    assert np.allclose(share, expected)
    row = next(r for r in agency_summary(cmp) if r["agency"] == "prisons")
    assert list(runs) == [2010, 2011, 2012, 2012]
    assert row["payback_year"] == 2011  # by 2011-12 half the runs had paid back; the mean would be 2011.25
    assert row["payback_year"] == cmp.year.values[np.argmax(share >= PAYBACK_SHARE)]
    assert cmp.attrs["ratio_min_investment"] == book.ratio_min_investment


def _prisons_invest(book, delay: int, seed: int):
    """Prisons pay for a programme from the start; their prisoners fall by 10 from week ``delay``."""
    places = np.r_[np.full(delay, 1000.0), np.full(WEEKS - delay, 990.0)]
    base = _with_services(_synthetic(np.full(WEEKS, 1000.0), seed), {"programme": ("prisons", 0.0)})
    scen = _with_services(_synthetic(places, seed), {"programme": ("prisons", HOUSING)})
    return base, scen


def test_the_summary_and_the_table_say_n_a_below_the_threshold(book):
    cmp = combine([compare_pair(*_pair(book), book)], [1], book, book.discount_rate, "base", "scen")
    rows = {r["agency"]: r for r in agency_summary(cmp)}
    assert not rows["nhs"]["material"] and np.isnan(rows["nhs"]["roi"]) and np.isnan(rows["nhs"]["payback_year"])
    council = rows["local_authority"]
    assert council["material"] and council["roi"] == pytest.approx(council["net_fiscal"] / council["investment"])
    table = comparison_table(cmp, list(rows.values()), totals(cmp))
    roi = table.columns[[c.header for c in table.columns].index("ROI")]
    cells = dict(zip(table.columns[0]._cells, roi._cells))
    assert cells["nhs"] == "n/a" and cells["local_authority"] == f"{council['roi']:.2f}"
    assert "ratio_min_investment" in table.caption and "n/a" in table.caption


@pytest.mark.parametrize("day, year", [("2015-04-01", 2015), ("2015-03-25", 2014), ("2015-03-26", 2015),
                                       ("2015-03-19", 2014), ("2015-01-01", 2014), ("2014-12-31", 2014)])
def test_a_week_is_in_the_financial_year_that_holds_its_last_day(day, year):
    assert int(budget_year(xr.DataArray(pd.to_datetime([day]), dims="time"), FINANCIAL)[0]) == year


@pytest.mark.parametrize("kind, month", [(FINANCIAL, 4), (CALENDAR, 1)])
def test_money_dated_on_the_first_day_of_a_year_falls_in_that_year(kind, month):
    """Through the engine's calendar: whatever starts on a year's first day starts in the week that holds
    it (Calendar.week_of), and that week is the year's first, for every year of a long run."""
    cal = Calendar.of_years(2011, 1, 30)
    stamps = xr.DataArray(cal.dates(), dims="time")
    years = budget_year(stamps, kind).values
    assert np.all(np.diff(years) >= 0) and set(np.diff(years)) <= {0, 1}
    for y in range(2012, 2041):
        week = cal.output_index(cal.week_of(date(y, month, 1)))
        assert years[week] == y and years[week - 1] == y - 1, (kind, y)
    whole = np.unique(years, return_counts=True)[1][1:-1]
    assert set(whole) <= {52, 53}


def test_an_investment_from_1_january_is_in_that_calendar_year(book):
    weeks = 104
    start = Calendar.of_years(2011, 0, 2).output_index(Calendar.of_years(2011, 0, 2).week_of(date(2012, 1, 1)))
    base = _with_services(_synthetic(np.full(weeks, 1000.0)), {"housing": ("local_authority", 0.0)})
    scen = _with_services(_synthetic(np.full(weeks, 1000.0)), {"housing": ("local_authority", 0.0)})
    spend = scen["service_spend"].values.copy()
    spend[start:] = HOUSING
    scen["service_spend"].values[:] = spend
    out = compare_pair(base, scen, replace(book, budget_year=CALENDAR), book.discount_rate)
    invested = out.investment.sel(agency="local_authority")
    assert float(invested.sel(year=2011)) == 0.0 and float(invested.sel(year=2012)) == HOUSING * (weeks - start)
    assert out.year.attrs["budget_year"] == CALENDAR
    fy = compare_pair(base, scen, book).investment.sel(agency="local_authority")
    assert list(fy.year.values) == [2010, 2011, 2012] and float(fy.sel(year=2011)) > 0  # Jan-Mar 2012 is 2011-12


def test_the_engine_s_policy_from_1_april_is_invested_from_that_financial_year(tmp_path, book):
    path = tmp_path / "policy.yaml"
    path.write_text(f"name: policy\nbase: {BASELINE}\nstarts: 2012-04-01\nset:\n"
                    f"  services.radar_key_worker.capacity: 20000\n")
    quick = {"run.scale": 0.005, "run.horizon_years": 2, "run.warmup_years": 1}
    cf, sc = engine.run_pair(engine.load(BASELINE, quick), engine.load(path, quick), seed=3)
    invested = compare_pair(cf, sc, book).investment.sum("agency")
    assert float(invested.sel(year=2011)) == 0.0 and float(invested.sel(year=2012)) > 0.0


def test_year_labels():
    assert year_label(2014) == "2014-15" and year_label(1999) == "1999-00" and year_label(2014, CALENDAR) == "2014"


def test_a_national_run_is_national_up_to_rounding():
    assert is_national(0.9999999999999998) and is_national(1.0) and not is_national(0.02)


def test_shares_and_rates_are_ratios_by_name_as_their_targets_say():
    targets = {t.measure: t for t in load_targets().targets}
    for name, t in targets.items():
        assert is_ratio(name) == (t.kind == "rate"), name
    assert all(is_ratio(name) for name in MEASURES if "share" in name)
    assert not is_ratio("prison_population") and not is_ratio("custodial_sentences_per_year")


def test_jrsim_run_shows_the_published_figures_and_shares_as_shares(tmp_path):
    env = {**os.environ, "COLUMNS": "200"}
    res = subprocess.run([sys.executable, "-m", "jrsim", "run", "--scale", "0.005", "--years", "1",
                          "--out", str(tmp_path)], capture_output=True, text=True, cwd=ROOT, env=env)
    assert res.returncode == 0, res.stderr
    rows = {cells[1]: cells[2:] for cells in (  # label, key, model, published, ...: by the key
        [c.strip() for c in line.strip("│ ").split("│")] for line in res.stdout.splitlines() if line.startswith("│"))}
    published = [r[1] for r in rows.values() if len(r) >= 2]
    assert sum(1 for p in published if p) >= len(load_targets().targets) // 2, res.stdout  # national: shown
    shares = {name: r[0] for name, r in rows.items() if "share" in name}
    assert shares, res.stdout
    for name, value in shares.items():
        assert re.fullmatch(r"\d\.\d{3}", value) and 0 <= float(value) <= 1, (name, value)
    assert len({v for v in shares.values()}) > 2  # not all rounded to 0 and 1


@pytest.mark.parametrize("kind", ["financial", "calendar"])
def test_the_output_years_are_the_years_a_runs_weeks_fall_in(small_run, small_params, kind):
    """A sensitivity output may name any year the ledger reports, the financial year's January stub too."""
    held = sorted(set(budget_year(small_run["time"], kind).values.tolist()))
    assert held == output_years(small_params["run.start_year"], small_params["run.horizon_years"], kind)
