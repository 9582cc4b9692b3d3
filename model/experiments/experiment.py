"""An experiment file: scenarios against a counterfactual, replicates, parameter uncertainty, outputs.

    name: intervention_library
    counterfactual: baseline              # a shipped scenario's name, or a file beside this one
    scenarios: [radar, through_the_gate]  # each compared with the counterfactual
    replicates: 2                         # paired runs per draw (common random numbers)
    draws: 8                              # parameter draws (1 and no uncertainty: the files' values)
    seed: 20240101                        # every run's seed is spawned from it, fixed before any run
    set: {run.scale: 0.01}                # settings for every run (like --set)
    costs: unit_costs                     # the unit-cost file (default: the shipped one)
    uncertainty:                          # distributions over dotted names, applied to both arms alike
                                          # (a name only a scenario has, such as a provider's, to that arm,
                                          # at the dates its policy sets it; a name with '*' moves every
                                          # name it matches together: providers.crc_*.responsiveness)
      services.radar_key_worker.effect: {distribution: normal, sd: 0.05}     # mean: the file's value
      services.ete_support.effect: {distribution: normal}   # sd: the parameter's 'se' in its scenario file
      costs.activities.prison_place_week.cost: {distribution: uniform, low: 600, high: 800}
      costs.discount_rate.value: {distribution: triangular, low: 0.015, mode: 0.035, high: 0.05}
    calibration: out/targets_accepted.nc  # parameter sets a calibration accepted (beside this file):
                                          # each draw takes one (drawn from the seed, fixed before any
                                          # run, recorded as the design's calibration_set), both arms alike
    weekly: false                         # keep weekly spend by agency too (annual summaries always)

Checked like a scenario file: every problem is one line naming the file and the key.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from jrsim import engine
from jrsim.core.constants import MAX_SEED
from jrsim.core.errors import ScenarioError
from jrsim.data import EXPERIMENTS, shipped
from jrsim.economics.costs import CostBook, default_costs, load_costs
from jrsim.experiments.parameter_sets import ParameterSets, read_sets
from jrsim.parameters.files import read_mapping
from jrsim.parameters.kinds import convert
from jrsim.parameters.library import library_file, one_line, resolve_in, scenario_names
from jrsim.parameters.scenario import Params, declared
from jrsim.parameters.schema import FileChecker, did_you_mean
from jrsim.parameters.units import RATE_PER_WEEK, WEEKS_PER

TOP_KEYS = ("name", "description", "counterfactual", "scenarios", "replicates", "draws", "seed", "set", "costs",
            "uncertainty", "weekly", "sensitivity", "calibration")
REQUIRED = ("counterfactual", "scenarios")
DISTRIBUTIONS = {"normal": ("sd",), "uniform": ("low", "high"), "triangular": ("low", "mode", "high")}
NUMERIC_KINDS = ("prob", "rate", "duration", "count", "multiplier", "money", "coef")
MAX_REPLICATES = 10_000
MAX_DRAWS = 100_000
COST_PREFIX = "costs."
ACTIVITY_COST = ("activities", "cost")  # a unit cost is 'costs.activities.<name>.cost': these around the name
DEGENERATE_MODE = 0.5  # a triangle of zero width is its one value whatever its mode: the middle, for scipy
MAX_COST = 1e9  # as the cost file's own check
MAX_DISCOUNT = 0.2
SETTINGS_KEY = "set"  # an experiment's settings for every run
WILDCARD = "*"  # in a drawn name: every name of an arm it matches takes the one drawn value


@dataclass(frozen=True)
class Uncertainty:
    """One distribution over one dotted name (a model parameter, or a key of the cost file)."""

    name: str
    distribution: str
    args: dict[str, float]
    low: float
    high: float

    def ppf(self, u: np.ndarray, centre: float) -> np.ndarray:
        """Values at quantiles ``u`` (inverse CDF), truncated to [low, high]."""
        a = self.args
        if self.distribution == "normal":
            mean, sd = a.get("mean", centre), a["sd"]
            lo, hi = (self.low - mean) / sd, (self.high - mean) / sd
            return stats.truncnorm.ppf(u, lo, hi, loc=mean, scale=sd)
        if self.distribution == "uniform":
            return a["low"] + u * (a["high"] - a["low"])
        width = a["high"] - a["low"]
        return stats.triang.ppf(u, (a["mode"] - a["low"]) / width if width > 0 else DEGENERATE_MODE, loc=a["low"],
                                scale=width)


@dataclass
class Experiment:
    path: Path
    name: str
    counterfactual: Params
    scenarios: dict[str, Params]  # by the file's stem
    replicates: int
    draws: int
    seed: int
    book: CostBook
    uncertainty: list[Uncertainty]
    weekly: bool
    sensitivity: dict = field(default_factory=dict)
    inputs: list[Path] = field(default_factory=list)
    fixed_table: np.ndarray | None = None  # draws given point by point (a sensitivity sample), not drawn
    # A sensitivity sample's points share their seeds (common random numbers across the sample, so a
    # parameter with no path to the output changes nothing); Monte Carlo draws each take their own.
    same_seeds_for_draws: bool = False
    calibration: ParameterSets | None = None  # accepted calibration sets, one drawn for each draw

    # ------------------------------------------------------------ what is run
    def run_seed(self, draw: int, replicate: int) -> int:
        """One seed per (draw, replicate), spawned from the experiment's seed; every scenario and its
        counterfactual share it (common random numbers)."""
        draw = 0 if self.same_seeds_for_draws else draw
        state = np.random.SeedSequence([self.seed, draw, replicate]).generate_state(1, np.uint64)[0]
        return int(state) & MAX_SEED

    def draw_table(self) -> np.ndarray:
        """Parameter values by draw (draws x uncertain names), fixed before anything runs."""
        if self.fixed_table is not None:
            return np.asarray(self.fixed_table, float)
        if not self.uncertainty:
            return np.zeros((self.draws, 0))
        rng = np.random.default_rng(np.random.SeedSequence([self.seed, DRAW_STREAM]))
        u = rng.random((self.draws, len(self.uncertainty)))
        return np.column_stack([unc.ppf(u[:, j], self.centre(unc.name)) for j, unc in enumerate(self.uncertainty)])

    def calibration_draws(self) -> np.ndarray:
        """The accepted set each draw takes (empty without ``calibration:``), fixed before anything runs."""
        if self.calibration is None:
            return np.zeros(0, int)
        return self.calibration.pick(np.random.default_rng(np.random.SeedSequence([self.seed, CALIBRATION_STREAM])),
                                     self.draws)

    def draw_values(self) -> list[dict[str, float]]:
        """Each draw's values by dotted name: its calibration set's, then its uncertainty draws."""
        table, names, picks = self.draw_table(), self.names(), self.calibration_draws()
        cal = self.calibration
        return [{**(dict(zip(cal.names, map(float, cal.values[picks[d]]))) if cal else {}),
                 **dict(zip(names, map(float, table[d])))} for d in range(self.draws)]

    def centre(self, name: str) -> float:
        """The file's value of a name (the default mean of a normal)."""
        if name.startswith(COST_PREFIX):
            return cost_value(self.book, name[len(COST_PREFIX):])
        arm, key = holder([self.counterfactual, *self.scenarios.values()], name)
        return float(leaf_of(arm, key)["value"])

    def drawn_meta(self) -> dict[str, dict]:
        """Each drawn name's leaf as its file writes it (a pattern's: its first match's), for its unit."""
        arms = [self.counterfactual, *self.scenarios.values()]
        return {name: leaf_of(*holder(arms, name)) for name in self.names() if not name.startswith(COST_PREFIX)}

    def names(self) -> list[str]:
        return [u.name for u in self.uncertainty]

    def fingerprint(self) -> str:
        """What the results depend on: the experiment and every input file, by content."""
        digest = hashlib.sha256(self.path.read_bytes())
        for p in sorted(set(self.inputs)):
            digest.update(Path(p).read_bytes())
        return digest.hexdigest()


DRAW_STREAM = 1  # the draws' random stream, apart from the runs' seeds
CALIBRATION_STREAM = 2  # the stream that picks each draw's calibration set


def cost_value(book: CostBook, key: str) -> float:
    """A number in the cost file by its dotted key: ``activities.<name>.cost`` or ``discount_rate.value``."""
    if key == "discount_rate.value":
        return book.discount_rate
    parts = key.split(".")
    return float(book.raw["activities"][parts[1]]["cost"])


def with_costs(book: CostBook, values: dict[str, float]) -> CostBook:
    """A copy of the cost book with some numbers of the file replaced (re-uplifted to base prices)."""
    if not values:
        return book
    rate = values.get("discount_rate.value", book.discount_rate)
    activities = []
    for a in book.activities:
        key = f"activities.{a.name}.cost"
        if key in values:
            raw = book.raw["activities"][a.name]
            a = replace(a, cost=book.uplift(values[key], int(raw["price_year"]), key))
        activities.append(a)
    return replace(book, discount_rate=float(rate), activities=activities)


def shipped_experiments() -> list[str]:
    return sorted(p.stem for p in shipped(EXPERIMENTS).glob("*.yaml"))


def experiment_catalogue() -> list[dict[str, str]]:
    """Each shipped experiment: its name, description, counterfactual and scenarios (as its file says)."""
    rows = []
    for name in shipped_experiments():
        doc = read_mapping(shipped(EXPERIMENTS) / f"{name}.yaml")
        scenarios = doc.get("scenarios") or []
        rows.append({"name": name, "description": one_line(doc.get("description")),
                     "counterfactual": str(doc.get("counterfactual", "")),
                     "scenarios": ", ".join(map(str, scenarios)) if isinstance(scenarios, list) else ""})
    return rows


def resolve_experiment(path: str | Path) -> Path:
    """An experiment named on the command line: the file if it exists, else the shipped one of that name."""
    return resolve_in(path, shipped(EXPERIMENTS), shipped_experiments(), "experiment", "jrsim scenarios")


# ---------------------------------------------------------------- loading and checking
def load_experiment(path: str | Path) -> Experiment:
    path = Path(path)
    doc = read_mapping(path)
    c = FileChecker(str(path))
    c.mapping(doc, "", required=REQUIRED, optional=tuple(k for k in TOP_KEYS if k not in REQUIRED))
    settings = c.mapping(doc.get("set", {}), SETTINGS_KEY)
    counterfactual = scenario_named(c, path, doc["counterfactual"], "counterfactual", settings)
    names = doc["scenarios"]
    if not isinstance(names, list) or not names:
        raise c.error("scenarios", "expected a list of scenario names or files")
    scenarios = {}
    for i, name in enumerate(names):
        params = scenario_named(c, path, name, f"scenarios[{i}]", settings)
        stem = Path(params.files[-1]).stem
        if stem in scenarios:
            raise c.error(f"scenarios[{i}]", f"{stem!r} is listed twice")
        engine.check_common_start(counterfactual, params)
        scenarios[stem] = params
    book = _costs(c, path, doc.get("costs"))
    arms = [counterfactual, *scenarios.values()]
    uncertainty = [_uncertainty(c, name, spec, holder(arms, name)[0], book)
                   for name, spec in c.mapping(doc.get("uncertainty", {}), "uncertainty").items()]
    calibration = _calibration(c, path, doc.get("calibration"), [counterfactual, *scenarios.values()], uncertainty)
    draws = c.whole(doc.get("draws", 1), "draws", 1, MAX_DRAWS)
    if draws > 1 and not uncertainty and calibration is None:
        raise c.error("draws", "more than one draw needs 'uncertainty:' (distributions to draw from) or 'calibration:'")
    inputs = [Path(f) for p in (counterfactual, *scenarios.values()) for f in p.files] + [Path(book.path)]
    inputs += [calibration.path] if calibration else []
    return Experiment(path=path.resolve(), name=c.text(doc.get("name", path.stem), "name"),
                      counterfactual=counterfactual, scenarios=scenarios,
                      replicates=c.whole(doc.get("replicates", 1), "replicates", 1, MAX_REPLICATES), draws=draws,
                      seed=c.whole(doc.get("seed", counterfactual["run.seed"]), "seed", 0, MAX_SEED), book=book,
                      uncertainty=uncertainty, weekly=_flag(c, doc.get("weekly", False), "weekly"),
                      sensitivity=c.mapping(doc.get("sensitivity", {}), "sensitivity"), inputs=inputs,
                      calibration=calibration)


def _calibration(c: FileChecker, path: Path, name: Any, arms: list[Params],
                 uncertainty: list[Uncertainty]) -> ParameterSets | None:
    """The accepted sets named by ``calibration:`` (a path beside the experiment file), checked against
    the scenarios (each set's parameters must be theirs) and the uncertainty (never the same name twice)."""
    if name is None:
        return None
    if not isinstance(name, str) or not name:
        raise c.error("calibration", f"expected the path of a calibration's accepted sets, got {name!r}")
    sets = read_sets((path.parent / name).resolve(), c, "calibration")
    for arm in arms:
        missing = [n for n in sets.names if n not in arm.values]
        if missing:
            raise c.error("calibration", f"'{missing[0]}' (in {name}) is not a parameter of {arm.files[-1]}")
    both = sorted(set(sets.names) & {u.name for u in uncertainty})
    if both:
        raise c.error(f"uncertainty.{both[0]}", f"is calibrated (in {name}): draw it from the calibration's "
                                                f"accepted sets or from a distribution, not both")
    return sets


def _flag(c: FileChecker, value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise c.error(key, f"expected true or false, got {value!r}")
    return value


def scenario_named(c: FileChecker, path: Path, name: Any, key: str, settings: dict,
                   settings_key: str = SETTINGS_KEY, options: dict | None = None) -> Params:
    """The scenario ``name`` (beside the file, or shipped) with the file's settings (written under
    ``settings_key``, which a bad setting's message names), then command-line ``options`` (see ``engine.load``)."""
    if not isinstance(name, str) or not name:
        raise c.error(key, f"expected a scenario name or file, got {name!r}")
    local = path.parent / name
    target = local if local.exists() or local.with_suffix(".yaml").exists() else Path(name)
    if not target.exists() and target.with_suffix(".yaml").exists():
        target = target.with_suffix(".yaml")
    if not target.exists() and Path(name).parent == Path("."):
        target = library_file(f"{Path(name).stem}.yaml")
    if not target.exists():
        hint = did_you_mean(Path(name).stem, scenario_names())
        raise c.error(key, f"no scenario {name!r} beside the file or in the shipped library{hint}")
    return engine.load(target, settings, where=c.origin(settings_key), options=options)


def _costs(c: FileChecker, path: Path, name: Any) -> CostBook:
    if name is None:
        return load_costs(default_costs())
    if not isinstance(name, str):
        raise c.error("costs", f"expected a file name, got {name!r}")
    local = path.parent / name
    target = next((p for p in (local, local.with_suffix(".yaml"), library_file(name), library_file(f"{name}.yaml"))
                   if p.is_file()), None)
    if target is None:
        raise c.error("costs", f"no unit-cost file {name!r} beside the file or in the shipped library")
    return load_costs(target)


def _uncertainty(c: FileChecker, name: str, spec: Any, params: Params, book: CostBook,
                 where: str | None = None) -> Uncertainty:
    """A distribution over ``name``, checked; ``where``: the key it was written under (by default
    ``uncertainty.<name>``; a sensitivity range is ``sensitivity.parameters.<name>``)."""
    where = where or f"uncertainty.{name}"
    low, high, centre = numeric_range(c, where, name, params, book)
    spec = c.mapping(spec, where, required=("distribution",), optional=("mean", "sd", "low", "high", "mode"))
    kind = c.choice(spec["distribution"], f"{where}.distribution", DISTRIBUTIONS)
    args = {k: c.number(spec[k], f"{where}.{k}", -np.inf, np.inf) for k in spec if k != "distribution"}
    leaf = {} if name.startswith(COST_PREFIX) else leaf_of(params, matching(params, name)[0])
    if kind == "normal" and "sd" not in args and "se" in leaf:
        args["sd"] = float(leaf["se"])  # the source's standard error, from the scenario file
    for needed in DISTRIBUTIONS[kind]:
        if needed not in args:
            also = " (or an 'se' on the parameter in its scenario file)" if needed == "sd" else ""
            raise c.error(f"{where}.{needed}", f"a {kind} distribution needs '{needed}'{also}")
    extra = sorted(set(args) - set(DISTRIBUTIONS[kind]) - ({"mean", "low", "high"} if kind == "normal" else set()))
    if extra:
        raise c.error(f"{where}.{extra[0]}", f"not a parameter of a {kind} distribution")
    if kind == "normal" and args["sd"] <= 0:
        raise c.error(f"{where}.sd", f"a spread must be positive, got {args['sd']}")
    lo, hi = args.get("low", low), args.get("high", high)
    if lo >= hi:
        raise c.error(where, f"low ({lo:g}) must be below high ({hi:g})")
    if lo < low or hi > high:
        raise c.error(where, f"draws from [{lo:g}, {hi:g}] would leave the range of '{name}', [{low:g}, {high:g}]")
    if kind == "triangular" and not lo <= args["mode"] <= hi:
        raise c.error(f"{where}.mode", f"the mode must lie between low and high, got {args['mode']:g}")
    if kind == "normal" and not lo <= args.get("mean", centre) <= hi:
        raise c.error(f"{where}.mean", f"the mean must lie in [{lo:g}, {hi:g}]")
    return Uncertainty(name, kind, args, lo, hi)


def numeric_range(c: FileChecker, where: str, name: str, params: Params,
                  book: CostBook | None) -> tuple[float, float, float]:
    """The range a drawn (or fitted) value must stay in, in the file's units, and the file's value."""
    if name.startswith(COST_PREFIX):
        key = name[len(COST_PREFIX):]
        parts = key.split(".")
        if key == "discount_rate.value":
            return 0.0, MAX_DISCOUNT, book.discount_rate
        if len(parts) == len(ACTIVITY_COST) + 1 and (parts[0], parts[-1]) == ACTIVITY_COST \
                and parts[1] in book.raw["activities"]:
            return 0.0, MAX_COST, cost_value(book, key)
        raise c.error(where, "a cost key is 'costs.discount_rate.value' or 'costs.activities.<name>.cost' "
                             f"with an activity of {book.path}")
    decl = {p.name: p for p in engine.declarations(arm_names(params))}
    keys = matching(params, name)
    if not keys or keys[0] not in decl:
        raise c.error(where, ("no parameter matches the pattern" if WILDCARD in name else "unknown parameter")
                      + did_you_mean(name, decl))
    ranges = {_range(c, where, key, decl[key], params) for key in keys}
    if len(ranges) > 1:
        raise c.error(where, f"the names it matches ({', '.join(keys)}) do not share one range: draw them apart")
    low, high = ranges.pop()
    return low, high, float(leaf_of(params, keys[0])["value"])


def _range(c: FileChecker, where: str, key: str, par, params: Params) -> tuple[float, float]:
    """A drawable parameter's declared range, in the unit its file writes it (weeks, per year...)."""
    if par.kind not in NUMERIC_KINDS or par.at_start_only:
        raise c.error(where, f"'{key}' is a {par.kind}{' set at the start' if par.at_start_only else ''}: "
                             f"only numbers that may change during a run can be drawn")
    unit = str(leaf_of(params, key).get("unit", ""))
    per = {"duration": WEEKS_PER, "rate": RATE_PER_WEEK}.get(par.kind, {}).get(unit, 1.0)
    low, high = par.bounds
    return low / per, high / per


# ---------------------------------------------------------------- drawn values on each arm
def arm_names(params: Params) -> list[str]:
    """Every name an arm sets: from the start of the run, or at a policy date."""
    return list(dict.fromkeys([*params.values, *(change.key for change in params.changes)]))


def matching(params: Params, name: str) -> list[str]:
    """The names of an arm a drawn name stands for: itself if the arm sets it, or every name a pattern
    with ``WILDCARD`` matches (in the arm's order); none when the arm has nothing of it."""
    names = arm_names(params)
    if WILDCARD in name:
        return [n for n in names if fnmatchcase(n, name)]
    return [name] if name in names else []


def holder(arms: list[Params], name: str) -> tuple[Params, str]:
    """The first arm (the counterfactual first) that sets a drawn name, with the first name it stands
    for: where its range, value and unit are read (the counterfactual and the name itself when no arm
    has it: the check then says so)."""
    for arm in arms:
        keys = matching(arm, name)
        if keys:
            return arm, keys[0]
    return arms[0], name


def leaf_of(params: Params, key: str) -> dict:
    """A name's leaf as its file writes it: from the start of the run, else its policy's last change."""
    if key in params.meta:
        return params.meta[key]
    return next(change.leaf for change in reversed(params.changes) if change.key == key)


def with_drawn(params: Params, values: dict[str, float], where: str) -> Params:
    """An arm with a draw's values: a name it sets from the start is overridden from the start (as
    --set), a name only its policy sets (a provider's or a contract's terms) takes the drawn value at
    each of its dates, a name it does not set is left alone (the other arm's alone)."""
    start, dated = {}, {}
    for name, value in values.items():
        for key in matching(params, name):
            (start if key in params.meta else dated)[key] = value
    out = params.with_overrides(start, where) if start else params
    return _with_dated(out, dated, where) if dated else out


def _with_dated(params: Params, values: dict[str, float], where: str) -> Params:
    """The policy's changes of some names given other values (each checked and converted as the file's)."""
    decl = declared(params.declarations, arm_names(params))
    changes = []
    for change in params.changes:
        if change.key in values:
            leaf = {**change.leaf, "value": values[change.key], "changed_in": where}
            try:
                change = replace(change, leaf=leaf, value=convert(decl[change.key], leaf))
            except ValueError as exc:
                raise ScenarioError(FileChecker(where).line(change.key, str(exc))) from None
        changes.append(change)
    return replace(params, changes=tuple(changes))


