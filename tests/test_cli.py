"""jrsim run: writes NetCDF that opens by name, and prints a summary."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
import xarray as xr

from jrsim.parameters.library import catalogue
from tests.conftest import BASELINE, ROOT


def test_jrsim_run_writes_netcdf_and_summary(tmp_path):
    res = subprocess.run([sys.executable, "-m", "jrsim", "run", str(BASELINE), "--set", "run.scale=0.005",
                          "--set", "run.horizon_years=2", "--set", "run.warmup_years=1", "--seed", "7",
                          "--out", str(tmp_path)], capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    assert "prison_population" in res.stdout and "output:" in res.stdout
    ds = xr.open_dataset(tmp_path / "baseline.nc")
    assert ds.attrs["seed"] == 7 and ds.sizes["time"] == 104
    assert {"population", "arrests", "court_cases", "sentences", "releases", "recalls", "reoffenders"} <= set(ds)
    assert float(ds["prison_population"].mean()) > 0


def jrsim(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "jrsim", *args], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, **(env or {})}, timeout=300)


@pytest.mark.parametrize("args, suggestion", [
    (["run", "radr"], "did you mean 'radar'?"),
    (["compare", "baseline", "justice_reinvestmnt"], "did you mean 'justice_reinvestment'?"),
    (["batch", "intervention_librar"], "did you mean 'intervention_library'?"),
    (["sensitivity", "flagship_sensitivty"], "did you mean 'flagship_sensitivity'?"),
])
def test_a_misspelt_shipped_name_gets_the_nearest_names(args, suggestion, tmp_path):
    res = jrsim(*args, "--out", str(tmp_path / "out"))
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and suggestion in res.stderr, res.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_an_experiment_naming_a_misspelt_scenario_gets_the_nearest_names(tmp_path):
    path = tmp_path / "exp.yaml"
    path.write_text("counterfactual: baseline\nscenarios: [radr]\n")
    res = jrsim("batch", str(path), "--out", str(tmp_path / "out"))
    assert res.returncode == 2 and len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert f"{path}: 'scenarios[0]'" in res.stderr and "did you mean 'radar'?" in res.stderr


def test_scenarios_lists_each_with_its_description_and_counterfactual():
    res = jrsim("scenarios")
    assert res.returncode == 0, res.stderr
    rows = {line.split("│")[1].strip(): line for line in res.stdout.splitlines()
            if line.startswith("│") and line.split("│")[1].strip()}
    for row in catalogue():
        assert row["name"] in rows, row["name"]
        assert row["description"].split()[0] in rows[row["name"]]
    assert "peterborough_baseline" in rows["social_impact_bond"]  # a local scenario's own counterfactual
    assert "lewisham_baseline" in rows["local_justice_reinvestment"]
    # a policy built on another policy (the same design let at another level) is measured against their status quo
    assert rows["commissioning_local"].split("│")[2].strip() == "baseline"
    # built on a variant from the start (starts: run) of another place: that variant is the status quo
    assert rows["commissioning_supervision_local"].split("│")[2].strip() == "supervision_baseline"
    assert "status quo of its areas" in rows["supervision_baseline"]
    assert "status quo" in rows["baseline"] and "status quo" in rows["lewisham_baseline"]
    assert "radar" in rows["intervention_library"] and "flagship_sensitivity" in rows


def test_a_terminal_that_cannot_show_unicode_gets_ascii(tmp_path):
    ascii_only = {"PYTHONIOENCODING": "ascii", "LANG": "C", "LC_ALL": "C"}
    res = jrsim("run", "drug_treatment", "--scale", "0.005", "--years", "1", "--set", "run.warmup_years=1",
                "--out", str(tmp_path), env=ascii_only)
    assert res.returncode == 0 and "Traceback" not in res.stderr, res.stderr
    assert "spend GBP" in res.stdout  # the services table's '£', spelt out
    res.stdout.encode("ascii")
    listed = jrsim("scenarios", env=ascii_only)
    assert listed.returncode == 0 and "social_impact_bond" in listed.stdout, listed.stderr
    error = jrsim("run", "radr", env=ascii_only)
    assert error.returncode == 2 and len(error.stderr.strip().splitlines()) == 1, error.stderr
