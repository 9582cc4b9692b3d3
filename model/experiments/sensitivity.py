"""Global sensitivity analysis with SALib: which assumptions an answer hangs on.

    jrsim sensitivity experiments/flagship_sensitivity.yaml [--workers N] [--scheduler ADDRESS] [--out DIR]

The experiment file's ``sensitivity:`` section names the method (``morris`` screening for many
parameters, ``sobol`` first- and total-order indices for a few), the sample size (a power of two for
Sobol), the scenario, one output of the comparison (``pv_net_fiscal_benefit[agency=local_authority]``,
``savings_cashable[agency=prisons, year=2015]``; ``results_paid``, when a contract pays a party outside
the public sector: its results payments, summed over every such payee unless one is chosen,
``results_paid[payee=crc_london]``) and each parameter's range (a name with '*' moves every name it
matches together: ``providers.crc_*.responsiveness``). SALib samples; every
sample point is a draw of the batch runner (paired runs with common random numbers, on Dask,
resumable); SALib analyses. A noise check at the centre of the ranges shows what pairing buys: the
spread of the output across replicates on paired runs against unpaired ones.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import xarray as xr
from SALib import ProblemSpec

from jrsim.core.errors import RunsFailed
from jrsim.economics.years import output_years
from jrsim.experiments.batch import KEPT, REPLICATE, check_tasks, open_results, outside_payees, run_batch, tasks
from jrsim.experiments.experiment import Experiment, Uncertainty, _uncertainty, holder
from jrsim.experiments.paired import PairTask, run_task
from jrsim.experiments.runner import dask_client, error_line, map_tasks
from jrsim.experiments.summary import RESULTS_PAID
from jrsim.outputs.units import OUTPUT_NAME, with_units
from jrsim.parameters.schema import FileChecker

METHODS = ("morris", "sobol")
SECTION_KEYS = ("method", "samples", "scenario", "output", "parameters", "replicates", "noise_replicates", "seed")
DEMAND = ("demand_baseline", "demand_scenario")
# Dimensions an output sums over when no label of them is chosen: the years, and the payees of the results
# payments (results_paid alone: the total paid to every party outside the public sector on its results).
SUMMED = ("year", "payee")
MORRIS_LEVELS = 4  # grid levels of Morris's elementary effects (SALib's default)
NOISE_REPLICATES = 4  # runs at the centre of the ranges, paired and unpaired, for the noise check
NOISE_RUNS_A_REPLICATE = 2  # the noise check's pairs a replicate: one paired, one unpaired
MAX_SAMPLES = 2**16
MIN_SAMPLES = 2  # a sample of one point varies nothing
MIN_PARAMETERS = 2  # the analysis ranks parameters against each other: one alone has nothing to rank against
RANGE_ENDS = 2  # a parameter's range is [low, high]
MAX_REPLICATES = 100  # replicates a point (and for the noise check): more is a typo far more often than meant
MIN_NOISE_REPLICATES = 2  # a standard deviation needs two runs at least
HALVES = 2  # the centre of a range: halfway between its ends
SQUARED = 2  # a variance is a standard deviation squared


@dataclass(frozen=True)
class Sensitivity:
    method: str
    samples: int
    scenario: str
    output: str  # as written
    variable: str
    select: dict[str, str]
    names: list[str]
    bounds: list[tuple[float, float]]
    replicates: int
    noise_replicates: int

    def problem(self) -> ProblemSpec:
        return ProblemSpec({"names": list(self.names), "bounds": [list(b) for b in self.bounds],
                            "num_vars": len(self.names)})


def load_sensitivity(exp: Experiment) -> Sensitivity:
    """The experiment's ``sensitivity:`` section, checked (one line naming the file and key)."""
    c = FileChecker(str(exp.path))
    if not exp.sensitivity:
        raise c.error("sensitivity", "missing: name the method, samples, output and parameters' ranges")
    doc = c.mapping(exp.sensitivity, "sensitivity", required=("method", "samples", "output", "parameters"),
                    optional=tuple(k for k in SECTION_KEYS if k not in ("method", "samples", "output", "parameters")))
    method = c.choice(doc["method"], "sensitivity.method", METHODS)
    samples = c.whole(doc["samples"], "sensitivity.samples", MIN_SAMPLES, MAX_SAMPLES)
    if method == "sobol" and samples & (samples - 1):
        raise c.error("sensitivity.samples", f"Sobol's sample size must be a power of two, got {samples}")
    scenario = c.choice(doc.get("scenario", next(iter(exp.scenarios))), "sensitivity.scenario", exp.scenarios)
    ranges = c.mapping(doc["parameters"], "sensitivity.parameters")
    if len(ranges) < MIN_PARAMETERS:
        raise c.error("sensitivity.parameters", "name at least two parameters with their ranges")
    names, bounds = [], []
    # where else the experiment gives a parameter's values: a range here would silently replace them
    given = {**{n: "calibration:" for n in (exp.calibration.names if exp.calibration else ())},
             **{n: f"'uncertainty:' (uncertainty.{n})" for n in exp.names()}}
    for name, span in ranges.items():
        key = f"sensitivity.parameters.{name}"
        if not isinstance(span, list) or len(span) != RANGE_ENDS:
            raise c.error(key, f"expected a range [low, high], got {span!r}")
        if name in given:
            raise c.error(key, f"is also under {given[name]}: the analysis varies it over this range; give it in "
                               f"one place")
        low, high = (c.number(v, key, -math.inf, math.inf) for v in span)
        unc = _uncertainty(c, name, {"distribution": "uniform", "low": low, "high": high},
                           holder([exp.counterfactual, *exp.scenarios.values()], name)[0], exp.book, where=key)
        names.append(name)
        bounds.append((unc.low, unc.high))
    variable, select = _output(c, doc["output"], exp)
    return Sensitivity(method, samples, scenario, doc["output"], variable, select, names, bounds,
                       c.whole(doc.get("replicates", 1), "sensitivity.replicates", 1, MAX_REPLICATES),
                       c.whole(doc.get("noise_replicates", NOISE_REPLICATES), "sensitivity.noise_replicates",
                               MIN_NOISE_REPLICATES, MAX_REPLICATES))


def _output(c: FileChecker, text: object, exp: Experiment) -> tuple[str, dict[str, str]]:
    """``variable[dim=label, ...]``: a variable a pair keeps, narrowed to one number."""
    match = OUTPUT_NAME.match(text) if isinstance(text, str) else None
    if match is None:
        raise c.error("sensitivity.output", f"expected variable[dim=label, ...], got {text!r}")
    variable, inside = match["variable"], match["select"] or ""
    payees = outside_payees(exp)
    c.choice(variable, "sensitivity.output", (*KEPT, *DEMAND, *((RESULTS_PAID,) if payees else ())))
    cal = exp.counterfactual
    labels = {"agency": list(exp.book.agencies), "activity": [a.name for a in exp.book.activities],
              "year": [str(y) for y in output_years(cal["run.start_year"], cal["run.horizon_years"], exp.book.budget_year)],
              "payee": list(payees)}
    dims = _dims(variable)
    select = {}
    for part in filter(None, (p.strip() for p in inside.split(","))):
        dim, _, label = part.partition("=")
        dim, label = dim.strip(), label.strip()
        c.choice(dim, "sensitivity.output", dims)
        if dim in select:
            raise c.error("sensitivity.output", f"{text!r} names {dim!r} twice: choose one label of each dimension")
        c.choice(label, "sensitivity.output", labels[dim])
        select[dim] = int(label) if dim == "year" else label
    missing = [d for d in dims if d not in select and d not in SUMMED]
    if missing:
        raise c.error("sensitivity.output", f"choose one {missing[0]} (e.g. [{missing[0]}={labels[missing[0]][0]}])")
    return variable, select


def _dims(variable: str) -> tuple[str, ...]:
    """The dimensions a kept variable has (years and payees are summed over when not chosen)."""
    if variable in DEMAND:
        return ("year", "activity")
    if variable == RESULTS_PAID:
        return ("year", "payee")
    if variable.startswith("pv_"):
        return ("agency",)
    if variable.startswith("npv_"):
        return ()
    return ("year", "agency")


def output_of(results: xr.Dataset, s: Sensitivity) -> xr.DataArray:
    """The chosen number for every stored run (summed over years when no year is chosen)."""
    return summed(results[s.variable].sel(scenario=s.scenario).sel(s.select))


def summed(da: xr.DataArray) -> xr.DataArray:
    """An output narrowed to its choice, summed over the dimensions (``SUMMED``) it left unchosen."""
    left = [d for d in SUMMED if d in da.dims]
    return da.sum(left) if left else da


# ---------------------------------------------------------------- running
def sample(s: Sensitivity, seed: int) -> np.ndarray:
    problem = s.problem()
    if s.method == "sobol":
        problem.sample_sobol(s.samples, calc_second_order=False, seed=seed)
    else:
        problem.sample_morris(s.samples, num_levels=MORRIS_LEVELS, seed=seed)
    return np.asarray(problem.samples)


def analyse(s: Sensitivity, x: np.ndarray, y: np.ndarray, seed: int) -> xr.Dataset:
    """SALib's indices, by parameter (Sobol: S1, ST and their 95% confidence; Morris: mu*, sigma)."""
    problem = s.problem()
    problem.set_samples(x)
    problem.set_results(y)
    if s.method == "sobol":
        problem.analyze_sobol(calc_second_order=False, seed=seed)
        keys = ("S1", "S1_conf", "ST", "ST_conf")
    else:
        problem.analyze_morris(num_levels=MORRIS_LEVELS, seed=seed)
        keys = ("mu_star", "mu_star_conf", "sigma", "mu")
    res = problem.analysis
    out = xr.Dataset({k: ("parameter", np.asarray(res[k], float)) for k in keys}, coords={"parameter": list(s.names)})
    out.attrs.update(method=s.method, output=s.output, scenario=s.scenario, evaluations=len(y))
    return out


def sensitivity_experiment(exp: Experiment, s: Sensitivity, x: np.ndarray) -> Experiment:
    """The batch that evaluates the sample: one draw a sample point, only the chosen scenario."""
    uncertain = [Uncertainty(n, "uniform", {"low": lo, "high": hi}, lo, hi) for n, (lo, hi) in zip(s.names, s.bounds)]
    return replace(exp, scenarios={s.scenario: exp.scenarios[s.scenario]}, replicates=s.replicates, draws=len(x),
                   uncertainty=uncertain, fixed_table=x, same_seeds_for_draws=True)


def check_sensitivity(exp: Experiment, workers: int | None = None, allow_long: bool = False) -> None:
    """Before anything is submitted: the section, and every evaluation's pair as the batch checks them
    (including how long they would take with the noise check's runs)."""
    s = load_sensitivity(exp)
    batch = sensitivity_experiment(exp, s, sample(s, exp.seed))
    check_tasks(batch, tasks(batch), workers, allow_long, extra_pairs=NOISE_RUNS_A_REPLICATE * s.noise_replicates)


def run_sensitivity(exp: Experiment, out_dir: Path, workers: int | None = None, scheduler: str | None = None,
                    overwrite: bool = False, show: bool = True, task_fn=run_task) -> tuple[xr.Dataset, xr.Dataset]:
    """Sample, evaluate every point through the batch runner (a store of its own), analyse."""
    s = load_sensitivity(exp)
    x = sample(s, exp.seed)
    batch = sensitivity_experiment(exp, s, x)
    result = run_batch(batch, out_dir, workers, scheduler, overwrite, show=show, task_fn=task_fn,
                       store_name=f"{exp.path.stem}_sensitivity")
    if not result.complete:
        raise RunsFailed(f"{result.log}: {result.total - result.stored} evaluation(s) failed (the first: "
                            f"{result.first_error}); run the same command to retry them")
    y = output_of(open_results(result.store), s).mean("replicate").values
    return with_units(analyse(s, x, y, exp.seed), exp.book), \
        with_units(noise(batch, s, workers, scheduler, show, result.log), exp.book) if task_fn is run_task \
        else xr.Dataset()


# ---------------------------------------------------------------- what pairing buys
def unpaired(task: PairTask, other_seed: int) -> PairTask:
    """The pair unpaired: its counterfactual on another seed, what the comparison would be without CRN."""
    return replace(task, counterfactual_seed=other_seed, weekly=False)


def noise(exp: Experiment, s: Sensitivity, workers: int | None, scheduler: str | None, show: bool,
          log: Path | None = None) -> xr.Dataset:
    """The output's spread across replicates at the centre of the ranges, paired and unpaired (a run that
    fails: one line, its traceback appended to ``log``)."""
    centre = np.array([[(lo + hi) / HALVES for lo, hi in s.bounds]])
    point = replace(exp, replicates=s.noise_replicates, draws=1, fixed_table=centre)
    paired = tasks(point)
    apart = [unpaired(t, point.run_seed(0, (t.index[REPLICATE] + 1) % s.noise_replicates) ^ UNPAIRED_SALT) for t in paired]
    values: dict[str, list[float]] = {"paired": [], "unpaired": []}

    def keep(kind: str):
        def on_result(task, result: xr.Dataset) -> None:
            values[kind].append(float(summed(result[s.variable].sel(s.select))))
        return on_result

    def failed(task: PairTask, trace: str) -> None:
        line = f"noise check: scenario {task.scenario.name} seed {task.seed}: {error_line(trace)}"
        if log is not None:
            with open(log, "a") as f:
                f.write(f"{line}\n{trace}\n")
        raise RunsFailed(f"{line} (traceback in {log})")

    with dask_client(workers, scheduler) as client:
        map_tasks(client, run_task, paired, keep("paired"), failed, label="noise, paired", show=show)
        map_tasks(client, run_task, apart, keep("unpaired"), failed, label="noise, unpaired", show=show)
    sd = {k: float(np.std(v, ddof=1)) for k, v in values.items()}
    return xr.Dataset({"sd_paired": sd["paired"], "sd_unpaired": sd["unpaired"],
                       "variance_ratio": (sd["unpaired"] / sd["paired"]) ** SQUARED if sd["paired"] > 0 else math.inf},
                      attrs={"replicates": s.noise_replicates, "output": s.output})


UNPAIRED_SALT = 0x5DEECE66D  # another seed for the counterfactual: no common random numbers

