"""jrsim calibrate: fit free parameters to published figures; accepted sets for batches."""
from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Optional

import typer

from jrsim.calibration.files import DEFAULT_GENERATIONS, DEFAULT_POPSIZE, OUTPUTS, RECORD_SUFFIX
from jrsim.cli.inputs import SCHEDULER, WORKERS, cluster_options, options, settings_of
from jrsim.cli.sequence import Failure, write_set
from jrsim.cli.terminal import console
from jrsim.core.constants import MAX_SEED
from jrsim.experiments.runner import error_line
from jrsim.reporting.output_set import OutputSet

MAX_GENERATIONS = 10_000
MAX_POPSIZE = 1_000


def calibrate(targets_file: Path = typer.Argument(..., help="targets YAML: published figures and a calibrate: section"),
              params: Optional[str] = typer.Option(None, "--params", help="fit only these free parameters: NAME,NAME"),
              workers: Optional[int] = WORKERS,
              scheduler: Optional[str] = SCHEDULER,
              out_dir: Path = typer.Option(Path("out"), "--out", help="folder for the record, fit and accepted sets"),
              generations: int = typer.Option(DEFAULT_GENERATIONS, min=1, max=MAX_GENERATIONS,
                                              help="differential evolution's generations at most"),
              popsize: int = typer.Option(DEFAULT_POPSIZE, min=1, max=MAX_POPSIZE,
                                          help="candidates a generation, per free parameter"),
              seed: Optional[int] = typer.Option(None, min=0, max=MAX_SEED,
                                                 help="the fit's and the runs' seed (default: run.seed)"),
              scale: Optional[float] = typer.Option(None, help="run.scale (default: the file's settings)")):
    """Fit free parameters to published targets (differential evolution on Dask); resumable."""
    # imported when the command runs, not when the command line is read: `jrsim --help` starts at once
    from jrsim import engine
    from jrsim.calibration.calibrate import run_calibration, write_outputs
    from jrsim.calibration.targets import load_targets
    workers = cluster_options(scheduler, workers)
    targets = load_targets(targets_file, options(scale=scale)).fittable()  # --scale before the size check
    if params is not None:
        targets = targets.only([p.strip() for p in params.split(",")])
    engine.check_inputs(targets.scenario)  # before any worker starts
    stem = targets_file.stem
    settings = settings_of("calibrate", targets=targets_file.resolve(), params=[f.name for f in targets.free],
                           generations=generations, popsize=popsize, seed=seed, scale=targets.scenario["run.scale"])
    inputs = [targets.path, *(Path(f) for f in targets.scenario.files)]
    out = OutputSet(out_dir, stem, "calibrate", settings, inputs, OUTPUTS, overwrite=True)
    started = time.perf_counter()

    def work(out: OutputSet):
        cal = run_calibration(targets, out_dir, stem, workers, scheduler, generations, popsize, seed)
        return cal, write_outputs(cal, stem, {s: out.path(s) for s in OUTPUTS}, out_dir)

    def failed_run(exc: RuntimeError) -> Failure:
        """A run raised on a worker: "a calibration run (seed N) failed:\\n<traceback>"."""
        head, _, trace = str(exc).partition("\n")
        seed_of = re.search(r"seed (\d+)", head)
        return (f"scenario {targets.scenario.name} seed {seed_of[1] if seed_of else '?'}: {error_line(trace or head)}",
                trace or head)

    record = out_dir / f"{stem}{RECORD_SUFFIX}"
    cal, report = write_set(out, work, failure=failed_run,
                            interrupted=f"the runs so far are kept in {record}; run the same command to resume")
    console.print(report)
    console.print(f"{cal.computed} run(s) computed, {len(cal.evaluations) * len(cal.seeds) - cal.computed} taken "
                  f"from {record} ({time.perf_counter() - started:.0f} s)")
    console.print("outputs: " + ", ".join(str(out.final(s)) for s in OUTPUTS))
