"""Each service's effect, replayed the way its evaluation was designed, reproduces what was reported.

The replay (calibration/evaluations.yaml, jrsim.outputs.evaluation) runs the baseline and the baseline
with the service on one seed and compares the participants' one-year proven reoffending with their own
in the counterfactual, from the start of the service or from their release, as the evaluation counted.
"""
from __future__ import annotations

import re

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from jrsim.calibration.effects import load_evaluations, replay_one
from jrsim.core.errors import ScenarioError
from jrsim.outputs.evaluation import NOT_RELEASED, release_around

FILE_SETTINGS, EVALUATIONS = load_evaluations()
# Half the file's scale keeps the suite short; the replays' noise (a few points) stays well inside the
# evaluations' intervals (docs/figures/effects.md is at the file's scale).
SETTINGS = FILE_SETTINGS | {"run.scale": FILE_SETTINGS["run.scale"] / 2}
MIN_PARTICIPANTS = 100  # fewer and the replay's own noise would swamp the interval


@pytest.mark.parametrize("service", sorted(EVALUATIONS))
def test_the_replayed_evaluation_reproduces_the_reported_reduction(service):
    ev = EVALUATIONS[service]
    result = replay_one(ev, SETTINGS)
    rr = float(result["relative_reduction"])
    assert int(result["participants"]) >= MIN_PARTICIPANTS
    assert ev.within(rr), (f"{service}: replayed relative reduction {rr:.3f} outside the evaluation's interval "
                           f"{ev.interval} (reported {ev.relative_reduction}; effect {result.attrs['effect']})")


def test_with_no_effect_the_participants_reoffend_exactly_as_without_the_service():
    """Pairing: a service that changes nothing leaves every participant's outcome as it was."""
    result = replay_one(EVALUATIONS["accommodation_support"], SETTINGS, effect=0.0)
    assert int(result["participants"]) >= MIN_PARTICIPANTS
    assert float(result["difference"]) == 0.0 and float(result["difference_se"]) == 0.0


def test_a_stronger_effect_gives_a_larger_replayed_reduction():
    ev = EVALUATIONS["radar_key_worker"]
    weak, strong = (float(replay_one(ev, SETTINGS, effect=e)["relative_reduction"]) for e in (0.2, 0.6))
    assert 0 < weak < strong


@pytest.mark.parametrize("text, message", [
    ("evaluations: {x: {capacity: 1, counted_from: start, relative_reduction: 0.1, interval: [0.3, 0.1], "
     "evidence: none, source: s, year: 2012}}", "low (0.3) is above high (0.1)"),
    ("evaluations: {x: {capacity: 1, counted_from: start, relative_reduction: 0.1, interval: [0, 0.2], "
     "evidence: none, source: '', year: 2012}}", "says where its figure comes from"),
    ("evaluations: {x: {capacity: 1, counted_from: sentence, relative_reduction: 0.1, interval: [0, 0.2], "
     "evidence: none, source: s, year: 2012}}", "counted_from"),
])
def test_a_bad_evaluation_is_refused_in_one_line(tmp_path, text, message):
    path = tmp_path / "evaluations.yaml"
    path.write_text("replay: {run.scale: 0.01, run.horizon_years: 2, run.warmup_years: 1, seed: 1}\n" + text + "\n")
    with pytest.raises(ScenarioError, match=re.escape(message)) as info:
        load_evaluations(path)
    assert "\n" not in str(info.value) and str(path) in str(info.value)


def test_a_batch_draws_an_effect_with_its_sourced_standard_error(tmp_path):
    from jrsim.experiments.experiment import load_experiment

    path = tmp_path / "exp.yaml"
    path.write_text("counterfactual: baseline\nscenarios: [radar]\ndraws: 2\n"
                    "uncertainty:\n  services.radar_key_worker.effect: {distribution: normal}\n")
    exp = load_experiment(path)
    se = exp.counterfactual.meta["services.radar_key_worker.effect"]["se"]
    assert exp.uncertainty[0].args["sd"] == se > 0
    path.write_text("counterfactual: baseline\nscenarios: [radar]\ndraws: 2\n"
                    "uncertainty:\n  courts.crown_share: {distribution: normal}\n")
    with pytest.raises(ScenarioError, match="needs 'sd' \\(or an 'se' on the parameter"):
        load_experiment(path)


def test_a_standard_error_that_is_not_a_positive_number_is_refused(tmp_path):
    from jrsim import engine
    from tests.conftest import BASELINE

    path = tmp_path / "bad.yaml"
    path.write_text(f"name: bad\nbase: {BASELINE}\nset:\n  services.radar_key_worker.effect: "
                    "{value: 0.5, se: -0.1, unit: share, source: an evaluation}\n")
    with pytest.raises(ScenarioError, match="'se' \\(a standard error\\) must be a positive number, got -0.1"):
        engine.load(path)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 20), st.integers(0, 60)), max_size=60),
       st.lists(st.tuples(st.integers(0, 25), st.integers(0, 70)), min_size=1, max_size=30), st.booleans())
def test_the_release_found_for_each_participant_is_the_nearest_on_the_side_asked(releases, asked, after):
    rel_p, rel_w = (np.array([r[i] for r in releases], np.int64) for i in (0, 1))
    sc = xr.Dataset({"release_person": ("release", rel_p), "release_week": ("release", rel_w)})
    people, weeks = (np.array([a[i] for a in asked], np.int64) for i in (0, 1))
    found = release_around(sc, people, weeks, after)
    for person, week, got in zip(people, weeks, found):
        mine = rel_w[rel_p == person]
        near = mine[mine >= week] if after else mine[mine <= week]
        expected = (near.min() if after else near.max()) if len(near) else NOT_RELEASED
        assert got == expected
