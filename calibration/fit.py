"""Fit named parameters to the published targets with scipy (Nelder-Mead on relative errors).

Every evaluation runs the model with the same seed (common random numbers), so the
objective moves only with the parameters. Usage:
    python -m calibration.fit --scale 0.02 --param offending.rate_multiplier ...
It prints the best values; put them in the baseline with the reason 'calibrated'.
"""
from __future__ import annotations

import argparse

import numpy as np
from scipy import optimize

from jrsim import engine
from jrsim.calibration.targets import compare, load_targets
from jrsim.core.errors import ScenarioError
from jrsim.engine import run
from jrsim.outputs.measures import headline
from jrsim.parameters.library import BASELINE, library_file
from jrsim.parameters.scenario import Params


def objective_factory(base: Params, names: list[str], scale: float, seed: int):
    targets = load_targets()

    def objective(x: np.ndarray) -> float:
        try:
            p = base.with_overrides({n: float(v) for n, v in zip(names, x)} | {"run.scale": scale})
        except ScenarioError:  # outside a parameter's valid range
            return 1e6
        rows = compare(headline(run(p, seed)), scale, targets)
        loss = sum(((r["model"] - r["target"]) / r["tolerance"]) ** 2 for r in rows)
        print(" ".join(f"{v:.4g}" for v in x), f"loss={loss:.3f}", flush=True)
        return loss

    return objective


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenario", default=str(library_file(BASELINE)))
    ap.add_argument("--scale", type=float, default=0.02)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--param", action="append", required=True)
    ap.add_argument("--maxiter", type=int, default=60)
    a = ap.parse_args()
    base = engine.load(a.scenario, {"run.horizon_years": 3})
    x0 = np.array([float(base.raw_value(n)) for n in a.param])
    res = optimize.minimize(objective_factory(base, a.param, a.scale, a.seed), x0, method="Nelder-Mead",
                            options={"maxiter": a.maxiter, "xatol": 1e-3, "fatol": 1e-2})
    for n, v in zip(a.param, res.x):
        print(f"{n}: {v:.4g}")


if __name__ == "__main__":
    main()
