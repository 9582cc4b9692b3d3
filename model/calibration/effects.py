"""Service effects replayed the way their evaluations measured them, and fitted so the replay matches.

    python -m jrsim.calibration.effects [--fit] [--workers N] [--only SERVICE ...]

``calibration/evaluations.yaml`` holds, for each service, the evaluation its effect comes from (the
relative reduction in participants' one-year proven reoffending, its 95% interval, and where the window
starts). A replay runs the baseline and the baseline with that service on one seed (a pair), then
compares the participants with themselves in the counterfactual (``jrsim.outputs.evaluation.replay``).
``--fit`` finds the hazard effect whose replay gives the reported relative reduction (Brent's method on
paired runs: the same seed at every trial, so the replay moves only with the effect); the fitted values
belong in ``scenarios/baseline.yaml``. Pairs run on Dask workers, one service a task.
"""
from __future__ import annotations

import argparse
import tempfile
from dataclasses import dataclass
from pathlib import Path

import xarray as xr
import yaml
from scipy import optimize

from jrsim import engine
from jrsim.calibration.targets import INTERVAL_ENDS
from jrsim.core.errors import ScenarioError
from jrsim.data import CALIBRATION, shipped
from jrsim.experiments.runner import dask_client, map_tasks
from jrsim.outputs.evaluation import COUNTED_FROM, replay
from jrsim.parameters.files import read_mapping
from jrsim.parameters.library import BASELINE, library_file
from jrsim.parameters.schema import FileChecker

EVALUATIONS_FILE = shipped(CALIBRATION) / "evaluations.yaml"
EVIDENCE = ("justice-data-lab", "matched-comparison", "meta-analysis", "before-after", "proxy", "none")
KEYS = ("capacity", "counted_from", "relative_reduction", "interval", "evidence", "source", "year")
REPLAY_KEYS = ("run.scale", "run.horizon_years", "run.warmup_years", "seed")
EFFECT_RANGE = (0.0, 0.95)  # a hazard cut of 95% at most: the fit's bracket
EFFECT_TOLERANCE = 0.005  # the fit stops when the effect is known to half a percentage point
SLOPE_STEP = 0.1  # how far the effect is moved to see how fast the replayed reduction moves with it
Z95 = 1.96  # a 95% interval is 1.96 standard errors either side
MAX_CAPACITY = 1e7  # places in an evaluated service: beyond any national programme (catches a slip of units)
EVALUATION_YEARS = (1900, 2100)  # the year an evaluation's figure is for: any plausible year (catches a typo)
# The replay table's columns, in order.
TABLE_COLUMNS = ("service", "evidence", "counted from", "effect (hazard)", "participants", "rate without",
                 "rate with", "replayed reduction", "reported", "95% interval", "within")


@dataclass(frozen=True)
class Evaluation:
    service: str
    capacity: float
    counted_from: str
    relative_reduction: float
    interval: tuple[float, float]
    evidence: str
    source: str
    year: int

    def within(self, value: float) -> bool:
        return self.interval[0] <= value <= self.interval[1]


def load_evaluations(path: Path = EVALUATIONS_FILE) -> tuple[dict, dict[str, Evaluation]]:
    """The replay settings and every evaluation, checked (one line naming the file and key)."""
    doc = read_mapping(path)
    c = FileChecker(str(path))
    c.mapping(doc, "", required=("replay", "evaluations"))
    settings = c.mapping(doc["replay"], "replay", required=REPLAY_KEYS)
    out = {}
    for name, spec in c.mapping(doc["evaluations"], "evaluations").items():
        where = f"evaluations.{name}"
        spec = c.mapping(spec, where, required=KEYS)
        low, high = (c.number(v, f"{where}.interval", -1.0, 1.0) for v in _pair(c, spec["interval"], where))
        if low > high:
            raise c.error(f"{where}.interval", f"low ({low:g}) is above high ({high:g})")
        if not str(spec["source"]).strip():
            raise c.error(f"{where}.source", "every evaluation says where its figure comes from")
        out[name] = Evaluation(name, c.number(spec["capacity"], f"{where}.capacity", 1.0, MAX_CAPACITY),
                               c.choice(spec["counted_from"], f"{where}.counted_from", COUNTED_FROM),
                               c.number(spec["relative_reduction"], f"{where}.relative_reduction", -1.0, 1.0),
                               (low, high), c.choice(spec["evidence"], f"{where}.evidence", EVIDENCE),
                               str(spec["source"]), c.whole(spec["year"], f"{where}.year", *EVALUATION_YEARS))
    return settings, out


def _pair(c: FileChecker, value, where: str):
    if not isinstance(value, list) or len(value) != INTERVAL_ENDS:
        raise c.error(f"{where}.interval", f"expected [low, high], got {value!r}")
    return value


@dataclass(frozen=True)
class ReplayTask:
    evaluation: Evaluation
    settings: dict
    effect: float | None  # None: the baseline's own value
    fit: bool = False


def replay_one(ev: Evaluation, settings: dict, effect: float | None = None) -> xr.Dataset:
    """One pair: the baseline, and the baseline with the service at the evaluation's capacity."""
    run = {k: v for k, v in settings.items() if k != "seed"} | {"run.evaluation_log": True}
    name = f"services.{ev.service}"
    # Both arms are policies from the first output year (identical before it): the counterfactual
    # closes the service (the status quo may hold a few places), the scenario opens it at the capacity.
    without = {f"{name}.capacity": 0, f"{name}.budget_per_year": 0}
    with_service = {f"{name}.capacity": ev.capacity} | ({} if effect is None else {f"{name}.effect": float(effect)})
    counterfactual, scenario = (_derived(ev.service, label, policy, run)
                                for label, policy in (("without", without), ("with", with_service)))
    cf, sc = engine.run_pair(counterfactual, scenario, int(settings["seed"]))
    out = replay(cf, sc, ev.service, ev.counted_from)
    out.attrs["effect"] = float(scenario[f"{name}.effect"] if effect is None else effect)
    return out


def _derived(service: str, label: str, policy: dict, run: dict):
    """The baseline with ``policy`` from the first output year (a derived file, as a user writes one)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"replay_{service}_{label}.yaml"
        path.write_text(yaml.safe_dump({"name": f"replay_{service}_{label}", "base": str(library_file(BASELINE)),
                                        "set": policy}))
        return engine.load(path, run)


def fit_one(ev: Evaluation, settings: dict) -> xr.Dataset:
    """The hazard effect whose replay gives the reported relative reduction (clipped to the bracket)."""
    def gap(effect: float) -> float:
        return float(replay_one(ev, settings, effect)["relative_reduction"]) - ev.relative_reduction

    low, high = EFFECT_RANGE
    g_low, g_high = gap(low), gap(high)
    if g_low >= 0:
        best = low
    elif g_high <= 0:
        best = high
    else:
        best = optimize.brentq(gap, low, high, xtol=EFFECT_TOLERANCE)
    out = replay_one(ev, settings, best)
    out.attrs["effect"] = float(best)
    out.attrs["effect_se"] = effect_se(ev, settings, best, float(out["relative_reduction"]))
    return out


def effect_se(ev: Evaluation, settings: dict, effect: float, replayed: float) -> float:
    """The evaluation's standard error carried to the hazard effect: its interval's half-width over
    1.96, divided by how fast the replayed reduction moves with the effect there (one more pair)."""
    step = SLOPE_STEP if effect + SLOPE_STEP <= EFFECT_RANGE[1] else -SLOPE_STEP
    moved = float(replay_one(ev, settings, effect + step)["relative_reduction"])
    slope = (moved - replayed) / step
    se = (ev.interval[1] - ev.interval[0]) / (INTERVAL_ENDS * Z95)
    return float(se / slope) if slope > 0 else float("nan")


def run_task(task: ReplayTask) -> xr.Dataset:
    if task.fit:
        return fit_one(task.evaluation, task.settings)
    return replay_one(task.evaluation, task.settings, task.effect)


def replay_all(evaluations: dict[str, Evaluation], settings: dict, fit: bool = False,
               workers: int | None = None) -> dict[str, xr.Dataset]:
    tasks = [ReplayTask(ev, settings, None, fit) for ev in evaluations.values()]
    results: dict[str, xr.Dataset] = {}

    def failed(task: ReplayTask, trace: str) -> None:
        raise ScenarioError(f"replay of {task.evaluation.service} failed:\n{trace}")

    with dask_client(workers) as client:
        map_tasks(client, run_task, tasks, lambda t, r: results.__setitem__(t.evaluation.service, r), failed,
                  label="replays")
    return {name: results[name] for name in evaluations}


def table(evaluations: dict[str, Evaluation], results: dict[str, xr.Dataset]) -> str:
    """Markdown: reported against replayed, service by service."""
    lines = ["| " + " | ".join(TABLE_COLUMNS) + " |", "|" + " --- |" * len(TABLE_COLUMNS)]
    for name, ev in evaluations.items():
        r = results[name]
        rr = float(r["relative_reduction"])
        se = r.attrs.get("effect_se")
        effect = f"{r.attrs['effect']:.3f}" + (f" ± {se:.3f}" if se is not None else "")
        lines.append(f"| {name} | {ev.evidence} | {ev.counted_from.replace('_', ' ')} | {effect} | "
                     f"{int(r['participants'])} | {float(r['rate_without_service']):.3f} | "
                     f"{float(r['rate_with_service']):.3f} | {rr:.3f} ± {float(r['relative_reduction_se']):.3f} | "
                     f"{ev.relative_reduction:.3f} | [{ev.interval[0]:.3f}, {ev.interval[1]:.3f}] | "
                     f"{'yes' if ev.within(rr) else 'NO'} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fit", action="store_true", help="fit each effect to its evaluation")
    ap.add_argument("--only", nargs="*", help="these services only")
    ap.add_argument("--workers", type=int, default=None)
    a = ap.parse_args()
    settings, evaluations = load_evaluations()
    if a.only:
        evaluations = {k: v for k, v in evaluations.items() if k in a.only}
    results = replay_all(evaluations, settings, a.fit, a.workers)
    print(table(evaluations, results))


if __name__ == "__main__":
    main()
