"""Task functions for the batch tests, importable by Dask's worker processes."""
from __future__ import annotations

from jrsim.experiments.paired import run_task

FAILING = (1, 0, 0)  # scenario 1, draw 0, replicate 0


def failing_task(task):
    """The real task, except that one pair raises (as a bug in one scenario would)."""
    if task.index == FAILING:
        raise ValueError("a deliberate failure in one pair")
    return run_task(task)


ISHIGAMI = ("offending.risk.intercept", "offending.risk.male", "offending.risk.age_per_decade")
ISHIGAMI_A, ISHIGAMI_B = 7.0, 0.1  # the function's usual constants (Ishigami and Homma 1990)


def ishigami_task(task):
    """Ishigami's function of three drawn model parameters, in place of a model run: the sample,
    runner, store and analysis are the model's own."""
    import math

    import xarray as xr

    x1, x2, x3 = (task.scenario.values[name] for name in ISHIGAMI)
    y = math.sin(x1) + ISHIGAMI_A * math.sin(x2) ** 2 + ISHIGAMI_B * x3**4 * math.sin(x1)
    return xr.Dataset({"npv_fiscal": y})
