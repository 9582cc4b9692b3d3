"""Paired runs: a scenario and its counterfactual on the same seeds, and their comparison.

The one loop that the command line, the batch runner and the sensitivity analysis share. Replicate r
runs both on seed ``seeds[r]`` (common random numbers), so the difference is the policy's effect,
not noise; the comparison is the agency ledger's (``jrsim.economics.ledger.compare``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import xarray as xr

from jrsim.economics import ledger
from jrsim.economics.costs import CostBook
from jrsim.engine import run_pair
from jrsim.parameters.scenario import Params


@dataclass
class PairedRuns:
    """The runs of each arm, replicate by replicate, and the ledger's comparison of them."""

    counterfactual: list[xr.Dataset]
    scenario: list[xr.Dataset]
    comparison: xr.Dataset


def seeds_from(first: int, replicates: int) -> list[int]:
    """Replicate r uses seed first + r."""
    return [int(first) + r for r in range(replicates)]


def run_pairs(counterfactual: Params, scenario: Params, seeds: Sequence[int], book: CostBook,
              discount: float | None = None, progress: Callable[[int, int], None] | None = None) -> PairedRuns:
    """Run both arms on every seed and compare them; ``progress(done, total)`` after each pair."""
    ledger.check_coverage(book)  # a cost file that cannot price the runs fails before any run
    bases, scens = [], []
    for r, seed in enumerate(seeds):
        base, scen = run_pair(counterfactual, scenario, seed)
        bases.append(base)
        scens.append(scen)
        if progress is not None:
            progress(r + 1, len(seeds))
    return PairedRuns(bases, scens, ledger.compare(bases, scens, book, discount))
