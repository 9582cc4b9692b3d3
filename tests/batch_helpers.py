"""Task functions for the batch tests, importable by Dask's worker processes."""
from __future__ import annotations

from jrsim.experiments.batch import run_task

FAILING = (1, 0, 0)  # scenario 1, draw 0, replicate 0


def failing_task(task):
    """The real task, except that one pair raises (as a bug in one scenario would)."""
    if task.index == FAILING:
        raise ValueError("a deliberate failure in one pair")
    return run_task(task)
