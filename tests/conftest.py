"""Shared fixtures: a small baseline run, computed once per test session."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from jrsim import engine
from jrsim.economics.costs import default_costs
from jrsim.engine import run
from jrsim.experiments.runner import WORKERS_VARIABLE
from jrsim.parameters.scenario import Params

ROOT = Path(__file__).resolve().parents[1]
# The suite runs on two xdist workers already: a command it starts without --workers runs its tasks in its
# own process (jrsim.experiments.runner) rather than start a two-worker cluster on cores that are busy. The
# tests of the runner's clusters ask for their workers (--workers 2, workers=2, a scheduler).
os.environ.setdefault(WORKERS_VARIABLE, "1")
BASELINE = ROOT / "scenarios" / "baseline.yaml"
SMALL = {"run.scale": 0.01, "run.horizon_years": 3, "run.warmup_years": 2}


def cost_file(tmp_path: Path, change) -> Path:
    """A copy of the shipped unit-cost file with ``change`` applied to its parsed content."""
    doc = yaml.safe_load(default_costs().read_text())
    change(doc)
    path = tmp_path / "costs.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


@pytest.fixture(scope="session")
def small_params() -> Params:
    return engine.load(BASELINE, SMALL)


@pytest.fixture(scope="session")
def small_run(small_params):
    return run(small_params, check_every=1)
