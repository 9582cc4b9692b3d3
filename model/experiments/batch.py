"""Batches: every (scenario, draw, replicate) pair of an experiment, on Dask, into a Zarr store.

    jrsim batch experiments/intervention_library.yaml [--workers N] [--scheduler ADDRESS] [--out DIR]

Each task is a pair: the counterfactual and a scenario on one seed, sharing their warm-up
(``engine.run_pair``), priced by the ledger with the draw's unit costs, and reduced on the worker to
a small Dataset (annual savings and investment by agency, demand by activity, present values).
The same command resumes a batch that was stopped: only runs not yet stored are computed.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import xarray as xr

from jrsim import engine
from jrsim.commissioning.provision import RESULTS_PURPOSES
from jrsim.core.constants import WEEKS_PER_YEAR
from jrsim.core.errors import ScenarioError
from jrsim.economics import ledger
from jrsim.economics.costs import CostBook
from jrsim.economics.years import by_budget_year
from jrsim.experiments.carried import design_figures, latest, members
from jrsim.experiments.carried import designs as carried_designs
from jrsim.experiments.experiment import COST_PREFIX, Experiment, with_costs, with_drawn
from jrsim.experiments.paired import PairTask, check_pair, run_task
from jrsim.experiments.runner import dask_client, error_line, map_tasks, worker_count
from jrsim.experiments.store import RUN_DIMS, Store, damage_note, verified
from jrsim.experiments.summary import RESULTS_PAID
from jrsim.outputs.units import LABEL_SUFFIX, with_units
from jrsim.parameters.declaration import words
from jrsim.parameters.scenario import Params

# How long a run takes, from make bench (README, Performance, 2026-12-02, this 2-core machine): the national
# run with every service on did 7,279,893 person-weeks a second; the run of 18,576 people took 1.5 s for
# 208 weeks, about 7 ms a week whatever its size (the fixed cost of a step, which dominates small runs).
PERSON_WEEKS_PER_SECOND = 7.28e6
SECONDS_PER_STEP = 1.5 / 208
# A batch expected to take longer than a day on the workers it will have is refused unless --allow-long
# is given: a day is past any run meant to be watched, and a batch that long is far more often a typo in
# draws or replicates (or a scale meant for one run) than intended; --allow-long goes ahead.
LONG_BATCH_SECONDS = 24 * 3600.0
SECONDS_PER_HOUR = 3600.0
ARMS = 2  # a pair runs its output years twice (once an arm), its warm-up once
HALVES = 2  # a run's mean size: halfway between its size at the start and its largest
DRAW, REPLICATE = 1, 2  # positions in a batch task's index (scenario, draw, replicate)
PAYEE_LABEL = "payee" + LABEL_SUFFIX  # what the reports call each payee of the results payments

# What each pair keeps (from the ledger's comparison), by year and agency or as present values.
KEPT = ("savings_cashable", "savings_non_cashable", "savings_economic_social", "investment", "net_fiscal_benefit",
        "spend_baseline", "spend_scenario", "pv_savings_cashable", "pv_savings_fiscal", "pv_savings_economic_social",
        "pv_investment", "pv_net_fiscal_benefit", "npv_fiscal", "npv_cashable", "npv_economic_social")
# ... and each agency's after the contracts' payments (npv_fiscal is the public sector's after them)
AFTER_TRANSFERS = "pv_net_fiscal_benefit_after_transfers"


def tasks(exp: Experiment) -> list[PairTask]:
    """Every pair (its index: its position along scenario, draw, replicate), with the draw's values (its
    calibration set's and its uncertainty draws) applied to both arms alike and its costs to the ledger,
    each reduced on the worker to its summary (``summarised``)."""
    out = []
    payees, lots = outside_payees(exp), has_designs(exp)
    reduce = partial(summarised, payees=tuple(payees.items()), designs=lots) if payees or lots else summarised
    for d, values in enumerate(exp.draw_values()):
        params = {k: float(v) for k, v in values.items() if not k.startswith(COST_PREFIX)}
        costs = {k[len(COST_PREFIX):]: float(v) for k, v in values.items() if k.startswith(COST_PREFIX)}
        where = f"{exp.path}: 'uncertainty' or 'calibration' (draw {d})"
        cf = with_drawn(exp.counterfactual, params, where) if params else exp.counterfactual
        book = with_costs(exp.book, costs)
        for s, policy in enumerate(exp.scenarios.values()):
            sc = with_drawn(policy, params, where) if params else policy
            for r in range(exp.replicates):
                out.append(PairTask((s, d, r), cf, sc, exp.run_seed(d, r), reduce, book, weekly=exp.weekly))
    return out


def check_tasks(exp: Experiment, pairs: list[PairTask], workers: int | None = None, allow_long: bool = False,
                extra_pairs: int = 0) -> None:
    """Before anything is submitted: every distinct pair (each draw's values on both arms, with its
    costs) as a pair task would check it, and how long the batch would take on ``workers`` local
    workers (refused beyond LONG_BATCH_SECONDS unless ``allow_long``). ``extra_pairs``: pairs of the
    same size run besides these (the sensitivity's noise check)."""
    places: dict = {}
    seen = set()
    for t in pairs:
        key = (id(t.counterfactual), id(t.scenario), id(t.book))
        if key not in seen:
            seen.add(key)
            check_pair(t.counterfactual, t.scenario, t.book, places)
    if allow_long or not pairs:
        return
    areas = engine.check_inputs(pairs[0].counterfactual, places)
    seconds = pair_seconds(pairs[0].counterfactual, areas.share) * (len(pairs) + extra_pairs)
    n = worker_count(workers, len(pairs))[0]
    if seconds / n > LONG_BATCH_SECONDS:
        raise ScenarioError(f"{exp.path}: 'draws', 'replicates', 'scenarios': {len(pairs) + extra_pairs:,} pairs "
                            f"would take about {seconds / n / SECONDS_PER_HOUR:,.0f} hours on {n} worker(s) (at "
                            f"{PERSON_WEEKS_PER_SECOND:,.0f} person-weeks a second, make bench), more than "
                            f"{LONG_BATCH_SECONDS / SECONDS_PER_HOUR:.0f} hours: make it smaller, or pass "
                            f"--allow-long to go ahead")


def pair_seconds(params: Params, share: float) -> float:
    """About how long one pair takes on one core: the warm-up once, the output years twice (one a run)."""
    weeks = WEEKS_PER_YEAR * (params["run.warmup_years"] + ARMS * params["run.horizon_years"])
    people = (engine.people_at_start(params, share) + engine.people_at_most(params, share)) / HALVES
    return weeks * SECONDS_PER_STEP + people * weeks / PERSON_WEEKS_PER_SECOND


def outside_payees(exp: Experiment) -> dict[str, str]:
    """Every party outside the public sector a contract of the experiment pays (in any of its arms, at any
    date), in the files' order, with its label: one list for the whole store, so that every run's results
    line up."""
    arms = [exp.counterfactual, *exp.scenarios.values()]
    found = {}
    for arm in arms:
        for contract in members(arm, "contracts"):
            payee = str(latest(arm, f"contracts.{contract}.payee"))
            if payee not in exp.book.agencies and payee not in found:
                found[payee] = payee_label(arm, payee)
    return found


def has_designs(exp: Experiment) -> bool:
    """Whether an arm of the experiment lets commissioning designs: then every pair keeps its designs'
    figures (DESIGN_FIGURES; NaN for a scenario without one), so that every run's line up."""
    return any(members(arm, "designs", field="level") for arm in [exp.counterfactual, *exp.scenarios.values()])


def payee_label(params: Params, payee: str) -> str:
    """A payee as the reports name it: a provider by its kind and areas ('community rehabilitation company:
    london'), anyone else (investors) by its name in words."""
    kind = latest(params, f"providers.{payee}.kind")
    if kind is None:
        return words(payee)
    return f"{words(str(kind))}: {', '.join(words(str(a)) for a in latest(params, f'providers.{payee}.areas') or ())}"


def summarised(task: PairTask, cf: xr.Dataset, sc: xr.Dataset,
               payees: tuple[tuple[str, str], ...] = (), designs: bool = False) -> xr.Dataset:
    """A batch's reduction, on the worker: the pair's summary (a few kB, not the weekly runs), with what
    each of ``payees`` (name, label) was paid on its results and, with ``designs``, the scenario's designs'
    figures. Nothing that depends on the machine (such as timings) is kept: the store is the same whoever
    ran what."""
    return pair_summary(cf, sc, task.book, task.weekly, payees, designs)


def label(task: PairTask) -> str:
    """A batch pair as its log names it."""
    return f"scenario={task.scenario.name} draw={task.index[DRAW]} replicate={task.index[REPLICATE]}"


def pair_summary(cf: xr.Dataset, sc: xr.Dataset, book: CostBook, weekly: bool = False,
                 payees: tuple[tuple[str, str], ...] = (), designs: bool = False) -> xr.Dataset:
    """A pair's comparison reduced to what batches keep: the ledger by year and agency, present
    values, demand (units of each priced activity per year) in both arms and, for ``payees`` (name,
    label), what the scenario run paid each on its results by year; with ``designs``, the scenario run's
    commissioning designs in numbers (carried.design_figures: its lots, cost per case, need matching,
    provider mix, commissioning's cost and the spread of the lots' results payments)."""
    cmp = ledger.compare_pair(cf, sc, book)
    out = cmp[list(KEPT)]
    out[AFTER_TRANSFERS] = cmp[AFTER_TRANSFERS]
    names = [a.name for a in book.activities]
    for label, ds in (("baseline", cf), ("scenario", sc)):
        units = [by_budget_year(ledger.units(ds, a, book.path), book.budget_year) for a in book.activities]
        out[f"demand_{label}"] = xr.concat(units, dim="activity").assign_coords(activity=names)
        if weekly:
            out[f"weekly_spend_{label}"] = ledger.agency_spend_weekly(ds, book)
    out = out.assign_coords(activity_agency=("activity", [a.agency for a in book.activities]))
    if payees:
        out[RESULTS_PAID] = results_paid(sc, book, out["year"].values, payees)
    if designs:
        for name, value in design_figures(carried_designs(sc)).items():
            out[name] = value
    return with_units(out.astype(np.float64), book)


def results_paid(run: xr.Dataset, book: CostBook, years: np.ndarray,
                 payees: tuple[tuple[str, str], ...]) -> xr.DataArray:
    """What a run's contracts paid each of ``payees`` (name, label) on its results, by budget year (year x
    payee, base prices): results payments less fees repaid (a repayment is negative), within the
    appraisal's years."""
    names = [name for name, _ in payees]
    table = ledger.payments_table(run, book)
    out = np.zeros((len(years), len(payees)))
    for amount, payee, year, purpose in zip(table["amount"].values, table["payee"].values, table["year"].values,
                                            table["purpose"].values):
        if str(purpose) in RESULTS_PURPOSES and str(payee) in names and year in years:
            out[int(np.flatnonzero(years == year)[0]), names.index(str(payee))] += float(amount)
    return xr.DataArray(out, dims=("year", "payee"), coords={"year": years, "payee": names,
                                                            PAYEE_LABEL: ("payee", [label for _, label in payees])})


@dataclass
class BatchResult:
    store: Path
    stored: int  # runs stored by the end (this and earlier invocations)
    total: int
    failed: int
    log: Path
    first_error: str = ""  # the first failure, on one line (scenario, seed, error); the traceback is in the log
    damaged: int = 0  # runs found damaged in the store when it was reopened (computed again)

    @property
    def complete(self) -> bool:
        return self.stored == self.total


def run_batch(exp: Experiment, out_dir: Path, workers: int | None = None, scheduler: str | None = None,
              overwrite: bool = False, stop_after: int | None = None, show: bool = True,
              task_fn: Callable[[PairTask], xr.Dataset] = run_task, store_name: str | None = None) -> BatchResult:
    """Run what is not yet stored; each result is written as it arrives; failures go to the log.
    ``stop_after`` stops after that many results, as an interruption would; ``task_fn`` replaces
    what a worker does with a pair (``paired.run_task``; for tests of failures)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = store_name or exp.path.stem
    all_tasks = tasks(exp)
    coords = {"scenario": list(exp.scenarios), "draw": list(range(exp.draws)),
              "replicate": list(range(exp.replicates))}
    store = Store(out_dir / f"{stem}.zarr", exp.fingerprint(), coords, overwrite)
    log = out_dir / f"{stem}.log"
    if store.damaged and show:
        print(damage_note(store.path, store.damaged, len(all_tasks), "computing them again"), flush=True)
    todo = [t for t in all_tasks if store.todo(t.index)]
    failed = []

    def stored(task: PairTask, result: xr.Dataset) -> None:
        if not store.laid_out:
            store.layout(result, design(exp))
        store.write(task.index, result)

    def broke(task: PairTask, trace: str) -> None:
        failed.append(f"scenario {task.scenario.name} seed {task.seed}: {error_line(trace)}")
        with open(log, "a") as f:
            f.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {label(task)} seed={task.seed} failed:\n{trace}\n")

    if todo:
        with dask_client(workers, scheduler, tasks=len(todo)) as client:
            map_tasks(client, task_fn, todo, stored, broke, label=f"{stem}: pairs", show=show,
                      stop_after=stop_after)
    return BatchResult(store.path, int(store.done.sum()), len(all_tasks), len(failed), log,
                       failed[0] if failed else "", store.damaged)


def design(exp: Experiment) -> xr.Dataset:
    """What the runs were: each (draw, replicate)'s seed, each draw's drawn values and calibration set."""
    seeds = np.array([[exp.run_seed(d, r) for r in range(exp.replicates)] for d in range(exp.draws)], np.int64)
    out = xr.Dataset({"seed": (("draw", "replicate"), seeds)})
    if exp.uncertainty:
        out["draw_value"] = (("draw", "parameter"), exp.draw_table())
        out = out.assign_coords(parameter=exp.names())
    if exp.calibration is not None:
        picks = exp.calibration_draws()
        out["calibration_set"] = ("draw", picks.astype(np.int64))
        out["calibrated_value"] = (("draw", "calibrated_parameter"), exp.calibration.values[picks])
        out = out.assign_coords(calibrated_parameter=exp.calibration.names)
    return with_units(out, exp.book, meta={**exp.counterfactual.meta, **exp.drawn_meta()})


def open_results(path: Path) -> xr.Dataset:
    """A batch's store, every done run verified against its checksum (a damaged store is refused in
    one line), with runs not (yet) done masked out; ``attrs['runs_verified']`` says how many it holds."""
    ds = verified(path)
    done = ds["done"].astype(bool)
    return ds.where(done).assign_attrs(ds.attrs) if not bool(done.all()) else ds


__all__ = ["RUN_DIMS", "PairTask", "tasks", "run_task", "summarised", "pair_summary", "run_batch", "open_results", "design"]
