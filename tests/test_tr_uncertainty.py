"""Transforming Rehabilitation with uncertainty (issue 23): a batch's chance of a net benefit by agency and
spread of each CRC's results payments, the draws that reach a scenario's providers and contracts (names
only its policy sets, and patterns that move many names together), and a screening whose output is the
total paid to the CRCs on their results."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import xarray as xr
from openpyxl import load_workbook

from jrsim.core.errors import ScenarioError
from jrsim.data import CALIBRATION, EXPERIMENTS, shipped
from jrsim.experiments.batch import open_results, outside_payees, tasks
from jrsim.experiments.carried import in_force, latest
from jrsim.experiments.experiment import load_experiment
from jrsim.experiments.sensitivity import load_sensitivity, run_sensitivity
from jrsim.experiments.summary import chance_interval_text, summarise
from jrsim.reporting.docs_figures import tr_batch_tables
from jrsim.reporting.workbook import FIRST_DATA_ROW, HEADER_ROW

CRCS = 21  # Transforming Rehabilitation's contract package areas, one CRC each
RESPONSIVENESS = "providers.crc_*.responsiveness"
SCREENING = shipped(EXPERIMENTS) / "transforming_rehabilitation_screening.yaml"
# The batch: two draws of the effect of effort, the CRCs' responsiveness and a calibration set, one pair each,
# at the smallest scale whose CRC cohorts are measured and paid (0.2%, one warm-up year; the contracts need
# the eight output years to 2018)
BATCH = f"""name: tr_uncertainty
counterfactual: transforming_rehabilitation_baseline
scenarios: [transforming_rehabilitation]
draws: 2
seed: 5
set: {{run.scale: 0.002, run.warmup_years: 1}}
uncertainty:
  provision.contact_effect: {{distribution: normal}}
  provision.dropout_effect: {{distribution: normal}}
  provision.referral_elasticity: {{distribution: normal}}
  {RESPONSIVENESS}: {{distribution: uniform, low: 0, high: 1}}
calibration: {shipped(CALIBRATION) / 'baseline_accepted.nc'}
"""
# The tests of the batch go to one worker: it runs once.
BATCH_GROUP = pytest.mark.xdist_group("tr_batch")


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("tr_batch")
    path = tmp / "tr_uncertainty.yaml"
    path.write_text(BATCH)
    done = subprocess.run([sys.executable, "-m", "jrsim", "batch", str(path), "--workers", "1", "--out", str(tmp)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return load_experiment(path), open_results(tmp / "tr_uncertainty.zarr"), tmp


@BATCH_GROUP
def test_the_batch_summarises_each_crcs_results_payments_and_each_agencys_chance(batch):
    exp, results, tmp = batch
    crcs = [p for p in latest_providers(exp) if p.startswith("crc_")]
    assert len(crcs) == CRCS and list(results["payee"].values) == crcs  # the CRCs, not the public NPS
    per_run = results["results_paid"].sel(scenario="transforming_rehabilitation").sum("year").stack(
        run=("draw", "replicate")).transpose("payee", "run").values
    assert np.count_nonzero(per_run) > CRCS // 2  # most CRCs were paid (or had deductions) in some run
    summary = summarise(results).sel(scenario="transforming_rehabilitation")
    assert np.allclose(summary["results_paid_mean"].values, per_run.mean(axis=1))
    assert np.allclose(summary["results_paid_p50"].values, np.median(per_run, axis=1))
    assert summary["results_paid_p05"].isnull().all()  # two runs: no 90% interval
    net = results["pv_net_fiscal_benefit"].sel(scenario="transforming_rehabilitation").stack(run=("draw", "replicate"))
    at_stake = (net != 0).any("run")
    expected = ((net > 0).mean("run")).where(at_stake)
    assert at_stake.sum() >= 3  # probation, prisons, courts at least
    assert np.allclose(summary["p_net_benefit_positive"].values, expected.transpose(*summary["agency"].dims).values,
                       equal_nan=True)
    # the workbook's sheet and the page, with each CRC's label
    sheet = load_workbook(tmp / "tr_uncertainty_summary.xlsx")["results_paid"]
    header = [c.value for c in sheet[HEADER_ROW]]
    rows = list(sheet.iter_rows(min_row=FIRST_DATA_ROW, max_row=FIRST_DATA_ROW + CRCS - 1, values_only=True))
    assert [r[header.index("key")] for r in rows] == crcs
    unit = 1e6 if "£m" in header[header.index("runs") + 1] else 1e3
    mean = [r[header.index("runs") + 1] for r in rows]
    assert np.allclose(np.array(mean, float) * unit, per_run.mean(axis=1), rtol=1e-9, atol=1.0)
    page = (tmp / "tr_uncertainty_summary.html").read_text()
    assert "Results payments" in page and "community rehabilitation company: london" in page


def latest_providers(exp) -> list[str]:
    return list(dict.fromkeys(k.split(".")[1] for k, _, _ in in_force(exp.scenarios["transforming_rehabilitation"],
                                                                      r"providers\.[^.]+\.kind")))


@BATCH_GROUP
def test_a_pattern_draw_reaches_every_crc_at_its_policy_date_and_nothing_else(batch):
    exp = batch[0]
    (first, second) = [t for t in tasks(exp)]
    drawn = [float(v) for v in batch[1]["draw_value"].sel(parameter=RESPONSIVENESS).values]
    assert drawn[0] != drawn[1]
    for task, value in zip((first, second), drawn):
        changes = [c for c in task.scenario.changes if c.key.endswith(".responsiveness")]
        crc = [c for c in changes if c.key.startswith("providers.crc_")]
        assert len(crc) == CRCS and all(np.isclose(c.value, value) for c in crc)
        assert all(str(c.when) == "2014-06-01" for c in crc)  # still from the CRCs' start, not the run's
        assert latest(task.scenario, "providers.national_probation_service.responsiveness") == 0.0
        assert not any(k.startswith("providers.") for k in task.counterfactual.values)  # the status quo: none


def test_a_pattern_that_matches_nothing_is_one_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(BATCH.replace(RESPONSIVENESS, "providers.crc_*.responsivness"))
    with pytest.raises(ScenarioError, match=r"'uncertainty\.providers\.crc_\*\.responsivness': no parameter matches"):
        load_experiment(path)


# The screening's output through the model's sample, runner, store and analysis, with a known function of
# the drawn values in place of the runs: each CRC is paid its responsiveness times its number (1, 2 ...)
# in 2016, and its results price over 1000 in 2017; the effects of effort change nothing.
def payments_task(task):
    exp_payees = [k.split(".")[1] for k, _, _ in in_force(task.scenario, r"providers\.crc_[^.]+\.kind")]
    years = np.array([2016, 2017])
    paid = np.zeros((len(years), len(exp_payees)))
    for i, payee in enumerate(exp_payees):
        paid[0, i] = (i + 1) * latest(task.scenario, f"providers.{payee}.responsiveness")
        paid[1, i] = latest(task.scenario, f"contracts.{payee}_results.price") / 1000
    return xr.Dataset({"results_paid": (("year", "payee"), paid)}, coords={"year": years, "payee": exp_payees})


def test_the_screening_ranks_what_the_total_results_payment_hangs_on(tmp_path):
    screening = load_experiment(SCREENING)
    shipped_screening = load_sensitivity(screening)
    assert shipped_screening.variable == "results_paid" and shipped_screening.select == {}
    assert RESPONSIVENESS in shipped_screening.names
    screening.sensitivity = {**screening.sensitivity, "output": "results_paid[payee=crc_londn]"}
    with pytest.raises(ScenarioError, match=r"'sensitivity\.output'.*crc_londn.*crc_london"):
        load_sensitivity(screening)  # a payee the contracts do not pay, with the one meant
    path = tmp_path / "screening.yaml"  # two trajectories over three of its parameters: the same path, cheaper
    path.write_text("name: screening\ncounterfactual: transforming_rehabilitation_baseline\n"
                    "scenarios: [transforming_rehabilitation]\nseed: 5\nsensitivity:\n  method: morris\n  samples: 2\n"
                    "  output: results_paid\n  parameters:\n    provision.contact_effect: [0.004, 0.396]\n"
                    f"    {RESPONSIVENESS}: [0, 1]\n    contracts.crc_*_results.price: [750, 2250]\n")
    exp = load_experiment(path)
    assert len(outside_payees(exp)) == CRCS
    si, _ = run_sensitivity(exp, tmp_path / "out", workers=1, show=False, task_fn=payments_task)
    mu = dict(zip(si["parameter"].values, si["mu_star"].values))
    # an elementary effect is per range moved: responsiveness over [0, 1] moves the total by 1 + 2 + ... + 21,
    # the price over [750, 2250] by 21 x 1.5 (one name moved alone would give a 21st or less)
    assert mu[RESPONSIVENESS] == pytest.approx(CRCS * (CRCS + 1) / 2)
    assert mu["contracts.crc_*_results.price"] == pytest.approx(CRCS * 1.5)
    assert mu["provision.contact_effect"] == 0


@BATCH_GROUP
def test_the_tr_batch_figure_gives_each_agencys_chance_and_each_crcs_spread_of_results(batch):
    """The docs figure of the TR batch (make docs-figures ONLY=tr_batch) reads the store the batch wrote: a
    row per agency with the summary's chance of a positive net fiscal benefit before and after the contracts'
    payments, a row per CRC with its mean results payment, after the command's own output."""
    _, results, tmp = batch
    s = summarise(results).sel(scenario="transforming_rehabilitation")
    figure = tr_batch_tables(tmp, 0.0, "THE COMMAND'S OUTPUT")
    assert figure.startswith("THE COMMAND'S OUTPUT\n\n")
    rows = {line.split(" | ")[0].strip("| "): line for line in figure.splitlines() if line.startswith("| ")}
    for agency in s["agency"].values:
        cells = rows[str(agency)].split(" | ")
        for cell, chance in ((2, "p_net_benefit_positive"), (4, "p_after_transfers_positive")):
            text = chance_interval_text(float(s[chance].sel(agency=agency)), int(s["runs"]))
            assert cells[cell].strip(" |") == (text or "nothing at stake")
    # probation pays the CRCs: its benefit after the payments is its benefit before them less what it paid
    paid = s["pv_net_fiscal_benefit_mean"] - s["pv_net_fiscal_benefit_after_transfers_mean"]
    assert float(paid.sel(agency="probation")) > 0
    for crc in s["payee"].values:
        assert rows[str(crc)].split(" | ")[1] == f"{float(s['results_paid_mean'].sel(payee=crc)) / 1e6:.1f}"
