"""Published targets, how far a run is from them, and what a calibration may change to meet them.

    targets:
      reoffending_rate_all_adults:         # a target's name (its measure by default)
        measure: reoffending_rate_all_adults   # a key of jrsim.outputs.measures.headline()
        value: 0.256                       # national; with a tolerance (absolute)...
        tolerance: 0.025
        # interval: [0.231, 0.281]         # ...or an interval instead of value and tolerance
        kind: rate                         # rate, or count (national: a run's count is divided by run.scale)
        source: "MoJ Proven re-offending statistics, July 2013"
        year: 2011                         # the year the figure is for
        definition: "adults proven to reoffend within a year (and six months to court) of ..."
    calibrate:                             # what jrsim calibrate fits (optional)
      scenario: baseline                   # a shipped scenario's name, or a file beside this one
      settings: {run.scale: 0.02, run.horizon_years: 3, run.warmup_years: 2}
      replicates: 1                        # seeds an evaluation averages over (the same for every candidate)
      free:                                # numbers the fit may move, in the file's units, with why
        offending.rate_multiplier: {low: 3.0, high: 6.0, reason: "..."}

Checked with ``FileChecker``: every problem is one line naming the file and the key.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from jrsim import engine
from jrsim.core.constants import FIRST_YEAR, LAST_YEAR
from jrsim.core.errors import ScenarioError
from jrsim.data import CALIBRATION, shipped
from jrsim.experiments.experiment import COST_PREFIX, numeric_range, scenario_named
from jrsim.outputs.measures import MEASURES
from jrsim.parameters.files import read_mapping
from jrsim.parameters.library import BASELINE
from jrsim.parameters.scenario import Params
from jrsim.parameters.schema import FileChecker, did_you_mean

TARGETS_FILE = shipped(CALIBRATION) / "targets.yaml"
KINDS = ("rate", "count")
TARGET_KEYS = ("measure", "value", "tolerance", "interval", "kind", "source", "year", "definition")
TARGET_REQUIRED = ("kind", "source", "year", "definition")
CALIBRATE_KEYS = ("scenario", "settings", "replicates", "free")
FREE_KEYS = ("low", "high", "reason")
MAX_REPLICATES = 100
SETTINGS_KEY = "calibrate.settings"  # the calibration's settings for every run
COUNT_FROM = 100  # published figures from this size are shown as whole numbers, smaller ones to 3 places
INTERVAL_ENDS = 2  # an interval is [low, high]: its midpoint is their mean, its half-width the tolerance


@dataclass(frozen=True)
class Target:
    name: str
    measure: str
    value: float  # national; an interval's midpoint
    tolerance: float  # absolute; an interval's half-width
    kind: str
    source: str
    year: int
    definition: str
    interval: tuple[float, float] | None = None

    def simulated(self, measures: dict[str, float], scale: float) -> float:
        """The run's figure for this target, national (NaN if the run has no such measure)."""
        return measures.get(self.measure, np.nan) / (scale if self.kind == "count" else 1.0)

    def distance(self, simulated: float) -> float:
        """How far from the published figure, in tolerances (within: at most 1)."""
        return abs(simulated - self.value) / self.tolerance


@dataclass(frozen=True)
class Free:
    """A number the fit may move, between low and high (in the scenario file's units)."""

    name: str
    low: float
    high: float
    reason: str


@dataclass
class Targets:
    path: Path
    targets: list[Target]
    scenario: Params | None = None  # the calibrate: section's scenario, with its settings
    free: list[Free] | None = None
    replicates: int = 1

    def only(self, names: list[str]) -> Targets:
        """The same problem fitting only some of the free parameters (``--params``)."""
        known = [f.name for f in self.free or []]
        for name in names:
            if name not in known:
                raise ScenarioError(f"--params: '{name}' is not a free parameter of {self.path}"
                                    f"{did_you_mean(name, known)}; free there: {known}")
        return replace(self, free=[f for f in self.free if f.name in names])

    def fittable(self) -> Targets:
        """These targets, if the file says what to fit (a ``calibrate:`` section)."""
        if self.free is None:
            raise ScenarioError(f"{self.path}: 'calibrate': missing: name the scenario and the free parameters "
                                f"with their ranges (calibrate: {{free: {{NAME: {{low: , high: , reason: }}}}}})")
        return self

    def with_scale(self, scale: float | None, option: str = "--scale") -> Targets:
        """The problem at another run.scale (a count target is compared per run.scale, so still national)."""
        if scale is None:
            return self
        scenario = self.scenario.with_overrides({"run.scale": scale}, where=option)
        engine.check_inputs(scenario)
        return replace(self, scenario=scenario)

    def fingerprint(self) -> str:
        """What an evaluation's result depends on: the targets file, the scenario's files and values (with
        the settings and options), the free parameters' names."""
        digest = hashlib.sha256(self.path.read_bytes())
        for f in self.scenario.files if self.scenario else ():
            digest.update(Path(f).read_bytes())
        digest.update(repr(sorted(self.scenario.values.items()) if self.scenario else None).encode())
        digest.update(repr([f.name for f in self.free or []]).encode())
        return digest.hexdigest()


def load_targets(path: Path = TARGETS_FILE, options: dict[str, tuple[str, Any]] | None = None) -> Targets:
    """A targets file; ``options`` (option -> (parameter, value or None), as ``engine.load`` takes them)
    act on its scenario before the scenario's checks, so ``--scale`` can make a run small enough to fit."""
    path = Path(path)
    doc = read_mapping(path)
    c = FileChecker(str(path))
    c.mapping(doc, "", required=("targets",), optional=("calibrate",))
    targets = [_target(c, name, spec) for name, spec in c.mapping(doc["targets"], "targets").items()]
    if not targets:
        raise c.error("targets", "name at least one published figure")
    out = Targets(path.resolve(), targets)
    return _calibrate(c, path, doc["calibrate"], out, options) if "calibrate" in doc else out


def _target(c: FileChecker, name: str, spec: Any) -> Target:
    key = f"targets.{name}"
    spec = c.mapping(spec, key, required=TARGET_REQUIRED, optional=[k for k in TARGET_KEYS if k not in TARGET_REQUIRED])
    measure = c.choice(spec.get("measure", name), f"{key}.measure", MEASURES)
    if "interval" in spec:
        if "value" in spec or "tolerance" in spec:
            raise c.error(f"{key}.interval", "give either value and tolerance or an interval, not both")
        span = spec["interval"]
        if not isinstance(span, list) or len(span) != INTERVAL_ENDS:
            raise c.error(f"{key}.interval", f"expected [low, high], got {span!r}")
        low, high = (c.number(v, f"{key}.interval", -np.inf, np.inf) for v in span)
        if low >= high:
            raise c.error(f"{key}.interval", f"low ({low:g}) must be below high ({high:g})")
        value, tolerance, interval = (low + high) / INTERVAL_ENDS, (high - low) / INTERVAL_ENDS, (low, high)
    else:
        for needed in ("value", "tolerance"):
            if needed not in spec:
                raise c.error(f"{key}.{needed}", "missing (or give an interval: [low, high])")
        value = c.number(spec["value"], f"{key}.value", -np.inf, np.inf)
        tolerance, interval = c.number(spec["tolerance"], f"{key}.tolerance", -np.inf, np.inf), None
        if tolerance <= 0:
            raise c.error(f"{key}.tolerance", f"must be above 0, got {tolerance:g}")
    kind = c.choice(spec["kind"], f"{key}.kind", KINDS)
    if kind == "count" and (interval or (value,))[0] < 0:
        field = "interval" if interval else "value"
        raise c.error(f"{key}.{field}", f"a count cannot be negative, got {(interval or (value,))[0]:g}")
    return Target(name, measure, value, tolerance, kind,
                  c.text(spec["source"], f"{key}.source"), c.whole(spec["year"], f"{key}.year", FIRST_YEAR, LAST_YEAR),
                  c.text(spec["definition"], f"{key}.definition"), interval)


def _calibrate(c: FileChecker, path: Path, section: Any, targets: Targets,
               options: dict[str, tuple[str, Any]] | None = None) -> Targets:
    doc = c.mapping(section, "calibrate", required=("free",), optional=[k for k in CALIBRATE_KEYS if k != "free"])
    settings = c.mapping(doc.get("settings", {}), SETTINGS_KEY)
    scenario = scenario_named(c, path, doc.get("scenario", Path(BASELINE).stem), "calibrate.scenario", settings,
                              SETTINGS_KEY, options)
    free = [_free(c, name, spec, scenario) for name, spec in c.mapping(doc["free"], "calibrate.free").items()]
    if not free:
        raise c.error("calibrate.free", "name at least one parameter to fit, with its range and why")
    return replace(targets, scenario=scenario, free=free,
                   replicates=c.whole(doc.get("replicates", 1), "calibrate.replicates", 1, MAX_REPLICATES))


def _free(c: FileChecker, name: str, spec: Any, params: Params) -> Free:
    key = f"calibrate.free.{name}"
    if name.startswith(COST_PREFIX):
        raise c.error(key, "a unit cost does not change what a run does: fit model parameters")
    low, high, _ = numeric_range(c, key, name, params, None)
    spec = c.mapping(spec, key, required=FREE_KEYS)
    lo, hi = (c.number(spec[k], f"{key}.{k}", -np.inf, np.inf) for k in ("low", "high"))
    if lo >= hi:
        raise c.error(key, f"low ({lo:g}) must be below high ({hi:g})")
    if lo < low or hi > high:
        raise c.error(key, f"the range [{lo:g}, {hi:g}] leaves the range of '{name}', [{low:g}, {high:g}]")
    return Free(name, lo, hi, c.text(spec["reason"], f"{key}.reason"))


# ---------------------------------------------------------------- a run against the targets
def compare(measures: dict[str, float], scale: float, targets: Targets | None = None) -> list[dict]:
    """For each target: the model's value (counts rescaled to national), the target and whether it is within tolerance."""
    rows = []
    for t in (targets or load_targets()).targets:
        model = t.simulated(measures, scale)
        rows.append({"measure": t.name if t.measure == t.name else f"{t.name} ({t.measure})", "model": model,
                     "target": t.value, "tolerance": t.tolerance, "interval": t.interval,
                     "ok": bool(t.distance(model) <= 1.0), "source": t.source})
    return rows


def fit_table(rows: list[dict], model_label: str = "model") -> str:
    """The rows of ``compare`` as a markdown table (what calibration.check and jrsim calibrate print)."""
    lines = [f"| measure | {model_label} | published | tolerance | within | source |",
             "| --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        fmt = "{:,.0f}" if abs(r["target"]) >= COUNT_FROM else "{:.3f}"
        tol = fmt.format(r["tolerance"]) if r["interval"] is None else "[{}, {}]".format(*map(fmt.format, r["interval"]))
        lines.append(f"| {r['measure']} | {fmt.format(r['model'])} | {fmt.format(r['target'])} | {tol} | "
                     f"{'yes' if r['ok'] else 'NO'} | {r['source']} |")
    return "\n".join(lines)
