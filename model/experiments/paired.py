"""Paired runs: a scenario and its counterfactual on the same seeds, and their comparison.

The one task every command that runs the model on Dask submits (``PairTask``, run on a worker by
``run_task``): compare, batch, sensitivity and calibrate build tasks and reduce their runs each as it
needs. Replicate r runs both arms on seed ``seeds[r]`` (common random numbers), sharing the warm-up
(``engine.run_pair``), so the difference is the policy's effect, not noise; the comparison is the
agency ledger's, with each replicate's weekly spend by agency beside it, so that the report can be
written again from its NetCDF alone. The pairs run on Dask workers (every core by default), and the
result does not depend on how many.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from jrsim import engine
from jrsim.core.errors import PairFailed, ScenarioError
from jrsim.core.vocabulary import FUNDERS
from jrsim.economics import ledger
from jrsim.economics.costs import CostBook
from jrsim.experiments.carried import carried, in_force
from jrsim.experiments.runner import dask_client, error_line, map_tasks
from jrsim.outputs.measures import band_cohorts
from jrsim.parameters.scenario import Params

WEEKLY = ("weekly_spend_baseline", "weekly_spend_scenario")
# What the reports say the comparison covers, from the scenario run's attributes (jrsim.core.dataset).
AREA_ATTRS = ("area_level", "area_share", "local_areas")
PARTY_COORDS = ("payment_contract", "purpose", "payer", "payee")  # of a run's contract_payments
# What the report and the workbook read of a comparison, beyond the ledger's measures: a NetCDF
# without them is not one jrsim compare wrote (or one from before the report read them from it).
REPORTED = (*WEEKLY, "pv_net_fiscal_benefit", "matrix", "unit_cost", "agency_kind", "replicate")
REPORTED_ATTRS = ("scenario", "baseline", "price_base", "discount_rate")
LISTED = 3  # missing names a refusal lists


@dataclass(frozen=True)
class PairTask:
    """One task on a worker, the same for every command that runs the model on Dask (compare, batch,
    sensitivity, calibrate): a scenario and its counterfactual on one seed, sharing their warm-up, or
    the counterfactual alone (``scenario`` None: a calibration's candidate), then ``reduce`` (a function
    of the module that defines it, so a task pickles small) turns the runs into what the command keeps
    on the worker: the ledger's comparison (compare), a pair's summary (batch, sensitivity), the
    headline measures (calibrate). ``index``: where the command files the result."""

    index: Hashable
    counterfactual: Params
    scenario: Params | None
    seed: int
    reduce: Callable[[PairTask, xr.Dataset, xr.Dataset | None], Any]
    book: CostBook | None = None
    rate: float | None = None  # the discount rate (None: the cost file's)
    weekly: bool = False  # the reduction keeps each run's weekly spend by agency
    # The counterfactual on a seed of its own: the pair unpaired (no common random numbers), to show
    # what pairing buys (the sensitivity's noise check); None: both arms on ``seed``.
    counterfactual_seed: int | None = None
    overrides: tuple[tuple[str, float], ...] = ()  # set on each arm on the worker (a calibration candidate's values)
    overrides_from: str = ""  # how a message names the overrides' origin
    refused: Callable[[ScenarioError], Any] | None = None  # what a run the model refuses gives (None: it raises)


def run_task(task: PairTask) -> Any:
    """On a worker: the task's runs, reduced as its command needs (the one function every command maps)."""
    try:
        counterfactual, scenario = _runs(task)
        return task.reduce(task, counterfactual, scenario)
    except ScenarioError as exc:
        if task.refused is None:
            raise
        return task.refused(exc)


def _runs(task: PairTask) -> tuple[xr.Dataset, xr.Dataset | None]:
    cf, sc = (_with_overrides(task, p) for p in (task.counterfactual, task.scenario))
    if sc is None:
        return engine.run(cf, task.seed), None
    if task.counterfactual_seed is None:
        return engine.run_pair(cf, sc, task.seed)
    counterfactual, scenario = engine.run(cf, task.counterfactual_seed), engine.run(sc, task.seed)
    scenario.attrs["seed"] = counterfactual.attrs["seed"]  # the ledger insists on pairs; here the point is that they are not
    return counterfactual, scenario


def _with_overrides(task: PairTask, params: Params | None) -> Params | None:
    if params is None or not task.overrides:
        return params
    return params.with_overrides(dict(task.overrides), where=task.overrides_from)


def seeds_from(first: int, replicates: int) -> list[int]:
    """Replicate r uses seed first + r."""
    return [int(first) + r for r in range(replicates)]


def compared(task: PairTask, cf: xr.Dataset, sc: xr.Dataset) -> xr.Dataset:
    """compare's reduction: the pair compared by the ledger, with both runs' weekly spend by agency."""
    out = ledger.compare_pair(cf, sc, task.book, task.rate)
    out["weekly_spend_baseline"] = ledger.agency_spend_weekly(cf, task.book)
    out["weekly_spend_scenario"] = ledger.agency_spend_weekly(sc, task.book)
    out = out.merge(band_cohorts(cf, sc))  # outcomes by risk band in both runs (providers' creaming and parking)
    out.attrs.update(coverage(cf, sc))
    return out.merge(carried(task.scenario, cf, sc, task.book))  # new variables only: the ledger's are as it wrote them


def check_pair(counterfactual: Params, scenario: Params, book: CostBook, places: dict | None = None) -> None:
    """Everything a pair task would refuse that the inputs show, checked before anything is submitted:
    the runs themselves (``engine.check_pair``) and what the ledger needs of them: a unit cost for every
    activity, every funder of a service and every agency a contract pays or is paid by listed in the
    cost file, and a deflator for every price year a service or contract states (at any date)."""
    engine.check_pair(counterfactual, scenario, places)
    ledger.check_coverage(book)
    for params in (counterfactual, scenario):
        funders = list(in_force(params, r"services\.[^.]+\.funder"))
        services = xr.DataArray(np.zeros(len(funders)), dims="service",
                                coords={"service": [k for k, _, _ in funders], "funder": ("service", [v for _, v, _ in funders])})
        ledger.by_funder(services, book)  # the ledger's own check of funders
        for key, year, where in in_force(params, r"(services|contracts)\.[^.]+\.price_year"):
            book.uplift(1.0, int(year), f"'{key}' (in {Path(where).name})")
        for key, party, where in in_force(params, r"contracts\.[^.]+\.(payer|payee)"):
            if party in FUNDERS and party not in book.agencies:
                raise ScenarioError(f"{book.path}: 'agencies': {key} {party!r} (in {Path(where).name}) is not listed "
                                    f"in the cost file (agencies: {list(book.agencies)})")


def planned_coverage(params: Params) -> dict:
    """The areas a run of ``params`` will cover, as ``coverage`` reads them from a run (level, share of
    England and Wales, the areas it reports by), from the parameters alone: for a batch's summary."""
    places = engine.area_map(params)
    return {"area_level": places.level, "area_share": float(places.share), "areas": ";".join(places.reported)}


def coverage(counterfactual: xr.Dataset, scenario: xr.Dataset) -> dict:
    """What the reports name and the ledger's comparison sums away: the areas the scenario run covers
    (its level, the areas it reports by, its share of England and Wales) and, as JSON, each contract's
    [contract, purpose, payer, payee] as paid in either run."""
    attrs = {k: scenario.attrs[k] for k in AREA_ATTRS if k in scenario.attrs}
    if "area" in scenario.coords:
        attrs["areas"] = ";".join(map(str, scenario["area"].values))
    parties = {}
    for run in (counterfactual, scenario):
        if "contract_payments" in run and run.sizes.get("payment", 0):
            pays = run["contract_payments"]
            parties.update(dict.fromkeys(zip(*(map(str, pays[k].values) for k in PARTY_COORDS))))
    return attrs | ({"contract_parties": json.dumps([list(p) for p in parties])} if parties else {})


def parties_of(pairs: list[xr.Dataset]) -> dict:
    """The contracts' parties (``coverage``) paid in any of the pairs, as one attribute."""
    parties = dict.fromkeys(tuple(p) for pair in pairs for p in json.loads(pair.attrs.get("contract_parties", "[]")))
    return {"contract_parties": json.dumps([list(p) for p in parties])} if parties else {}


def run_pairs(counterfactual: Params, scenario: Params, seeds: Sequence[int], book: CostBook,
              discount: float | None = None, progress: Callable[[int, int], None] | None = None,
              workers: int | None = None, scheduler: str | None = None, show: bool = False) -> xr.Dataset:
    """Run both arms on every seed (on Dask) and compare them; ``progress(done, total)`` after each pair;
    ``show``: a progress bar with the time left."""
    check_pair(counterfactual, scenario, book)  # inputs that cannot make a pair fail before any run
    rate = book.discount_rate if discount is None else float(discount)
    tasks = [PairTask(i, counterfactual, scenario, int(s), compared, book, rate) for i, s in enumerate(seeds)]
    done: dict[int, xr.Dataset] = {}

    def finished(task: PairTask, result: xr.Dataset) -> None:
        done[task.index] = result
        if progress is not None:
            progress(len(done), len(tasks))

    def failed(task: PairTask, trace: str) -> None:
        raise PairFailed(f"scenario {scenario.name} seed {task.seed}: {error_line(trace)}", trace)

    with dask_client(workers, scheduler, tasks=len(tasks)) as client:
        map_tasks(client, run_task, tasks, finished, failed, label="paired replicates", show=show)
    return comparison_of([done[i] for i in range(len(tasks))], seeds, book, rate, counterfactual.name, scenario.name)


def comparison_of(pairs: list[xr.Dataset], seeds: Sequence[int], book: CostBook, rate: float, counterfactual: str,
                  scenario: str) -> xr.Dataset:
    """The pairs ``compared`` returned (in seed order), combined into the comparison: the ledger's, with
    each replicate's weekly spend by agency in both arms (what the report draws) beside it."""
    comparison = ledger.combine(pairs, [int(s) for s in seeds], book, rate, counterfactual, scenario)
    comparison.attrs.update(parties_of(pairs))  # combine keeps the first pair's attributes: all pairs' parties
    return comparison


def read_comparison(path: Path) -> xr.Dataset:
    """A comparison ``jrsim compare`` wrote (its NetCDF), loaded; anything else is refused in one line
    naming the file: missing, not NetCDF, or a NetCDF without what the report reads."""
    if not path.is_file():
        raise ScenarioError(f"{path}: no such file" if not path.exists() else f"{path}: not a file")
    try:
        with xr.open_dataset(path) as ds:
            comparison = ds.load()
    except (OSError, ValueError) as exc:
        raise ScenarioError(f"{path}: not a NetCDF file xarray can read ({type(exc).__name__})") from None
    missing = [name for name in REPORTED if name not in comparison.variables]
    missing += [name for name in REPORTED_ATTRS if name not in comparison.attrs]
    if missing:
        raise ScenarioError(f"{path}: not a comparison written by jrsim compare (it has no {', '.join(missing[:LISTED])}"
                            f"{' ...' if len(missing) > LISTED else ''}); write one with jrsim compare")
    return comparison
