"""jrsim calibrate: it recovers parameters the targets were made from, resumes to the same end, does not
depend on the workers, writes a calibrated scenario that reproduces its fit, and its accepted sets carry
calibration uncertainty into batches; bad targets files are one line, exit code 2, nothing written.

Tiny runs (scale 0.002, two output years after one of warm-up) and a tiny fit (one free parameter,
DE's smallest population, three generations): the point is the machinery, not a good fit.
"""
from __future__ import annotations

import shutil

import numpy as np
import pytest
import xarray as xr
import yaml
from typer.testing import CliRunner

from jrsim import engine
from jrsim.calibration.calibrate import OUTPUTS, RECORD_SUFFIX, accepted, run_calibration, write_outputs
from jrsim.calibration.targets import load_targets
from jrsim.cli import app
from jrsim.core.errors import ScenarioError
from jrsim.experiments.batch import open_results, run_batch, tasks
from jrsim.experiments.experiment import load_experiment
from jrsim.outputs.measures import headline
from tests.conftest import BASELINE, ROOT

pytestmark = pytest.mark.xdist_group("calibrate")  # one worker: the fit is computed once

SETTINGS = {"run.scale": 0.002, "run.horizon_years": 2, "run.warmup_years": 1, "run.seed": 7}
FREE = "policing.detection_probability"
TRUTH = 0.25  # the value the targets are made at (the baseline holds 0.2)
PRIOR = (0.05, 0.45)
TOLERANCE = 0.03  # each target's tolerance, a share of its value
MEASURED = ("arrests_per_year", "charges_per_year")
GENERATIONS, POPSIZE = 3, 5  # 5 candidates a generation (one free parameter): 20 evaluations
RECOVERED_WITHIN = 0.1  # the best value lies this share of the prior's width from the truth, at most
NARROWER_THAN = 0.5  # the accepted sets' range is at most this share of the prior's width


def targets_text(values: dict[str, float], free: str = f"{FREE}: {{low: {PRIOR[0]}, high: {PRIOR[1]}, "
                                                          f"reason: 'the test fits it'}}") -> str:
    targets = {name: {"value": v, "tolerance": TOLERANCE * v, "kind": "count", "source": "the model at known values",
                      "year": 2012, "definition": f"{name} of a run at {FREE} = {TRUTH}"} for name, v in values.items()}
    doc = {"targets": targets, "calibrate": {"scenario": str(BASELINE), "settings": SETTINGS}}
    return yaml.safe_dump(doc, sort_keys=False) + f"  free:\n    {free}\n"


@pytest.fixture(scope="module")
def problem(tmp_path_factory):
    """Targets made by the model itself at a known value, on the seed the fit uses."""
    truth = headline(engine.run(engine.load(BASELINE, {**SETTINGS, FREE: TRUTH})))
    path = tmp_path_factory.mktemp("targets") / "made.yaml"
    path.write_text(targets_text({m: truth[m] / SETTINGS["run.scale"] for m in MEASURED}))
    return load_targets(path)


@pytest.fixture(scope="module")
def fitted(problem, tmp_path_factory):
    out = tmp_path_factory.mktemp("fit")
    cal = run_calibration(problem, out, "made", workers=2, generations=GENERATIONS, popsize=POPSIZE, show=False)
    write_outputs(cal, "made", {s: out / f"made{s}" for s in OUTPUTS}, out)
    return cal, out


def _same(a, b) -> None:
    assert len(a.evaluations) == len(b.evaluations)
    for x, y in zip(a.evaluations, b.evaluations):
        assert x.generation == y.generation and np.array_equal(x.x, y.x) and np.array_equal(x.simulated, y.simulated)
        assert x.loss == y.loss
    assert a.convergence == b.convergence and a.message == b.message


def test_calibration_recovers_the_value_the_targets_were_made_at(fitted):
    """'Within' means: the best value is within RECOVERED_WITHIN of the prior's width of the truth, and
    the truth lies inside the accepted sets' range (the spread the fit reports), which is narrower than
    NARROWER_THAN of the prior's width. A fit that learnt nothing (its accepted sets spread over the
    prior, or its best a random draw) fails one of the three."""
    cal, _ = fitted
    width = PRIOR[1] - PRIOR[0]
    best = float(cal.best.x[0])
    sets = [float(e.x[0]) for e in accepted(cal)[0]]
    assert abs(best - TRUTH) <= RECOVERED_WITHIN * width, best
    assert min(sets) <= TRUTH <= max(sets), (min(sets), max(sets))
    assert max(sets) - min(sets) <= NARROWER_THAN * width, (min(sets), max(sets))
    assert len(cal.evaluations) == POPSIZE * (GENERATIONS + 1)
    assert [c["generation"] for c in cal.convergence] == list(range(GENERATIONS + 1))
    losses = [c["best_loss"] for c in cal.convergence]
    assert losses == sorted(losses, reverse=True) and losses[-1] == cal.best.loss


def test_an_interrupted_calibration_resumes_to_the_same_end_recomputing_nothing(problem, fitted, tmp_path):
    """On one worker (in this process), interrupted and resumed: the same evaluations as the fit on two."""
    straight, _ = fitted
    stopped_at = 7  # in the second generation
    with pytest.raises(KeyboardInterrupt):
        run_calibration(problem, tmp_path, "made", workers=1, generations=GENERATIONS, popsize=POPSIZE, show=False,
                        stop_after=stopped_at)
    recorded = len((tmp_path / f"made{RECORD_SUFFIX}").read_text().splitlines()) - 1  # after the header
    assert recorded >= stopped_at
    resumed = run_calibration(problem, tmp_path, "made", workers=1, generations=GENERATIONS, popsize=POPSIZE,
                              show=False)
    _same(resumed, straight)
    assert resumed.computed == straight.computed - recorded  # nothing recorded is run again
    again = run_calibration(problem, tmp_path, "made", workers=1, generations=GENERATIONS, popsize=POPSIZE, show=False)
    assert again.computed == 0
    _same(again, straight)


def test_a_record_of_another_problem_is_refused_in_one_line(problem, fitted, tmp_path):
    _, out = fitted
    shutil.copy(out / f"made{RECORD_SUFFIX}", tmp_path / f"made{RECORD_SUFFIX}")
    other = problem.with_scale(0.003)
    with pytest.raises(ScenarioError, match="holds evaluations of a different calibration") as err:
        run_calibration(other, tmp_path, "made", workers=1, generations=1, popsize=POPSIZE, show=False)
    assert "\n" not in str(err.value)


def test_the_calibrated_file_reproduces_the_fit_and_serves_as_a_counterfactual(fitted, tmp_path):
    cal, out = fitted
    calibrated = out / "made_calibrated.yaml"
    doc = yaml.safe_load(calibrated.read_text())
    assert doc["set"][FREE]["unit"] == "probability per offending event" and "best of 20" in doc["set"][FREE]["assumption"]
    params = engine.load(calibrated, SETTINGS)
    assert params[FREE] == float(cal.best.x[0])
    again = headline(engine.run(params, cal.seeds[0]))
    for t, simulated in zip(cal.targets.targets, cal.best.simulated):
        assert t.simulated(again, SETTINGS["run.scale"]) == pytest.approx(simulated, rel=1e-12)
    policy = tmp_path / "policy.yaml"  # a policy on top of the calibrated baseline
    policy.write_text((ROOT / "scenarios" / "radar.yaml").read_text().replace("base: baseline.yaml",
                                                                                f"base: {calibrated}"))
    exp = tmp_path / "exp.yaml"
    settings = yaml.safe_dump(SETTINGS, default_flow_style=True)
    exp.write_text(f"counterfactual: {calibrated}\nscenarios: [{policy}]\nset: {settings}")
    task = tasks(load_experiment(exp))[0]
    assert task.counterfactual[FREE] == task.scenario[FREE] == float(cal.best.x[0])


CALIBRATED_BATCH = """counterfactual: baseline
scenarios: [radar]
draws: 4
seed: 3
set: {run.scale: 0.002, run.horizon_years: 1, run.warmup_years: 1}
uncertainty:
  services.radar_key_worker.effect: {distribution: normal, sd: 0.01}
"""


def test_a_batch_draws_accepted_sets_and_its_interval_widens(fitted, tmp_path):
    _, out = fitted
    plain, with_sets = tmp_path / "plain.yaml", tmp_path / "with_sets.yaml"
    plain.write_text(CALIBRATED_BATCH)
    with_sets.write_text(CALIBRATED_BATCH + f"calibration: {out / 'made_accepted.nc'}\n")
    spread = {}
    for path in (plain, with_sets):
        result = run_batch(load_experiment(path), tmp_path, workers=1, show=False)
        ds = open_results(result.store)
        arrests = ds["demand_baseline"].sel(activity="arrest").sum("year").isel(scenario=0, replicate=0).values
        spread[path.stem] = float(np.quantile(arrests, 0.95) - np.quantile(arrests, 0.05))
    design = xr.open_zarr(tmp_path / "with_sets.zarr")
    sets = xr.open_dataset(out / "made_accepted.nc")
    picks = design["calibration_set"].values
    assert len(set(picks.tolist())) > 1
    np.testing.assert_array_equal(design["calibrated_value"].values[:, 0], sets["value"].values[picks, 0])
    assert np.array_equal(design["seed"].values, xr.open_zarr(tmp_path / "plain.zarr")["seed"].values)
    assert spread["with_sets"] > spread["plain"], spread


def test_the_command_writes_its_set_from_the_record(problem, fitted, tmp_path):
    """The command end to end, the record copied in: every run is taken from it, none computed."""
    _, out = fitted
    shutil.copy(out / f"made{RECORD_SUFFIX}", tmp_path / f"made{RECORD_SUFFIX}")
    result = CliRunner().invoke(app, ["calibrate", str(problem.path), "--out", str(tmp_path), "--generations",
                                      str(GENERATIONS), "--popsize", str(POPSIZE)])
    assert result.exit_code == 0, result.output
    assert "0 run(s) computed" in result.output and "| arrests_per_year |" in result.output
    assert (tmp_path / "made_fit.md").read_text() == (out / "made_fit.md").read_text()
    assert all((tmp_path / f"made{s}").is_file() for s in OUTPUTS)


def _refused(tmp_path, text: str, *options: str) -> str:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["calibrate", str(path), "--out", str(out), *options])
    message = result.stderr.strip() if result.stderr_bytes is not None else result.output.strip()
    assert result.exit_code == 2 and "Traceback" not in message and len(message.splitlines()) == 1, message
    assert not out.exists(), "nothing is written for refused input"
    return message


GOOD = {"arrests_per_year": 1.2e6}
BAD = [
    ("no-source", lambda t: t.replace("    source: the model at known values\n", ""),
     "'targets.arrests_per_year.source': missing"),
    ("interval-low-above-high", lambda t: t.replace("    value: 1200000.0\n    tolerance: 36000.0\n",
                                                     "    interval: [1300000, 1100000]\n"),
     "'targets.arrests_per_year.interval': low (1.3e+06) must be below high (1.1e+06)"),
    ("unknown-measure", lambda t: t.replace("arrests_per_year:", "arrests_per_yaer:"),
     "'targets.arrests_per_yaer.measure': unknown 'arrests_per_yaer' (did you mean 'arrests_per_year'?)"),
    ("a-distribution", lambda t: targets_text(GOOD, "sentencing.crown_custody_bands: {low: 0, high: 1, reason: x}"),
     "'calibrate.free.sentencing.crown_custody_bands': 'sentencing.crown_custody_bands' is a dist"),
    ("a-list", lambda t: targets_text(GOOD, "services.radar_key_worker.eligible_status: {low: 0, high: 1, reason: x}")
     .replace(f"scenario: {BASELINE}", f"scenario: {ROOT / 'scenarios' / 'radar.yaml'}"),
     "'services.radar_key_worker.eligible_status' is a choices"),
    ("range-outside", lambda t: t.replace(f"low: {PRIOR[0]}", "low: -0.5"),
     f"the range [-0.5, {PRIOR[1]:g}] leaves the range of '{FREE}', [0, 1]"),
    ("tolerance-zero", lambda t: t.replace("tolerance: 36000.0", "tolerance: 0"), "must be above 0, got 0"),
]


@pytest.mark.parametrize("change, phrase", [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_targets_are_one_line_exit_2_and_nothing_written(tmp_path, change, phrase):
    message = _refused(tmp_path, change(targets_text(GOOD)))
    assert phrase in message and str(tmp_path / "bad.yaml") in message, message


def test_an_unknown_params_name_is_one_line(tmp_path):
    message = _refused(tmp_path, targets_text(GOOD), "--params", f"{FREE},policing.detection_prob")
    assert message.startswith("error: --params: 'policing.detection_prob' is not a free parameter") and \
        f"(did you mean '{FREE}'?)" in message, message


def test_bad_calibration_sets_in_an_experiment_are_one_line(fitted, tmp_path):
    _, out = fitted
    cases = [("calibration: nowhere.nc\n", "no file"), (f"calibration: {out / 'made_evaluations.nc'}\n",
                                                        "is not a file of accepted parameter sets"),
             (f"calibration: {out / 'made_accepted.nc'}\nuncertainty:\n  {FREE}: {{distribution: normal, sd: 0.01}}\n",
              f"'uncertainty.{FREE}': is calibrated")]
    for text, phrase in cases:
        path = tmp_path / "exp.yaml"
        path.write_text(CALIBRATED_BATCH.split("uncertainty:")[0].replace("draws: 4", "draws: 2") + text)
        with pytest.raises(ScenarioError) as err:
            load_experiment(path)
        assert phrase in str(err.value) and "\n" not in str(err.value) and str(path) in str(err.value), str(err.value)
