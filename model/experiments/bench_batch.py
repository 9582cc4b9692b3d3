"""Batch figures for ``make bench``: paired runs per minute with 1 and 2 workers, the runner's
overhead against calling the model directly, what the shared warm-up saves, the store's size per
run, a worker's peak memory, the time of the shipped sensitivity experiment, and the cost of a
calibration (``jrsim calibrate`` of the shipped targets as docs/research/calibration.md runs it, on 2 workers: one
generation, and the whole fit).

    python -m jrsim.experiments.bench_batch [--pairs 6] [--scales 0.01 0.25] [--generations 4]
"""
from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from jrsim import engine
from jrsim.core.constants import KIB
from jrsim.data import CALIBRATION, shipped
from jrsim.experiments.batch import run_task, tasks
from jrsim.experiments.experiment import load_experiment, resolve_experiment
from jrsim.experiments.runner import dask_client, map_tasks
from jrsim.experiments.sensitivity import run_sensitivity
from jrsim.experiments.store import Store

SECONDS_PER_MINUTE = 60
# The calibration docs/research/calibration.md shows: the shipped targets' eight free parameters, two candidates each.
CALIBRATION_POPSIZE, CALIBRATION_GENERATIONS, CALIBRATION_WORKERS = 2, 4, 2
# What `make bench` runs: six pairs at a small scale (where the runner's own cost shows) and at a quarter
# of England and Wales, on one worker and on two (the speed-up a second core gives).
DEFAULT_PAIRS, DEFAULT_SCALES, WORKERS = 6, (0.01, 0.25), (1, 2)


def experiment_file(folder: Path, scale: float, pairs: int) -> Path:
    path = folder / f"bench_{scale:g}.yaml"
    path.write_text(f"name: bench\ncounterfactual: baseline\nscenarios: [justice_reinvestment]\nreplicates: {pairs}\n"
                    f"seed: 1\nset: {{run.scale: {scale}, run.horizon_years: 5, run.warmup_years: 3}}\n")
    return path


def worker_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / KIB


def timed_batch(path: Path, workers: int, folder: Path) -> dict:
    """Pairs through the runner (Dask workers, results written to a store), timed from submission."""
    exp = load_experiment(path)
    todo = tasks(exp)
    store = Store(folder / f"{path.stem}_{workers}.zarr", exp.fingerprint(),
                  {"scenario": list(exp.scenarios), "draw": [0], "replicate": list(range(exp.replicates))}, True)

    def write(task, result):
        if not store.laid_out:
            store.layout(result, result[[]])
        store.write(task.index, result)

    with dask_client(workers) as client:
        started = time.perf_counter()
        map_tasks(client, run_task, todo, write, lambda t, e: print(e), show=False)
        seconds = time.perf_counter() - started
        peaks = client.run(worker_peak_mb)
    size = sum(p.stat().st_size for p in store.path.rglob("*") if p.is_file())
    return {"seconds": seconds, "pairs": len(todo), "per_minute": len(todo) / seconds * SECONDS_PER_MINUTE,
            "worker_peak_mb": max(peaks.values()), "store_kb_per_run": size / len(todo) / KIB}


def direct(path: Path) -> float:
    """The same pairs called in this process, one after the other: the floor the runner is measured on."""
    started = time.perf_counter()
    for task in tasks(load_experiment(path)):
        run_task(task)
    return time.perf_counter() - started


def shared_warm_up(path: Path) -> tuple[float, float]:
    """A pair with the warm-up shared, and the two runs separately."""
    exp = load_experiment(path)
    cf, sc = exp.counterfactual, next(iter(exp.scenarios.values()))
    started = time.perf_counter()
    engine.run_pair(cf, sc, 1)
    shared = time.perf_counter() - started
    started = time.perf_counter()
    engine.run(cf, 1)
    engine.run(sc, 1)
    return shared, time.perf_counter() - started


def timed_calibration(out: Path, generations: int) -> float:
    """``jrsim calibrate`` of the shipped targets into ``out``, timed whole. Run as the command: the
    calibration layer sits above this one."""
    targets = shipped(CALIBRATION) / "targets.yaml"  # read by path: calibration is a layer above
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "jrsim", "calibrate", str(targets), "--workers", str(CALIBRATION_WORKERS),
                    "--popsize", str(CALIBRATION_POPSIZE), "--generations", str(generations), "--out", str(out)],
                   check=True, capture_output=True)
    return time.perf_counter() - started


def calibration_cost(folder: Path, generations: int) -> None:
    """The whole fit from nothing recorded, then the same command again (every run taken from the record,
    no workers started: the command's own cost); a generation is the difference over the populations."""
    full = timed_calibration(folder / "calibrate", generations)
    overhead = timed_calibration(folder / "calibrate", generations)
    per = (full - overhead) / (generations + 1)  # the initial population and each generation
    print(f"calibration of the shipped targets (popsize {CALIBRATION_POPSIZE}: that many runs a generation per free "
          f"parameter, {CALIBRATION_WORKERS} workers): the whole fit ({generations} generations after the initial "
          f"population) {full:.0f} s, of which {overhead:.0f} s the command itself (a rerun, all recorded); one "
          f"generation {per:.0f} s")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=DEFAULT_PAIRS)
    ap.add_argument("--scales", type=float, nargs="*", default=list(DEFAULT_SCALES))
    ap.add_argument("--sensitivity", default="flagship_sensitivity")
    ap.add_argument("--generations", type=int, default=CALIBRATION_GENERATIONS)
    a = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="jrsim-bench-"))
    try:
        print(f"{'scale':>6s} {'workers':>7s} {'pairs':>5s} {'seconds':>8s} {'pairs/min':>9s} {'worker MB':>9s} "
              f"{'store kB/run':>12s}")
        for scale in a.scales:
            path = experiment_file(folder, scale, a.pairs)
            rows = {w: timed_batch(path, w, folder) for w in WORKERS}
            one, more = (rows[w] for w in WORKERS)
            for w, r in rows.items():
                print(f"{scale:>6g} {w:>7d} {r['pairs']:>5d} {r['seconds']:>8.1f} {r['per_minute']:>9.1f} "
                      f"{r['worker_peak_mb']:>9.0f} {r['store_kb_per_run']:>12.1f}")
            floor = direct(path)
            shared, apart = shared_warm_up(path)
            print(f"  scale {scale:g}: speed-up with {WORKERS[-1]} workers {one['seconds'] / more['seconds']:.2f}x; "
                  f"runner overhead per run ({WORKERS[0]} worker vs direct) {(one['seconds'] / floor - 1):+.1%}; "
                  f"shared warm-up: a pair in {shared:.1f} s against {apart:.1f} s for the two runs apart "
                  f"({1 - shared / apart:.0%} saved)")
        exp = load_experiment(resolve_experiment(a.sensitivity))
        started = time.perf_counter()
        si, noise = run_sensitivity(exp, folder / "sensitivity", show=False)
        print(f"shipped sensitivity experiment ({a.sensitivity}, {si.attrs['evaluations']} evaluations, "
              f"{si.attrs['method']}): {time.perf_counter() - started:.0f} s on every core; paired noise variance "
              f"{float(noise['variance_ratio']):,.0f}x lower than unpaired")
        calibration_cost(folder, a.generations)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
