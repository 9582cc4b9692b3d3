"""Refused before any work starts: every check the inputs allow is made before a worker is started, in one
line with exit code 2 and nothing written to --out; options (--years, --scale) act before the checks that
depend on them; an error that still happens in a worker is one line, its traceback in the log."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from jrsim import cli, engine
from jrsim.core.constants import MAX_SERVICES
from jrsim.core.errors import ScenarioError
from jrsim.economics.costs import load_costs
from jrsim.experiments import paired, runner
from jrsim.experiments.batch import LONG_BATCH_SECONDS
from jrsim.services.catalogue import service_names
from tests.conftest import ROOT, cost_file

SCENARIOS = ROOT / "scenarios"


def jrsim(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "jrsim", *args], capture_output=True, text=True, cwd=ROOT)


def assert_refused(res: subprocess.CompletedProcess, out: Path, *named: str) -> str:
    """Exit code 2, one line on stderr naming each of ``named``, no traceback, nothing in ``out``."""
    lines = res.stderr.strip().splitlines()
    assert res.returncode == 2, res.stderr
    assert len(lines) == 1, res.stderr
    assert "Traceback" not in res.stderr
    for word in named:
        assert word in lines[0], lines[0]
    assert not out.exists() or not any(out.iterdir()), sorted(out.iterdir())  # no worker ran, no set was begun
    return lines[0]


def derived(tmp_path: Path, name: str, base: Path, body: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"name: {name}\ndescription: a test\nbase: {base}\n{body}")
    return path


# ---------------------------------------------------------------- checks a pair task made, made first
def test_a_scenario_compared_with_another_base_is_refused_naming_its_own(tmp_path):
    out = tmp_path / "out"
    res = jrsim("compare", "baseline", "social_impact_bond", "--scale", "0.02", "--replicates", "1", "--workers", "1",
                "--out", str(out))
    assert_refused(res, out, "social_impact_bond", "its base is peterborough_baseline")


def test_a_cost_file_without_a_funder_of_the_runs_services_is_refused_first(tmp_path):
    def drop_dwp(doc):  # the baseline's debt and benefit advice is funded by the DWP
        del doc["agencies"]["dwp"]

    costs, out = cost_file(tmp_path, drop_dwp), tmp_path / "out"
    res = jrsim("compare", "baseline", "radar", "--scale", "0.005", "--years", "2", "--replicates", "1",
                "--workers", "1", "--costs", str(costs), "--out", str(out))
    assert_refused(res, out, "costs.yaml", "'agencies'", "dwp")


def test_a_contract_broken_by_a_later_policy_is_refused_first(tmp_path):
    """The cohorts' window lengthens on a date: from then the bond's payment lag is too short (the engine
    checked each date's contracts against the window at the start; the commissioners, in the run, saw it)."""
    scenario = derived(tmp_path, "sib_slow_proof", SCENARIOS / "social_impact_bond.yaml",
                       "set:\n  reoffending.proof_window: {values: {2013-01-01: 52}, unit: weeks, "
                       "assumption: \"a test\"}\n")
    out = tmp_path / "out"
    res = jrsim("compare", "peterborough_baseline", str(scenario), "--scale", "0.02", "--replicates", "1",
                "--workers", "1", "--out", str(out))
    assert_refused(res, out, "'contracts.sib.payment_lag'", "2011-2015")


def test_every_draw_of_a_batch_is_checked_before_any_worker_starts(tmp_path):
    """A draw that makes a service unable to refer anyone is refused with the draw named, not in a worker."""
    exp = tmp_path / "exp.yaml"
    exp.write_text("name: draws\ncounterfactual: baseline\nscenarios: [radar]\nreplicates: 1\ndraws: 8\nseed: 3\n"
                   "set: {run.scale: 0.005, run.horizon_years: 2, run.warmup_years: 1, "
                   "services.radar_key_worker.max_risk: 0.5}\n"
                   "uncertainty:\n  services.radar_key_worker.min_risk: {distribution: uniform, low: 0.1, high: 0.9}\n")
    out = tmp_path / "out"
    line = assert_refused(jrsim("batch", str(exp), "--workers", "1", "--out", str(out)), out,
                          "'services.radar_key_worker.min_risk'", "draw")
    assert "exp.yaml" in line


def test_every_evaluation_of_a_sensitivity_is_checked_before_any_worker_starts(tmp_path):
    from jrsim.experiments.experiment import load_experiment
    from jrsim.experiments.sensitivity import check_sensitivity

    exp = tmp_path / "sens.yaml"
    exp.write_text("name: sens\ncounterfactual: baseline\nscenarios: [radar]\nseed: 3\n"
                   "set: {run.scale: 0.005, run.horizon_years: 2, run.warmup_years: 1, "
                   "services.radar_key_worker.max_risk: 0.5}\n"
                   "sensitivity:\n  method: morris\n  samples: 2\n  output: npv_fiscal\n  parameters:\n"
                   "    services.radar_key_worker.min_risk: [0.1, 0.9]\n    services.radar_key_worker.effect: [0.3, 0.9]\n")
    with pytest.raises(ScenarioError, match=r"'services\.radar_key_worker\.min_risk' \(0\.63+\) is above its max_risk"):
        check_sensitivity(load_experiment(exp))


def test_check_pair_finds_a_price_year_the_cost_file_cannot_deflate(tmp_path):
    base = engine.load(SCENARIOS / "baseline.yaml", {"run.scale": 0.005, "run.horizon_years": 2})
    both = base.with_overrides({"services.radar_key_worker.price_year": 2019})  # the deflator ends in 2017
    book = load_costs(None)
    with pytest.raises(ScenarioError, match=r"services\.radar_key_worker\.price_year.*no deflator for price year 2019"):
        paired.check_pair(both, both, book)
    paired.check_pair(base, base, book)  # the shipped files pass


def test_more_services_than_a_run_can_hold_are_refused_at_load_in_one_line(tmp_path):
    """The services' maximum (the width of the service_member column) is checked once, beside the
    services' declarations, when the scenario is loaded: one line naming the file, before any run is built."""
    base = engine.load(SCENARIOS / "baseline.yaml")
    radar = {k.rsplit(".", 1)[1]: leaf for k, leaf in base.meta.items() if k.startswith("services.radar_key_worker.")}
    extra = MAX_SERVICES + 1 - len(service_names(base.values))
    leaves = {f"services.copy_{i}.{field}": leaf for i in range(extra) for field, leaf in radar.items()}
    scenario = derived(tmp_path, "many_services", SCENARIOS / "baseline.yaml",
                       yaml.safe_dump({"starts": "run", "set": leaves}))
    out = tmp_path / "out"
    assert_refused(jrsim("run", str(scenario), "--scale", "0.005", "--years", "1", "--out", str(out)), out,
                   "many_services.yaml", "'services'", f"at most {MAX_SERVICES} services in one scenario, got "
                   f"{MAX_SERVICES + 1}")


# ---------------------------------------------------------------- options before the checks
def test_years_act_before_the_contracts_are_checked(tmp_path):
    """A file whose own window is too short for its contract runs with --years long enough; a window
    too short after --years is refused, naming the window the run would have."""
    short = derived(tmp_path, "sib_three_years", SCENARIOS / "social_impact_bond.yaml",
                    "set:\n  run.horizon_years: {value: 3, unit: years, assumption: \"a test\"}\n")
    with pytest.raises(ScenarioError, match="this run's output years: 2011-2013 .*run.horizon_years 3 from sib_three"):
        engine.load(short)
    params = cli.load_scenario(short, None, cli.options(years=5, scale=0.02))
    assert params["run.horizon_years"] == 5
    out = tmp_path / "out"
    res = jrsim("run", "social_impact_bond", "--years", "4", "--scale", "0.02", "--out", str(out))
    assert_refused(res, out, "'contracts.sib.last_year'", "2011-2014", "run.horizon_years 4 from --years")


def test_scale_acts_before_the_memory_check(tmp_path):
    big = derived(tmp_path, "big", SCENARIOS / "baseline.yaml",
                  "set:\n  run.scale: {value: 90, unit: sampling fraction, assumption: \"a test: too big\"}\n")
    out = tmp_path / "out"
    assert_refused(jrsim("run", str(big), "--years", "1", "--out", str(out)), out, "big.yaml", "'run.scale' 90",
                   "GB of memory")
    params = cli.load_scenario(big, None, cli.options(scale=0.005, years=1))
    assert params["run.scale"] == 0.005 and params.origin["run.scale"] == "--scale"


def test_scale_acts_before_the_memory_check_of_a_calibration_too(tmp_path):
    from jrsim.calibration.targets import load_targets

    targets = tmp_path / "big_targets.yaml"
    targets.write_text("""targets:
  arrests_per_year: {value: 1000000, tolerance: 900000, kind: count, source: "the test", year: 2012,
                      definition: "arrests a year"}
calibrate:
  scenario: baseline
  settings: {run.scale: 90, run.horizon_years: 1, run.warmup_years: 1}
  free:
    policing.detection_probability: {low: 0.15, high: 0.25, reason: "the test fits it"}
""")
    out = tmp_path / "out"
    assert_refused(jrsim("calibrate", str(targets), "--out", str(out)), out, "big_targets.yaml", "'run.scale' 90",
                   "GB of memory")
    problem = load_targets(targets, cli.options(scale=0.002))
    assert problem.scenario["run.scale"] == 0.002 and problem.scenario.origin["run.scale"] == "--scale"


# ---------------------------------------------------------------- --scheduler and --workers
@pytest.mark.parametrize("address", ["foo bar", "", "tcp://", "localhost", "tcp://host:0", "host:99999"])
def test_a_scheduler_that_is_not_an_address_is_refused_at_once(tmp_path, address):
    out = tmp_path / "out"
    assert_refused(jrsim("compare", "baseline", "radar", "--scheduler", address, "--out", str(out)), out,
                   "--scheduler", repr(address))


@pytest.mark.parametrize("address", ["tcp://10.0.0.5:8786", "scheduler.example.org:8786", "tls://[::1]:8786",
                                     "localhost:8786"])
def test_scheduler_addresses_are_accepted(address):
    runner.check_scheduler(address)


def test_workers_are_capped_at_the_cores_and_the_tasks(monkeypatch):
    monkeypatch.setattr(runner.os, "sched_getaffinity", lambda pid: {0, 1})
    assert runner.worker_count(16) == (2, "--workers 16: this machine gives the command 2 core(s); using 2 worker(s)")
    assert runner.worker_count(2) == (2, None)
    assert runner.worker_count(None, tasks=1) == (1, None)
    assert runner.worker_count(16, tasks=1)[0] == 1


def test_the_command_notes_the_cap_on_workers(tmp_path):
    cores = len(os.sched_getaffinity(0))
    res = jrsim("compare", "baseline", "radar", "--workers", str(cores + 1), "--scale", "0", "--out", str(tmp_path))
    note, error = res.stderr.strip().splitlines()
    assert note == f"note: --workers {cores + 1}: this machine gives the command {cores} core(s); using {cores} worker(s)"
    assert error.startswith("error: --scale") and res.returncode == 2


def test_the_default_workers_can_be_set_for_a_machine_and_a_bad_value_is_one_line(monkeypatch):
    cores = len(os.sched_getaffinity(0))
    monkeypatch.setenv(runner.WORKERS_VARIABLE, str(cores + 1))
    assert runner.worker_count(None) == (cores, f"JRSIM_WORKERS={cores + 1}: this machine gives the command "
                                                f"{cores} core(s); using {cores} worker(s)")
    assert runner.worker_count(1) == (1, None)  # --workers wins
    monkeypatch.setenv(runner.WORKERS_VARIABLE, "1")
    assert runner.worker_count(None) == (1, None)
    for bad in ("0", "two", "-1"):
        monkeypatch.setenv(runner.WORKERS_VARIABLE, bad)
        with pytest.raises(ScenarioError, match=rf"JRSIM_WORKERS='{bad}': expected a whole number of workers"):
            runner.worker_count(None)


def test_a_local_cluster_never_starts_more_workers_than_cores_or_tasks():
    cores = len(os.sched_getaffinity(0))
    assert runner.worker_count(64)[0] == cores and runner.worker_count(64, tasks=3)[0] == min(cores, 3)
    with runner.dask_client(workers=64, tasks=1) as client:  # one task: no cluster, it runs in this process
        assert isinstance(client, runner.InProcess)
    if cores > 1:
        with runner.dask_client(workers=64, tasks=2) as client:
            assert len(client.scheduler_info()["workers"]) == 2


# ---------------------------------------------------------------- a batch too long to mean it
def test_a_batch_that_would_take_days_is_refused_saying_how_long(tmp_path):
    exp = tmp_path / "huge.yaml"
    exp.write_text("name: huge\ncounterfactual: baseline\nscenarios: [radar, through_the_gate]\nreplicates: 500\n"
                   "draws: 1\nseed: 3\nset: {run.scale: 1.0}\n")
    out = tmp_path / "out"
    line = assert_refused(jrsim("batch", str(exp), "--workers", "1", "--out", str(out)), out,
                          "huge.yaml", "1,000 pairs", "hours", "--allow-long")
    hours = float(line.split("about ")[1].split(" hours")[0].replace(",", ""))
    assert hours > LONG_BATCH_SECONDS / 3600


# ---------------------------------------------------------------- an error in a worker: one line, traceback logged
def failing_compare_task(task):
    """A compare pair that raises on the worker (as a bug in the engine would); importable by workers."""
    raise ValueError("a deliberate failure on the worker")


def test_an_error_in_a_worker_is_one_line_with_the_traceback_in_the_log(tmp_path, monkeypatch):
    monkeypatch.setattr(paired, "run_task", failing_compare_task)
    out = tmp_path / "out"
    res = CliRunner().invoke(cli.app, ["compare", "baseline", "radar", "--scale", "0.005", "--years", "2",
                                       "--replicates", "1", "--workers", "1", "--out", str(out)])
    lines = res.stderr.strip().splitlines()
    assert res.exit_code == 1, res.output
    assert len(lines) == 1 and "Traceback" not in res.stderr, res.stderr
    assert lines[0].startswith("failed: scenario radar seed 20110101: ValueError: a deliberate failure"), lines[0]
    log = out / "radar_vs_baseline.log"
    assert str(log) in lines[0]
    assert "Traceback" in log.read_text() and "failing_compare_task" in log.read_text()


@pytest.mark.parametrize("trace, line", [
    ("Traceback (most recent call last):\n  File \"x.py\", line 1, in f\n    g()\n"
     "jrsim.core.errors.ScenarioError: a.yaml: 'k': bad\n", "ScenarioError: a.yaml: 'k': bad"),
    ("Traceback (most recent call last):\n  File \"x.py\", line 1, in f\nValueError: two\nlines\n",
     "ValueError: two lines"),
    ("Traceback (most recent call last):\n  File \"x.py\", line 1, in f\nKeyboardInterrupt\n", "KeyboardInterrupt"),
])
def test_the_error_line_of_a_traceback(trace, line):
    assert runner.error_line(trace) == line


def failing_evaluate(run):
    """A calibration run that raises on the worker (not a refusal by the model, which is recorded)."""
    raise ValueError("a deliberate failure in a calibration run")


def test_an_error_in_a_calibration_worker_is_one_line_with_the_traceback_in_the_log(tmp_path, monkeypatch):
    from jrsim.calibration import calibrate

    monkeypatch.setattr(calibrate, "run_task", failing_evaluate)
    targets = tmp_path / "made.yaml"
    targets.write_text(
        "targets:\n  arrests_per_year: {value: 1200000, tolerance: 36000, kind: count, source: a test, year: 2012, "
        "definition: arrests}\ncalibrate:\n  scenario: baseline\n  settings: {run.scale: 0.002, run.horizon_years: 2, "
        "run.warmup_years: 1, run.seed: 7}\n  free:\n    policing.detection_probability: {low: 0.05, high: 0.45, "
        "reason: a test}\n")
    out = tmp_path / "out"
    res = CliRunner().invoke(cli.app, ["calibrate", str(targets), "--out", str(out), "--generations", "1",
                                       "--popsize", "1", "--workers", "1"])
    lines = res.stderr.strip().splitlines()
    assert res.exit_code == 1, res.output
    assert len(lines) == 1 and "Traceback" not in res.stderr, res.stderr
    assert lines[0].startswith("failed: scenario baseline seed 7: ValueError: a deliberate failure"), lines[0]
    assert "failing_evaluate" in (out / "made.log").read_text()


def failing_pair(task):
    raise ValueError("a deliberate failure in a batch pair")


def test_a_batch_names_its_first_failure_in_one_line(tmp_path):
    from jrsim.experiments.batch import run_batch
    from jrsim.experiments.experiment import load_experiment

    exp = tmp_path / "one.yaml"
    exp.write_text("name: one\ncounterfactual: baseline\nscenarios: [radar]\nreplicates: 1\nseed: 3\n"
                   "set: {run.scale: 0.005, run.horizon_years: 2, run.warmup_years: 1}\n")
    result = run_batch(load_experiment(exp), tmp_path / "out", workers=1, show=False, task_fn=failing_pair)
    assert result.failed == 1 and "\n" not in result.first_error
    assert result.first_error.startswith("scenario radar seed ") and \
        result.first_error.endswith(": ValueError: a deliberate failure in a batch pair"), result.first_error
    assert "Traceback" in result.log.read_text()


def test_a_sensitivity_whose_evaluations_fail_says_so_in_one_line_and_exits_1(tmp_path, monkeypatch):
    """A run that raised is a failure (exit code 1, the log keeps its traceback), not bad input (exit 2)."""
    from jrsim.experiments import sensitivity

    exp = tmp_path / "screen.yaml"
    exp.write_text("name: screen\ncounterfactual: baseline\nscenarios: [radar]\nreplicates: 1\nseed: 3\n"
                   "set: {run.scale: 0.005, run.horizon_years: 2, run.warmup_years: 1}\n"
                   "sensitivity:\n  method: morris\n  samples: 2\n  output: npv_fiscal\n  parameters:\n"
                   "    services.radar_key_worker.effect: [0.8, 1.0]\n"
                   "    services.radar_key_worker.capacity: [10000, 14000]\n")
    real = sensitivity.run_sensitivity
    monkeypatch.setattr(sensitivity, "run_sensitivity", lambda *a, **k: real(*a, **{**k, "task_fn": failing_pair}))
    res = CliRunner().invoke(cli.app, ["sensitivity", str(exp), "--out", str(tmp_path / "out"), "--workers", "1"])
    lines = res.stderr.strip().splitlines()
    assert res.exit_code == 1, res.output
    assert len(lines) == 1 and lines[0].startswith("failed: ") and "evaluation(s) failed" in lines[0], lines
    assert "ValueError: a deliberate failure in a batch pair" in lines[0]
    assert "Traceback" not in res.stderr and "Traceback" in (tmp_path / "out" / "screen_sensitivity.log").read_text()
