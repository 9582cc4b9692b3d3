"""Batches: resumable, bit-identical whatever the workers or the cluster, failures isolated, and the
experiment file checked like a scenario."""
from __future__ import annotations

import shutil
import subprocess
import sys

import numpy as np
import pytest
import xarray as xr
from distributed import LocalCluster
from openpyxl import load_workbook

from jrsim.core.errors import ScenarioError
from jrsim.experiments import runner
from jrsim.experiments.batch import open_results, run_batch, tasks
from jrsim.experiments.experiment import load_experiment, resolve_experiment, shipped_experiments
from jrsim.experiments.paired import run_task
from jrsim.experiments.sensitivity import load_sensitivity
from jrsim.experiments.summary import MEASURES, MIN_RUNS_FOR_INTERVAL, summarise
from jrsim.reporting.workbook import BATCH_SHEETS, HEADER_ROW
from tests.batch_helpers import FAILING, failing_task
from tests.conftest import ROOT

EXPERIMENT = """name: tiny
counterfactual: baseline
scenarios: [radar, justice_reinvestment]
replicates: 2
draws: 2
seed: 11
set: {run.scale: 0.002, run.horizon_years: 1, run.warmup_years: 1}
uncertainty:
  services.radar_key_worker.effect: {distribution: normal, sd: 0.08}
  costs.activities.prison_place_week.cost: {distribution: uniform, low: 600, high: 800}
"""


@pytest.fixture(scope="module")
def experiment(tmp_path_factory):
    path = tmp_path_factory.mktemp("exp") / "tiny.yaml"
    path.write_text(EXPERIMENT)
    return load_experiment(path)


@pytest.fixture(scope="module")
def straight_store(experiment, tmp_path_factory):
    """The tiny experiment's store, run once with two workers (the tests compare other ways of running it)."""
    out = tmp_path_factory.mktemp("straight")
    result = run_batch(experiment, out, workers=2, show=False)
    assert result.complete and result.failed == 0
    return result.store


@pytest.fixture(scope="module")
def straight(straight_store):
    return xr.open_zarr(straight_store).load()


def _same(a: xr.Dataset, b: xr.Dataset) -> None:
    assert set(a.data_vars) == set(b.data_vars)
    for name in a.data_vars:
        assert np.array_equal(a[name].values, b[name].values, equal_nan=True), name


@pytest.mark.xdist_group("straight")  # the straight batch runs once: on one worker
def test_every_pair_is_stored_with_its_design(straight, experiment):
    assert straight.sizes["scenario"] == 2 and straight.sizes["draw"] == 2 and straight.sizes["replicate"] == 2
    assert bool(straight["done"].all())
    assert not np.isnan(straight["npv_fiscal"].values).any()
    assert straight["seed"].shape == (2, 2) and len(np.unique(straight["seed"].values)) == 4
    # a drawn effect differs between draws; both arms of a pair got the same draw (checked by the ledger's
    # zero difference for identical arms elsewhere); cost draws change present values, not runs
    assert straight["draw_value"].sel(parameter="services.radar_key_worker.effect").values.std() > 0


@pytest.mark.xdist_group("straight")  # the straight batch runs once: on one worker
def test_one_and_two_workers_give_identical_stores(straight, experiment, tmp_path):
    one = run_batch(experiment, tmp_path, workers=1, show=False)
    _same(xr.open_zarr(one.store).load(), straight)


@pytest.mark.xdist_group("straight")  # the straight batch runs once: on one worker
def test_an_interrupted_batch_resumes_to_the_same_store(straight, experiment, tmp_path):
    with pytest.raises(KeyboardInterrupt):
        run_batch(experiment, tmp_path, workers=1, show=False, stop_after=3)
    partial = xr.open_zarr(tmp_path / "tiny.zarr")
    kept = int(partial["done"].sum())
    assert 3 <= kept < 8  # finished runs are kept; the rest are not counted as done
    masked = open_results(tmp_path / "tiny.zarr")["npv_fiscal"].values
    assert np.isnan(masked).sum() == 8 - kept  # runs not done read as missing, never as zeros
    resumed = run_batch(experiment, tmp_path, workers=1, show=False)
    assert resumed.complete
    _same(xr.open_zarr(resumed.store).load(), straight)


@pytest.mark.xdist_group("straight")  # the straight batch runs once: on one worker
def test_the_same_batch_on_a_dask_cluster_equals_the_local_result(straight, experiment, tmp_path):
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        remote = run_batch(experiment, tmp_path, scheduler=cluster.scheduler_address, show=False)
    _same(xr.open_zarr(remote.store).load(), straight)


def test_a_failing_run_is_logged_and_the_rest_complete(experiment, tmp_path):
    result = run_batch(experiment, tmp_path, workers=1, show=False, task_fn=failing_task)
    assert result.failed == 1 and result.stored == result.total - 1
    log = result.log.read_text()
    assert "scenario=justice_reinvestment draw=0 replicate=0" in log and "a deliberate failure" in log
    assert "Traceback" in log
    done = xr.open_zarr(result.store)["done"].values
    assert not done[FAILING] and done.sum() == result.total - 1
    retried = run_batch(experiment, tmp_path, workers=1, show=False)  # the same command retries it
    assert retried.complete and retried.failed == 0


@pytest.mark.xdist_group("straight")  # the straight batch runs once: on one worker
def test_a_store_of_another_experiment_is_never_mixed_or_replaced(straight_store, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    changed = other / "tiny.yaml"
    changed.write_text(EXPERIMENT.replace("seed: 11", "seed: 12"))
    shutil.copytree(straight_store, other / "tiny.zarr")
    with pytest.raises(ScenarioError, match="holds results of a different experiment"):
        run_batch(load_experiment(changed), other, workers=1, show=False)


@pytest.mark.xdist_group("straight")  # the straight batch runs once: on one worker
def test_summaries_give_the_chance_of_a_net_benefit_and_hide_thin_intervals(straight):
    summary = summarise(straight)
    assert summary.sizes["scenario"] == 2 and int(summary["runs"].max()) == 4 < MIN_RUNS_FOR_INTERVAL
    p = summary["p_net_benefit_positive"]
    assert ((p >= 0) & (p <= 1)).where(p.notnull(), True).all()
    # an agency with nothing at stake in any run (victims and society: no fiscal benefit) has no chance
    assert np.isnan(p.sel(agency="victims_and_society")).all() and p.sel(agency="prisons").notnull().all()
    assert np.isnan(summary["npv_fiscal_p05"].values).all()  # 4 runs: no interval
    se = summary["p_total_positive_se"].values
    assert np.all(se == np.sqrt(summary["p_total_positive"] * (1 - summary["p_total_positive"]) / 4))


@pytest.mark.xdist_group("straight")  # the straight batch runs once: on one worker
def test_summaries_give_intervals_from_enough_runs(straight):
    many = xr.concat([straight] * 5, dim="draw").assign_coords(draw=np.arange(10))  # 20 runs a scenario
    summary = summarise(many)
    assert int(summary["runs"].max()) == MIN_RUNS_FOR_INTERVAL and not np.isnan(summary["npv_fiscal_p05"].values).any()
    assert (summary["npv_fiscal_p05"] <= summary["npv_fiscal_mean"]).all()


BAD = [
    ("unknown-parameter", {"uncertainty": {"services.radar_key_worker.efect": {"distribution": "normal", "sd": 0.1}}},
     "unknown parameter (did you mean 'services.radar_key_worker.effect'?)"),
    ("low-above-high", {"uncertainty": {"courts.crown_share": {"distribution": "uniform", "low": 0.3, "high": 0.1}}},
     "low (0.3) must be below high (0.1)"),
    ("negative-spread", {"uncertainty": {"courts.crown_share": {"distribution": "normal", "sd": -0.1}}},
     "a spread must be positive"),
    ("probability-outside", {"uncertainty": {"courts.crown_share": {"distribution": "uniform", "low": 0.5, "high": 1.5}}},
     "would leave the range of 'courts.crown_share', [0, 1]"),
    ("unknown-distribution", {"uncertainty": {"courts.crown_share": {"distribution": "gamma", "sd": 1}}},
     "unknown 'gamma'"),
    ("unknown-cost", {"uncertainty": {"costs.activities.gaol.cost": {"distribution": "uniform", "low": 1, "high": 2}}},
     "a cost key is"),
    ("draws-without-uncertainty", {"uncertainty": {}, "draws": 3}, "more than one draw needs 'uncertainty:'"),
    ("unknown-scenario", {"scenarios": ["radr"]}, "no scenario 'radr'"),
    ("unknown-top-key", {"replicate": 3}, "unknown key (did you mean 'replicates'?)"),
    ("bad-set", {"set": {"run.scale": 0}}, "'run.scale': must be at least"),
    ("text-flag", {"weekly": "yes"}, "expected true or false"),
    ("start-only-drawn", {"uncertainty": {"run.scale": {"distribution": "uniform", "low": 0.01, "high": 0.02}}},
     "only numbers that may change during a run can be drawn"),
]


@pytest.mark.parametrize("change, phrase", [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_experiment_files_are_refused_in_one_line(tmp_path, change, phrase):
    import yaml

    doc = yaml.safe_load(EXPERIMENT)
    doc.update(change)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(ScenarioError) as err:
        load_experiment(path)
    assert phrase in str(err.value) and "\n" not in str(err.value) and str(path) in str(err.value), str(err.value)


def test_an_unreachable_scheduler_is_one_line(experiment, tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "CONNECT_SECONDS", 1)  # the same refusal, without the 10 s wait
    with pytest.raises(ScenarioError, match="--scheduler tcp://127.0.0.1:9: cannot reach a Dask scheduler"):
        run_batch(experiment, tmp_path, scheduler="tcp://127.0.0.1:9", show=False)


def test_weekly_series_are_kept_on_request(tmp_path):
    path = tmp_path / "weekly.yaml"
    path.write_text(EXPERIMENT.replace("replicates: 2", "replicates: 1\nweekly: true").replace("draws: 2", "draws: 1")
                    .split("uncertainty:")[0])
    out = run_task(tasks(load_experiment(path))[0])
    assert {"weekly_spend_baseline", "weekly_spend_scenario"} <= set(out.data_vars)
    assert out["weekly_spend_scenario"].sizes["time"] == 52 and "agency" in out["weekly_spend_scenario"].dims


@pytest.mark.parametrize("name", shipped_experiments())
def test_the_shipped_experiments_load(name):
    exp = load_experiment(resolve_experiment(name))
    assert exp.scenarios and exp.replicates >= 1
    if exp.sensitivity:
        s = load_sensitivity(exp)
        assert s.method in ("morris", "sobol") and len(s.names) >= 2
    else:
        assert exp.draws > 1 and exp.uncertainty  # the library batch carries uncertainty
        assert exp.draw_table().shape == (exp.draws, len(exp.uncertainty))


@pytest.mark.xdist_group("straight")  # the straight batch runs once: on one worker
def test_the_batch_command_writes_the_store_and_a_summary_set(experiment, straight_store, tmp_path):
    """On the straight store (the command's own runs are the other batch tests' and test_units'): the
    command finds every run stored, runs none, and writes the summary set."""
    shutil.copytree(straight_store, tmp_path / "tiny.zarr")
    res = subprocess.run([sys.executable, "-m", "jrsim", "batch", str(experiment.path), "--workers", "1", "--out",
                          str(tmp_path)], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert res.returncode == 0, res.stderr
    assert "store:" in res.stdout and "(8 of 8 runs)" in res.stdout and "P(NPV > 0)" in res.stdout
    assert (tmp_path / "tiny_summary.manifest.json").exists()
    book = load_workbook(tmp_path / "tiny_summary.xlsx")
    assert book.sheetnames == list(BATCH_SHEETS)
    header = [c.value for c in book["by_agency"][HEADER_ROW]]
    assert "runs" in header and all(any(h.startswith(f"{m} mean") for h in header) for m in MEASURES.values())
    page = (tmp_path / "tiny_summary.html").read_text()
    assert "Chance of a net benefit" in page and "Wilson" in page and "of 4 runs" in page and "Demand change" in page
    named = "areas: all of England and Wales"  # the tiny experiment is national: every page says so
    assert named in page and named in str(book["by_agency"].cell(row=2, column=1).value) + \
        str(book["by_agency"].cell(row=1, column=1).value)


def test_one_worker_runs_in_this_process_and_reports_errors_as_a_worker_would():
    handed, errors = [], []

    def halve(x):
        if x == 3:
            raise ValueError("three is refused")
        return x / 2

    with runner.dask_client(workers=1) as client:
        assert isinstance(client, runner.InProcess)
        runner.map_tasks(client, halve, [1, 2, 3, 4], lambda t, r: handed.append((t, r)), lambda t, e: errors.append((t, e)),
                  show=False)
    assert handed == [(1, 0.5), (2, 1.0), (4, 2.0)]
    assert [t for t, _ in errors] == [3] and runner.error_line(errors[0][1]) == "ValueError: three is refused"
    with runner.dask_client(workers=2, tasks=1) as client:  # one task: one worker is all there is to use
        assert isinstance(client, runner.InProcess)
