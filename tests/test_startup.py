"""The command line starts without the model (issue 25: `jrsim --help` at once): reading the commands' options
imports none of the engine, the ledger, the batch runner's store or the report writers; a command imports them
as it runs. Time is measured by `make bench`, not here; this checks what makes it short."""
from __future__ import annotations

import subprocess
import sys

from jrsim.experiments.bench_growth import growth
from tests.conftest import ROOT

HEAVY = ("jrsim.engine", "jrsim.economics.ledger", "jrsim.experiments.paired", "jrsim.reporting.workbook",
         "jrsim.reporting.html", "mesa", "xarray", "numba", "scipy")


def test_reading_the_command_line_imports_none_of_the_model():
    code = ("import sys, jrsim.cli; from typer.testing import CliRunner; "
            "r = CliRunner().invoke(jrsim.cli.app, ['compare', '--help']); assert r.exit_code == 0, r.output; "
            f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "[]", res.stdout


def test_growth_is_the_slope_of_log_time_on_log_person_weeks():
    rows = [{"seconds": 1.0, "person_weeks": 1e6}, {"seconds": 4.0, "person_weeks": 2e6},
            {"seconds": 8.0, "person_weeks": 4e6}]
    assert growth(rows) == [2.0, 1.0]
