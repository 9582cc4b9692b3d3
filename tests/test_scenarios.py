"""Every scenario in the library loads, differs from its baseline only where it says, and runs."""
from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from jrsim import engine
from jrsim.parameters.library import NOT_SCENARIOS
from tests.conftest import ROOT

SCENARIOS = sorted(p for p in (ROOT / "scenarios").glob("*.yaml") if p.name not in ("baseline.yaml", *NOT_SCENARIOS))
QUICK = ["--set", "run.scale=0.003", "--set", "run.horizon_years=1", "--set", "run.warmup_years=1"]
AREA = ["--set", "run.warmup_years=1"]  # a few areas at full size: their whole horizon (contracts pay in it)
THIN = ["--set", "run.scale=0.002", "--set", "run.warmup_years=1"]


def base_of(path):
    """The file a scenario names as its base."""
    return path.parent / yaml.safe_load(path.read_text())["base"]


def is_counterfactual(path) -> bool:
    """A status quo in some areas (``<place>_baseline.yaml``): the baseline's model, run settings changed."""
    return path.stem.endswith("_baseline")


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_scenario_is_a_readable_difference_from_its_baseline(path):
    scenario, base = engine.load(path), engine.load(base_of(path))
    assert path.read_text().startswith("#"), "the header says what the source documents report"
    if is_counterfactual(path):  # the same model as the baseline, in other areas
        differ = {k for k in base.values if scenario.values[k] != base.values[k]}
        assert differ and all(k.startswith("run.") for k in differ), differ
        assert not scenario.changes
        return
    assert scenario.values == base.values, "a scenario starts from its baseline's history"
    inherited = {(c.key, c.when) for c in base.changes}  # a policy built on another (a design at another level)
    changed = {c.key for c in scenario.changes if c.value != base.values.get(c.key)}
    assert changed, "a scenario must change something"
    assert all(c.where == str(path.resolve()) for c in scenario.changes if (c.key, c.when) not in inherited)
    if inherited:
        mine = {c.key: c.value for c in scenario.changes if c.where == str(path.resolve())}
        theirs = {c.key: c.value for c in base.changes}
        assert any(theirs.get(k) != v for k, v in mine.items()), "it changes something of the policy it builds on"


@pytest.mark.parametrize("path", [p for p in SCENARIOS if "services." in p.read_text()], ids=lambda p: p.stem)
def test_service_scenarios_run_and_show_their_services(path, tmp_path):
    # a run of a few areas is small already; a national one with contracts (Transforming Rehabilitation)
    # is sampled thinly, and its contracts need the whole horizon to pay
    quick = AREA if engine.load(path)["run.areas"] else THIN if "contracts." in path.read_text() else QUICK
    res = subprocess.run([sys.executable, "-m", "jrsim", "run", str(path), *quick, "--out", str(tmp_path)],
                         capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    assert "services (full size of the run's areas, per year)" in res.stdout
    changed_service = next(line.split(".")[1] for line in path.read_text().splitlines() if "services." in line)
    assert changed_service in res.stdout
