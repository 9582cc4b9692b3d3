"""Proven-reoffending cohorts by quarter and provider risk band (reoffending.band_cuts): they add up to
the yearly cohorts, the seam's band filter, the bands' order, and a bad cut refused at load."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from jrsim import engine
from jrsim.cli import app
from jrsim.core.bands import PROVIDER_BAND, band_of, cuts_of
from jrsim.core.vocabulary import PROVIDER_BANDS
from jrsim.economics.costs import load_costs
from jrsim.experiments.paired import PairTask, compared, comparison_of
from jrsim.outputs.measures import ARMS
from tests.conftest import BASELINE, ROOT

# three output years: the first cohort's follow-up and proof window (78 weeks) close inside the run
TINY = {"run.scale": 0.005, "run.horizon_years": 3, "run.warmup_years": 1}
COUNTS = {"band_cohort_size": "cohort_size", "band_reoffenders": "reoffenders", "band_reoffences": "reoffences"}
ALL_BANDS = tuple(range(len(PROVIDER_BANDS)))
SCENARIOS = ROOT / "scenarios"
SEED = 7


@pytest.fixture(scope="module")
def banded():
    sim = engine.build(engine.load(BASELINE, {**TINY, "run.area_level": "contract_package_area"}))  # areas apart
    return sim, sim.run_all()


def by_year(ds, name):
    """A band variable summed over bands and over each cohort year's quarters."""
    years = ds["cohort_quarter"].dt.year.rename("cohort_year")
    return ds[name].sum(PROVIDER_BAND).groupby(years).sum()


def test_band_cohorts_add_up_to_the_yearly_cohorts_exactly(banded):
    _, ds = banded
    for banded_name, yearly_name in COUNTS.items():
        assert ds[banded_name].dims == ("cohort_quarter", "disposal", "area", PROVIDER_BAND)
        assert list(ds[PROVIDER_BAND].values) == list(PROVIDER_BANDS)
        summed = by_year(ds, banded_name).transpose(*ds[yearly_name].dims)
        assert np.array_equal(summed.values, ds[yearly_name].values), banded_name
        assert int(ds[yearly_name].sum()) > 0 and ds.sizes["area"] > 1


def test_the_seam_with_every_band_gives_the_yearly_counts(banded):
    sim, _ = banded
    cohorts = sim.modules["reoffending"]
    for year in range(cohorts.n_years):
        every, banded_all = cohorts.cohort_counts(year), cohorts.cohort_counts(year, ALL_BANDS)
        low_two, high_two = cohorts.cohort_counts(year, (0, 1)), cohorts.cohort_counts(year, (2, 3))
        for i in range(3):  # size, reoffenders, re-offences: whole numbers, so equal exactly
            assert np.array_equal(every[i], banded_all[i])
            assert np.array_equal(low_two[i] + high_two[i], every[i])
        # predicted risk: the yearly sum is counted apart from the banded one (by area alone), so this also
        # checks that members land in their own area's cells; equal to rounding
        assert every[3].shape[1] > 1 and np.allclose(every[3], banded_all[3])
        assert 0 < low_two[0].sum() < every[0].sum()


def test_members_of_a_higher_band_reoffend_more_often(banded):
    _, ds = banded
    first_year = ds["cohort_quarter"].dt.year == ds["cohort_year"].values[0]  # complete: its window closed
    size, reoffenders = (ds[v].sel(cohort_quarter=first_year).sum(("cohort_quarter", "disposal", "area"))
                         for v in ("band_cohort_size", "band_reoffenders"))
    seen = size.values >= 20  # bands with enough members for a rate (very high is rare in a tiny run)
    rates = (reoffenders / size).values[seen]
    assert seen[:3].all() and np.all(np.diff(rates) > 0), rates


def test_cohort_quarters_are_labelled_by_the_first_day_of_each_quarter(banded):
    _, ds = banded
    quarters = pd.DatetimeIndex(ds["cohort_quarter"].values)
    assert ds["cohort_quarter"].dtype == np.dtype("datetime64[ns]")
    assert len(quarters) == 4 * ds.sizes["cohort_year"]
    assert (quarters.day == 1).all() and list(quarters.month[:5]) == [1, 4, 7, 10, 1]
    assert quarters[0].year == ds["cohort_year"].values[0]
    for name in COUNTS:
        assert {"units", "kind", "long_name", "description"} <= set(ds[name].attrs)


def test_a_band_starts_at_its_cut():
    cuts = cuts_of({"medium": 0.5, "high": 0.75, "very_high": 0.9})
    risk = np.array([0.0, 0.49, 0.5, 0.74, 0.75, 0.9, 0.99], np.float32)
    assert list(band_of(risk, cuts)) == [0, 0, 1, 1, 2, 3, 3]


QUICK = ["--set", "run.scale=0.002", "--set", "run.horizon_years=1", "--set", "run.warmup_years=0"]
BAD_CUTS = [
    ("not-increasing", "{medium: 0.8, high: 0.75, very_high: 0.9}", "the cuts must increase strictly"),
    ("out-of-range", "{high: 1.5}", "high: must lie in [0, 1], got 1.5"),
    ("unknown-label", "{hihg: 0.8}", "not known: ['hihg'] (did you mean 'high'?)"),
]


def test_cuts_that_do_not_increase_are_refused_by_jrsim_run_in_one_line(tmp_path):
    _, value, phrase = BAD_CUTS[0]
    done = subprocess.run([sys.executable, "-m", "jrsim", "run", *QUICK, "--set", f"reoffending.band_cuts={value}",
                           "--out", str(tmp_path)], capture_output=True, text=True)
    message = done.stderr.strip()
    assert done.returncode == 2 and "\n" not in message and "Traceback" not in message, done.stderr
    assert "--set: 'reoffending.band_cuts'" in message and phrase in message, message
    assert not list(tmp_path.glob("*.nc"))


@pytest.mark.parametrize("value, phrase", [c[1:] for c in BAD_CUTS[1:]], ids=[c[0] for c in BAD_CUTS[1:]])
def test_each_kind_of_bad_band_cut_is_refused_in_one_line(tmp_path, value, phrase):
    """In process (the command's own code, without a new interpreter each: the subprocess test above
    shows the command's exit and stream)."""
    result = CliRunner().invoke(app, ["run", *QUICK, "--set", f"reoffending.band_cuts={value}", "--out", str(tmp_path)])
    message = " ".join((result.output + (result.stderr if result.stderr_bytes is not None else "")).split())
    assert result.exit_code == 2 and "Traceback" not in message, message
    assert "--set: 'reoffending.band_cuts'" in message and phrase in message, message
    assert not list(tmp_path.glob("*.nc"))


def test_a_comparison_carries_both_runs_cohorts_by_band_at_full_size():
    """What the report reads of creaming and parking: each arm's band cohorts, whether or not it has providers."""
    cf, policy = (engine.load(path, TINY) for path in (BASELINE, SCENARIOS / "radar.yaml"))
    book = load_costs()
    task = PairTask(0, cf, policy, SEED, compared, book, book.discount_rate)
    runs = dict(zip(ARMS, engine.run_pair(cf, policy, SEED)))
    cmp = comparison_of([compared(task, runs["baseline"], runs["scenario"])], [SEED], book, book.discount_rate,
                        cf.name, policy.name)
    for arm, run in runs.items():
        for name in COUNTS:
            carried = cmp[f"{name}_{arm}"].isel(replicate=0) * TINY["run.scale"]
            assert np.allclose(carried.transpose(*run[name].dims).values, run[name].values), (name, arm)
            assert cmp[f"{name}_{arm}"].attrs["units"].startswith(run[name].attrs["units"] + " (full size")
    assert not np.array_equal(cmp["band_reoffenders_baseline"].values, cmp["band_reoffenders_scenario"].values)
