"""Every scenario in the library loads, differs from its baseline only where it says, and runs."""
from __future__ import annotations

import subprocess
import sys

import pytest

from jrsim import engine
from jrsim.parameters.library import NOT_SCENARIOS
from tests.conftest import BASELINE, ROOT

SCENARIOS = sorted(p for p in (ROOT / "scenarios").glob("*.yaml") if p.name not in ("baseline.yaml", *NOT_SCENARIOS))
QUICK = ["--set", "run.scale=0.005", "--set", "run.horizon_years=1", "--set", "run.warmup_years=1"]


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_scenario_is_a_readable_difference_from_its_baseline(path):
    scenario, base = engine.load(path), engine.load(BASELINE)
    assert scenario.values == base.values, "a scenario starts from its baseline's history"
    changed = {c.key for c in scenario.changes if c.value != base.values[c.key]}
    assert changed, "a scenario must change something"
    assert all(c.where == str(path.resolve()) for c in scenario.changes)
    assert path.read_text().startswith("#"), "the header says what the source documents report"


@pytest.mark.parametrize("path", [p for p in SCENARIOS if "services." in p.read_text()], ids=lambda p: p.stem)
def test_service_scenarios_run_and_show_their_services(path, tmp_path):
    res = subprocess.run([sys.executable, "-m", "jrsim", "run", str(path), *QUICK, "--out", str(tmp_path)],
                         capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    assert "services (national, per year)" in res.stdout
    changed_service = next(line.split(".")[1] for line in path.read_text().splitlines() if "services." in line)
    assert changed_service in res.stdout
