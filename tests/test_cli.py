"""jrsim run: writes NetCDF that opens by name, and prints a summary."""
from __future__ import annotations

import subprocess
import sys

import xarray as xr

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
