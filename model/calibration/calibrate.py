"""Fitting a scenario's free parameters to published targets: ``jrsim calibrate TARGETS.yaml``.

Differential evolution (scipy) over the free parameters' ranges; the loss of a candidate is the sum
over targets of ((simulated - published) / tolerance)^2, the simulated figure the mean of its runs on
the same seeds for every candidate (common random numbers: the loss moves only with the parameters).
A generation's candidates go to Dask workers at once (``map_tasks``). Every run is appended to a
record in the output folder as it returns, keyed by the exact parameter vector and seed, so the same
command resumes a stopped calibration and ends where an uninterrupted one would (DE is seeded, and a
recorded run gives what the run would). The evaluations whose every target is within its tolerance
are the accepted sets (a rejection sample, as approximate Bayesian computation takes), which a
batch's ``calibration:`` draws from.
"""
from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import xarray as xr
import yaml
from scipy.optimize import differential_evolution

from jrsim.calibration.files import DEFAULT_GENERATIONS, DEFAULT_POPSIZE, OUTPUTS, RECORD_SUFFIX  # noqa: F401 (named here too)
from jrsim.calibration.targets import Targets, compare, fit_table
from jrsim.core.errors import ScenarioError
from jrsim.core.paths import remove_entry
from jrsim.experiments.paired import PairTask, run_task, seeds_from
from jrsim.experiments.parameter_sets import write_sets
from jrsim.experiments.runner import dask_client, map_tasks
from jrsim.outputs.measures import headline
from jrsim.outputs.units import with_units
from jrsim.parameters.scenario import FROM_START, Params

if TYPE_CHECKING:
    from distributed import Client

FAILED_LOSS = 1e12  # a candidate the model refuses (a combination out of range): worse than any real fit
MIN_ACCEPTED = 10  # fewer sets within every tolerance than this: take the best by loss instead
FALLBACK_SHARE = 0.1  # ... the best tenth of the evaluations (and at least MIN_ACCEPTED)
CONVERGENCE = ("best_loss", "median_loss", "parameter_spread")  # by generation, in the evaluations file
WHERE = "jrsim calibrate"  # how an override from the fit is named in a message
SQUARED = 2  # the loss is a sum of squares (of each target's distance, in tolerances)


def run_key(x: np.ndarray, seed: int) -> str:
    """The exact parameter vector (its bytes) and the seed: equal keys, equal runs."""
    return f"{np.asarray(x, np.float64).tobytes().hex()}:{seed}"


def candidate_run(scenario: Params, names: Sequence[str], x: np.ndarray, seed: int) -> PairTask:
    """One run of one candidate on one seed, as a worker's task: the scenario alone (no pair), the
    candidate's values set on the worker, filed under its ``run_key``; a run the model refuses (a
    combination out of range) is a result, recorded as such."""
    return PairTask(run_key(x, seed), scenario, None, seed, measured, overrides=tuple(zip(names, map(float, x))),
                    overrides_from=WHERE, refused=refusal)


def measured(task: PairTask, run: xr.Dataset, _: None) -> dict:
    """calibrate's reduction, on the worker: the candidate's headline measures."""
    return {"measures": headline(run)}


def refusal(exc: ScenarioError) -> dict:
    """Why the model refused a candidate, as the record keeps it."""
    return {"error": str(exc)}


# ---------------------------------------------------------------- the record
KEY_PATTERN = re.compile(r"[0-9a-f]+:[0-9]+")  # run_key's form: the vector's bytes in hex, a colon, the seed
ENTRY_FIELDS = {"problem", "key", "result"}
LISTED = 3  # damaged lines named one by one in the note; the rest are counted
FIRST_RUN_LINE = 2  # line numbers as an editor shows them: line 1 is the header, the runs follow


class DamagedLine(ValueError):
    """A record line that is not a run this calibration wrote (the message says why)."""


def _not_finite(token: str) -> float:
    raise DamagedLine(f"holds {token}, not a finite number (a missing measure is written as null)")


def parse_entry(text: str, fingerprint: str) -> tuple[str, dict]:
    """One record line: its run's key and result, or DamagedLine saying what is wrong with it."""
    try:
        entry = json.loads(text, parse_constant=_not_finite)
    except json.JSONDecodeError as exc:
        raise DamagedLine(f"not a whole JSON line ({exc.msg}): cut short or overwritten") from None
    if not isinstance(entry, dict) or set(entry) != ENTRY_FIELDS:
        found = ", ".join(sorted(entry)) if isinstance(entry, dict) else type(entry).__name__
        raise DamagedLine(f"has {found or 'nothing'}, not the fields {', '.join(sorted(ENTRY_FIELDS))}")
    if entry["problem"] != fingerprint:
        raise DamagedLine("a run of another calibration (its problem is not this record's)")
    key, result = entry["key"], entry["result"]
    if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
        raise DamagedLine(f"'key' {key!r} is not a parameter vector and a seed")
    measures = result.get("measures") if isinstance(result, dict) and set(result) == {"measures"} else None
    if isinstance(measures, dict) and all(isinstance(k, str) and _is_measure(v) for k, v in measures.items()):
        return key, {"measures": {k: math.nan if v is None else float(v) for k, v in measures.items()}}
    if isinstance(result, dict) and set(result) == {"error"} and isinstance(result["error"], str):
        return key, result
    raise DamagedLine("'result' is neither a run's measures (numbers by name) nor the model's refusal (a text)")


def _is_measure(v: object) -> bool:
    return v is None or (isinstance(v, (int, float)) and not isinstance(v, bool))


def entry_line(fingerprint: str, key: str, result: dict) -> str:
    """A run as one JSON line: a measure that is not a finite number is null (strict JSON, and read back
    as NaN: a recorded run gives what the run gave)."""
    if "measures" in result:
        result = {"measures": {k: float(v) if math.isfinite(v) else None for k, v in result["measures"].items()}}
    return json.dumps({"problem": fingerprint, "key": key, "result": result}, allow_nan=False)


class Record:
    """Every run so far, one JSON line each after a header naming the problem (its fingerprint), each
    line tagged with it too. A line that is not a whole, well-formed run of this problem (cut short by a
    kill, overwritten, edited, copied from another record) is dropped with a note naming it, and its run
    computed again: a recorded run is a cache of a seeded run, so recomputing it gives what it held, and
    nothing the record could not vouch for reaches the fit. A header that is not this problem's refuses
    the record in one line (nothing in it can be placed)."""

    def __init__(self, path: Path, fingerprint: str):
        self.path, self.fingerprint, self.runs = path, fingerprint, {}
        self.dropped: list[str] = []  # 'line N (why)' for each damaged line dropped when the record was read
        if path.exists() and path.stat().st_size:
            self._read()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._rewrite([])

    def _read(self) -> None:
        try:
            lines = self.path.read_bytes().split(b"\n")
        except OSError as exc:
            raise ScenarioError(f"--out {self.path}: cannot read the calibration record ({exc.strerror or exc})") \
                from None
        try:
            header = json.loads(lines[0].decode())
        except (UnicodeDecodeError, ValueError):
            header = None
        if not isinstance(header, dict) or set(header) != {"fingerprint"}:
            raise ScenarioError(f"--out {self.path}: line 1 is not a calibration record's header; use another --out, "
                                f"or delete the file to start again")
        if header["fingerprint"] != self.fingerprint:
            raise ScenarioError(f"--out {self.path}: holds evaluations of a different calibration (another targets "
                                f"file, scenario or free parameters); use another --out, or delete it to start again")
        kept = []
        for number, raw in enumerate(lines[1:], start=FIRST_RUN_LINE):
            if not raw and number == len(lines):  # the newline ending the last line
                continue
            try:
                key, result = parse_entry(raw.decode(), self.fingerprint)
            except UnicodeDecodeError:
                self.dropped.append(f"line {number} (not text)")
            except DamagedLine as exc:
                self.dropped.append(f"line {number} ({exc})")
            else:
                self.runs[key] = result
                kept.append(raw.decode())
        if self.dropped:  # the record rewritten without them: appends start on a line of their own
            self._rewrite(kept)

    def _rewrite(self, lines: list[str]) -> None:
        """The header and ``lines``, written beside the record and moved over it whole."""
        partial = self.path.with_name(self.path.name + ".partial")
        remove_entry(partial)  # a link there is removed, never written through
        with open(partial, "x") as f:
            f.write("\n".join([json.dumps({"fingerprint": self.fingerprint}), *lines]) + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(partial, self.path)

    def note(self) -> str:
        """One line on the lines dropped, or nothing."""
        if not self.dropped:
            return ""
        more = len(self.dropped) - LISTED
        listed = "; ".join(self.dropped[:LISTED]) + (f"; and {more} more" if more > 0 else "")
        return (f"{self.path}: {len(self.dropped)} damaged line(s) dropped, their runs computed again: {listed}")

    def add(self, key: str, result: dict) -> None:
        line = entry_line(self.fingerprint, key, result)
        with open(self.path, "a") as f:
            f.write(line + "\n")
            f.flush()
            os.fsync(f.fileno())
        self.runs[key] = parse_entry(line, self.fingerprint)[1]  # as a later read gives it back


# ---------------------------------------------------------------- the fit
@dataclass
class Evaluation:
    generation: int
    x: np.ndarray
    simulated: np.ndarray  # by target, national
    loss: float


@dataclass
class Calibration:
    targets: Targets
    names: list[str]
    seed: int
    seeds: list[int]
    evaluations: list[Evaluation] = field(default_factory=list)
    convergence: list[dict] = field(default_factory=list)  # by generation
    message: str = ""
    computed: int = 0  # runs computed by this invocation (the rest came from the record)

    @property
    def best(self) -> Evaluation:
        return min(self.evaluations, key=lambda e: e.loss)  # the first of equals: the same whoever ran what

    def within(self, e: Evaluation) -> bool:
        return all(t.distance(s) <= 1.0 for t, s in zip(self.targets.targets, e.simulated))

    def rows(self, e: Evaluation | None = None) -> list[dict]:
        """The fit table's rows for one evaluation (the best by default)."""
        e = e or self.best
        measures = {t.measure: s * (self.scale if t.kind == "count" else 1.0) for t, s in zip(self.targets.targets,
                                                                                             e.simulated)}
        return compare(measures, self.scale, self.targets)

    @property
    def scale(self) -> float:
        return float(self.targets.scenario["run.scale"])


def loss_of(targets: Targets, simulated: np.ndarray) -> float:
    """Sum of squared distances in tolerances; a run without a measure or refused: FAILED_LOSS."""
    loss = float(sum(t.distance(s) ** SQUARED for t, s in zip(targets.targets, simulated)))
    return loss if math.isfinite(loss) else FAILED_LOSS


class Evaluator:
    """The map-like callable differential evolution is given: a whole population to Dask at once,
    recorded runs reused, each new run recorded as it returns."""

    def __init__(self, cal: Calibration, record: Record, cluster: Callable[[], Client], show: bool,
                 stop_after: int | None):
        self.cal, self.record, self.cluster, self.show, self.stop_after = cal, record, cluster, show, stop_after
        self.generation = 0

    def __call__(self, func: Callable, population: Sequence[np.ndarray]) -> list[float]:
        population = [np.asarray(x, np.float64) for x in population]
        runs = [self._run(x, s) for x in population for s in self.cal.seeds]
        todo = list({r.index: r for r in runs if r.index not in self.record.runs}.values())
        if todo:
            self._compute(todo)
        losses = [self._evaluate(x) for x in population]
        self._converged(population, losses)
        self.generation += 1
        return losses

    def _run(self, x: np.ndarray, seed: int) -> PairTask:
        return candidate_run(self.cal.targets.scenario, self.cal.names, x, seed)

    def _compute(self, todo: list[PairTask]) -> None:
        def failed(run: PairTask, trace: str) -> None:
            raise RuntimeError(f"a calibration run (seed {run.seed}) failed:\n{trace}")

        def done(run: PairTask, result: dict) -> None:
            self.record.add(run.index, result)
            self.cal.computed += 1

        left = None if self.stop_after is None else self.stop_after - self.cal.computed
        if left is not None and left <= 0:
            raise KeyboardInterrupt
        map_tasks(self.cluster(), run_task, todo, done, failed, label=f"generation {self.generation}", show=self.show,
                  stop_after=left)

    def _evaluate(self, x: np.ndarray) -> float:
        results = [self.record.runs[run_key(x, s)] for s in self.cal.seeds]
        targets = self.cal.targets
        if any("error" in r for r in results):
            simulated = np.full(len(targets.targets), np.nan)
        else:
            simulated = np.array([np.mean([t.simulated(r["measures"], self.cal.scale) for r in results])
                                  for t in targets.targets])
            _check_measured(targets, results[0]["measures"])
        loss = loss_of(targets, simulated)
        self.cal.evaluations.append(Evaluation(self.generation, x, simulated, loss))
        return loss

    def _converged(self, population: list[np.ndarray], losses: list[float]) -> None:
        """This generation's best loss so far and how spread the candidates it tried are."""
        widths = np.array([f.high - f.low for f in self.cal.targets.free])
        best = min(e.loss for e in self.cal.evaluations)
        self.cal.convergence.append({"generation": self.generation, "best_loss": best,
                                     "median_loss": float(np.median(losses)),
                                     "parameter_spread": float(np.mean(np.std(population, axis=0) / widths))})


def _check_measured(targets: Targets, measures: dict[str, float]) -> None:
    missing = [t for t in targets.targets if t.measure not in measures]
    if missing:
        t = missing[0]
        raise ScenarioError(f"{targets.path}: 'targets.{t.name}.measure': a run with these settings has no "
                            f"'{t.measure}' (proven reoffending needs a complete cohort: a longer run.horizon_years)")


def _never_called(x: np.ndarray) -> float:
    raise RuntimeError("candidates are evaluated through the Evaluator, a generation at a time")


def run_calibration(targets: Targets, out_dir: Path, stem: str, workers: int | None = None,
                    scheduler: str | None = None, generations: int = DEFAULT_GENERATIONS,
                    popsize: int = DEFAULT_POPSIZE, seed: int | None = None, show: bool = True,
                    stop_after: int | None = None) -> Calibration:
    """Fit the free parameters; ``stop_after`` stops after that many new runs, as Ctrl-C would."""
    seed = int(targets.scenario["run.seed"] if seed is None else seed)
    cal = Calibration(targets, [f.name for f in targets.free], seed, seeds_from(seed, targets.replicates))
    record = Record(out_dir / f"{stem}{RECORD_SUFFIX}", targets.fingerprint())
    if record.dropped and show:
        print(record.note(), flush=True)
    with ExitStack() as stack:
        clients: list[Client] = []

        def cluster() -> Client:  # started when a run is first needed: a fully recorded fit starts none
            if not clients:
                clients.append(stack.enter_context(dask_client(workers, scheduler)))
            return clients[0]

        result = differential_evolution(_never_called, [(f.low, f.high) for f in targets.free], maxiter=generations,
                                        popsize=popsize, rng=seed, updating="deferred", polish=False,
                                        workers=Evaluator(cal, record, cluster, show, stop_after))
    cal.message = str(result.message)
    return cal


# ---------------------------------------------------------------- accepted sets
def accepted(cal: Calibration) -> tuple[list[Evaluation], str]:
    """The distinct sets within every tolerance; too few: the best tenth by loss (at least MIN_ACCEPTED)."""
    distinct = list({e.x.tobytes(): e for e in cal.evaluations}.values())
    within = [e for e in distinct if cal.within(e)]
    if len(within) >= MIN_ACCEPTED:
        return within, "every target within its tolerance"
    n = min(len(distinct), max(MIN_ACCEPTED, math.ceil(FALLBACK_SHARE * len(distinct))))
    best = sorted(distinct, key=lambda e: e.loss)[:n]
    return best, (f"only {len(within)} set(s) had every target within its tolerance (fewer than {MIN_ACCEPTED}): "
                  f"the best {n} of {len(distinct)} by loss instead")


# ---------------------------------------------------------------- outputs
def convergence_table(cal: Calibration) -> str:
    lines = ["| generation | best loss | median loss | parameter spread |", "| --- | --- | --- | --- |"]
    lines += [f"| {c['generation']} | {c['best_loss']:.3f} | {c['median_loss']:.3f} | {c['parameter_spread']:.3f} |"
              for c in cal.convergence]
    return "\n".join(lines)


def best_table(cal: Calibration) -> str:
    lines = ["| parameter | low | high | best | accepted range |", "| --- | --- | --- | --- | --- |"]
    sets, _ = accepted(cal)
    for j, f in enumerate(cal.targets.free):
        values = [e.x[j] for e in sets]
        lines.append(f"| {f.name} | {f.low:.4g} | {f.high:.4g} | {cal.best.x[j]:.4g} | "
                     f"{min(values):.4g} - {max(values):.4g} |")
    return "\n".join(lines)


def reproduce_command(cal: Calibration, calibrated: Path) -> str:
    settings = " ".join(f"--set {k}={cal.targets.scenario[k]}" for k in ("run.scale", "run.horizon_years",
                                                                          "run.warmup_years"))
    return f"jrsim run {calibrated} {settings} --seed {cal.seeds[0]}"


def fit_report(cal: Calibration, stem: str) -> str:
    sets, rule = accepted(cal)
    return "\n\n".join([
        f"# Calibration: {cal.targets.path.name} ({stem})",
        f"Best of {len(cal.evaluations)} evaluations (loss {cal.best.loss:.3f}); {len(sets)} accepted set(s): {rule}. "
        f"Settings: run.scale {cal.scale:g}, run.horizon_years {cal.targets.scenario['run.horizon_years']}, "
        f"run.warmup_years {cal.targets.scenario['run.warmup_years']}, seeds {cal.seeds}.",
        fit_table(cal.rows(), "simulated (best set)"), best_table(cal), convergence_table(cal),
        f"differential_evolution: {cal.message}"])


def calibrated_scenario(cal: Calibration, stem: str, out_dir: Path) -> dict:
    """A scenario file: the calibrated values over the scenario, from the start of the run."""
    base = Path(cal.targets.scenario.files[-1])
    note = (f"calibrated by jrsim calibrate {cal.targets.path.name} on {date.today().isoformat()}: best of "
            f"{len(cal.evaluations)} evaluations, loss {cal.best.loss:.4g}; fit table in {stem}_fit.md")
    leaves = {f.name: {"value": float(v), "unit": cal.targets.scenario.meta[f.name].get("unit", ""), "assumption": note}
              for f, v in zip(cal.targets.free, cal.best.x)}
    return {"name": f"{cal.targets.scenario.name} calibrated", "base": base_path(base, out_dir),
            "starts": FROM_START,
            "description": f"{cal.targets.scenario.name} with its free parameters fitted to {cal.targets.path}; "
                           f"reproduce the fit table with: {reproduce_command(cal, out_dir / (stem + OUTPUTS[1]))}",
            "set": leaves}


def base_path(base: Path, out_dir: Path) -> str:
    """The base as the calibrated file names it: relative to the output folder when both lie in one tree
    (the pair can move together), else absolute."""
    base, out_dir = base.resolve(), out_dir.resolve()
    shared = os.path.commonpath([base, out_dir])
    return os.path.relpath(base, out_dir) if shared != os.path.sep else str(base)


def evaluations_dataset(cal: Calibration) -> xr.Dataset:
    accepted_keys = {e.x.tobytes() for e in accepted(cal)[0]}
    evs, names = cal.evaluations, [t.name for t in cal.targets.targets]
    ds = xr.Dataset({
        "value": (("evaluation", "parameter"), np.array([e.x for e in evs])),
        "simulated": (("evaluation", "target"), np.array([e.simulated for e in evs])),
        "published": ("target", [t.value for t in cal.targets.targets]),
        "tolerance": ("target", [t.tolerance for t in cal.targets.targets]),
        "loss": ("evaluation", [e.loss for e in evs]),
        "generation": ("evaluation", [e.generation for e in evs]),
        "accepted": ("evaluation", np.array([e.x.tobytes() in accepted_keys for e in evs], np.int8)),
        **{k: ("step", [c[k] for c in cal.convergence]) for k in CONVERGENCE},
    }, coords={"evaluation": np.arange(len(evs)), "parameter": cal.names, "target": names,
               "step": [c["generation"] for c in cal.convergence]})
    ds["step"].attrs["meaning"] = "the generation the convergence figures are for (0: the initial population)"
    ds["accepted"].attrs["meaning"] = "1: the evaluation's parameter set is among the accepted sets"
    ds.attrs.update(targets=str(cal.targets.path), seed=cal.seed, message=cal.message, rule=accepted(cal)[1])
    return with_units(ds, meta=cal.targets.scenario.meta, targets=cal.targets.targets)


def write_outputs(cal: Calibration, stem: str, paths: dict[str, Path], out_dir: Path) -> str:
    """Write the set's four files where ``paths`` says (by suffix); returns the fit report."""
    report = fit_report(cal, stem)
    paths["_fit.md"].write_text(report + "\n")
    paths["_calibrated.yaml"].write_text(yaml.safe_dump(calibrated_scenario(cal, stem, out_dir), sort_keys=False,
                                                        width=float("inf")))
    evaluations_dataset(cal).to_netcdf(paths["_evaluations.nc"])
    sets, rule = accepted(cal)
    write_sets(paths["_accepted.nc"], cal.names, np.array([e.x for e in sets]), np.array([e.loss for e in sets]),
               {"rule": rule, "targets": str(cal.targets.path), "scenario": cal.targets.scenario.files[-1]},
              cal.targets.scenario.meta)
    return report
