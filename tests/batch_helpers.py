"""Task functions for the batch tests, importable by Dask's worker processes."""
from __future__ import annotations

from jrsim.experiments.batch import run_task

FAILING = (1, 0, 0)  # scenario 1, draw 0, replicate 0


def failing_task(task):
    """The real task, except that one pair raises (as a bug in one scenario would)."""
    if task.index == FAILING:
        raise ValueError("a deliberate failure in one pair")
    return run_task(task)


# Three drawn model parameters, each uniform on [-1, 1] in the Sobol test, and a function of them with
# known indices: y = A x1 + B x2 + C x1 x3. Its parts' variances are A^2/3, B^2/3 and C^2/9 (a uniform on
# [-1, 1] has variance 1/3), so x1 acts alone and with x3, x2 alone, x3 only with x1: first-order and
# total indices that all differ, as Ishigami's function has (about the same values), but estimated with
# far less noise by the same number of evaluations (smooth, no fourth powers): worst error over 100
# sample seeds at N = 128, 0.09, where Ishigami's function at N = 256 had 0.25.
SOBOL_PARAMETERS = ("offending.risk.intercept", "offending.risk.male", "offending.risk.age_per_decade")
SOBOL_A, SOBOL_B, SOBOL_C = 1.0, 1.2, 1.5


def sobol_indices() -> tuple[tuple[float, ...], tuple[float, ...]]:
    """The function's analytical first-order and total indices, by parameter."""
    alone = (SOBOL_A**2 / 3, SOBOL_B**2 / 3, 0.0)
    together = SOBOL_C**2 / 9  # x1 with x3
    total = sum(alone) + together
    return (tuple(v / total for v in alone),
            ((alone[0] + together) / total, alone[1] / total, together / total))


def sobol_task(task):
    """The function of the three drawn model parameters, in place of a model run: the sample, runner,
    store and analysis are the model's own."""
    import xarray as xr

    x1, x2, x3 = (task.scenario.values[name] for name in SOBOL_PARAMETERS)
    return xr.Dataset({"npv_fiscal": SOBOL_A * x1 + SOBOL_B * x2 + SOBOL_C * x1 * x3})
