"""Print how the baseline compares with the published figures it was calibrated to.

    python -m jrsim.calibration.check [--scale 1.0] [--seed N]
"""
from __future__ import annotations

import argparse

from jrsim import engine
from jrsim.calibration.targets import compare, fit_table
from jrsim.engine import run
from jrsim.outputs.measures import headline
from jrsim.parameters.library import BASELINE, library_file

# Output years of the check run, as the calibration's own runs use: they hold a complete one-year
# reoffending cohort (a year's offenders followed for a year, and six months more to court).
CHECK_HORIZON_YEARS = 3


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenario", default=str(library_file(BASELINE)))
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=None)
    a = ap.parse_args()
    params = engine.load(a.scenario, {"run.scale": a.scale, "run.horizon_years": CHECK_HORIZON_YEARS})
    print(fit_table(compare(headline(run(params, a.seed)), a.scale)))


if __name__ == "__main__":
    main()
