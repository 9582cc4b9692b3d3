"""The model assembled: which modules make it up, in what order they step, the parameters they
declare, and the pure function every layer above uses: ``run(params, seed) -> xarray.Dataset``.
"""
from __future__ import annotations

import copy
import functools
import os
from pathlib import Path
from typing import Any, Iterable, Mapping

import xarray as xr

from jrsim.commissioning.commissioners import Commissioning
from jrsim.commissioning.contracts import check_contracts, not_reported, run_frame
from jrsim.core.areas import AreaMap
from jrsim.core.clock import Calendar
from jrsim.core.constants import (
    BALANCE_CHECK_WEEKS,
    CAPACITY_HEADROOM,
    FIRST_YEAR,
    LAST_YEAR,
    MAX_HORIZON_YEARS,
    MAX_SCALE,
    MAX_SEED,
    MAX_SERVICES,
    MAX_WARMUP_YEARS,
    MIN_PEOPLE,
    MIN_SCALE,
)
from jrsim.core.errors import ScenarioError
from jrsim.core.module import Module
from jrsim.core.simulation import Simulation
from jrsim.core.vocabulary import STATUSES
from jrsim.flows.courts import Courts
from jrsim.flows.custody import Custody
from jrsim.flows.demography import Demography
from jrsim.flows.offending import Offending
from jrsim.flows.policing import Policing
from jrsim.flows.reoffending import Reoffending
from jrsim.flows.sentencing import Sentencing
from jrsim.flows.supervision import Supervision
from jrsim.parameters import scenario
from jrsim.parameters.declaration import Par
from jrsim.parameters.geography import LEVELS, load_geography
from jrsim.parameters.geography import resolve as resolve_geography
from jrsim.services.catalogue import service_names
from jrsim.services.delivery import Services

# Memory a run needs, measured by make bench (2026-11-25): a national run of 2.6 million people peaks at
# 763 MB without services and 853 MB with all twelve on; about 120 MB of that is Python and libraries.
BASE_MEMORY_BYTES = 120e6
BYTES_PER_PERSON = 300.0  # per person allocated (with services on, rounded up)
KIB, GIB = 1024, 1024**3

DECLARATIONS_CACHED = 64  # sets of names whose declarations are kept (a batch uses a handful)
MIN_PLACE_COST = 1.0  # pounds a place-week: below it a budget would buy more places than there are people

# The one step order. Membership changes (entries, exits) happen first, in demography; then the flow
# of the week; services last but one, so that they see this week's arrests, sentences and releases.
STEP_ORDER: tuple[type[Module], ...] = (Demography, Offending, Policing, Courts, Sentencing, Custody, Supervision,
                                        Services, Reoffending, Commissioning)

RUN_PARAMETERS = (
    Par("run.start_year", "int", (), "the first output year", low=FIRST_YEAR, high=LAST_YEAR, at_start_only=True,
        label="First year of results"),
    Par("run.horizon_years", "int", (), "output years", low=1, high=MAX_HORIZON_YEARS, at_start_only=True,
        label="Years of results"),
    Par("run.warmup_years", "int", (), "years simulated before the output window, common to every scenario",
        high=MAX_WARMUP_YEARS, at_start_only=True, label="Warm-up years before the results"),
    Par("run.seed", "int", (), "the random seed (stored in the NetCDF as a 64-bit integer)", high=MAX_SEED, at_start_only=True,
        label="Random seed"),
    Par("run.scale", "multiplier", (), "the sampling fraction: 1 simulates everyone in the run's areas, 0.01 one in a hundred",
        low=MIN_SCALE, high=MAX_SCALE, at_start_only=True, label="Sampling fraction"),
    Par("run.geography", "text", (), "the geography file: local areas in police force areas in contract package areas",
        at_start_only=True, label="Geography file"),
    Par("run.area_level", "choice", LEVELS, "the level at which results are broken down by area", at_start_only=True,
        label="Level of the area breakdown"),
    Par("run.areas", "names", (), "the areas the run holds, at any level (empty: all of England and Wales)",
        at_start_only=True, label="Areas in the run"),
    Par("run.evaluation_log", "flag", (), "keep each service start, release and proven offence by person (for "
        "replaying an evaluation's design)", at_start_only=True, label="Keep person-level logs for evaluations"),
)


def declarations(names: Iterable[str] = ()) -> list[Par]:
    """Every parameter the model reads; ``names`` (dotted names in a scenario) bring in family
    members. A name a module READS must be declared by some module."""
    return list(_declarations(tuple(names)))


@functools.lru_cache(maxsize=DECLARATIONS_CACHED)
def _declarations(names: tuple[str, ...]) -> tuple[Par, ...]:
    """The declarations for one set of names, kept: a batch loads thousands of parameter sets that
    name the same parameters."""
    out = list(RUN_PARAMETERS)
    for module in STEP_ORDER:
        out.extend(module.PARAMETERS)
        out.extend(module.family_parameters(names))
    declared = {p.name for p in out}
    for module in (*STEP_ORDER, Simulation):
        undeclared = sorted(set(module.READS) - declared)
        if undeclared:
            raise ValueError(f"{getattr(module, 'name', module.__name__)} reads {undeclared}, which no module declares")
    return tuple(out)


def run_variables() -> dict[str, dict[str, tuple[str, ...]]]:
    """The variables every run's Dataset holds (those a unit cost can price), each with its
    dimensions' labels beyond time; the services' variables depend on the scenario and are left out."""
    out = {name: dict(spec.dims) for module in STEP_ORDER for name, spec in module.RESULTS.items()}
    out["population"] = {"status": STATUSES}
    out["prison_population"] = out["probation_caseload"] = {}
    return out


def load(path: str | Path, overrides: Mapping[str, Any] | None = None, where: str = "--set",
         options: Mapping[str, tuple[str, Any]] | None = None) -> scenario.Params:
    """Load and validate a scenario file for this model (see ``jrsim.parameters.scenario``); ``where``
    names the overrides' origin in messages. ``options`` (option -> (parameter, value or None), such as
    ``{"--scale": ("run.scale", 0.01)}``) override after them, each named as the user typed it. The run
    is checked once, as it will be run: a contract is checked for the window after ``--years``, the
    memory for the size after ``--scale``."""
    params = scenario.load(path, declarations, overrides, where)
    for option, (key, value) in (options or {}).items():
        if value is not None:
            params = params.with_overrides({key: value}, where=option)
    check_size(params)
    return params


def area_map(params: scenario.Params) -> AreaMap:
    """The run's places from its geography file, at its area level; only the areas named in ``run.areas``."""
    origin = params.origin.get("run.geography", "scenario")
    path = resolve_geography(params["run.geography"], origin)
    if not path.is_file():
        raise ScenarioError(f"{origin}: 'run.geography': no geography file {params['run.geography']!r} "
                            f"(looked beside the scenario and in the shipped library)")
    geography = load_geography(path)
    return geography.area_map(params["run.area_level"], params["run.areas"],
                              f"{params.origin.get('run.areas', 'scenario')}: 'run.areas'")


def people_at_start(params: scenario.Params, share: float = 1.0) -> float:
    """People the run starts with: the country's active offenders, sampled, in the run's areas (``share``)."""
    return params["population.initial_active"] * params["run.scale"] * share


def people_at_most(params: scenario.Params, share: float = 1.0) -> float:
    """Everyone the run could hold: the start plus every entrant of the warm-up and horizon (none leaving)."""
    years = params["run.warmup_years"] + params["run.horizon_years"]
    return people_at_start(params, share) + params["population.entrants_per_year"] * params["run.scale"] * share * years


def memory_needed(people: float) -> float:
    """Bytes a run of this many people needs at its peak (measured by ``make bench``)."""
    return BASE_MEMORY_BYTES + people * CAPACITY_HEADROOM * BYTES_PER_PERSON


def memory_available() -> float:
    """Bytes of memory free for a run on this machine (Linux: MemAvailable; else all physical memory)."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return float(line.split()[1]) * KIB
    except OSError:
        pass
    return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))


def check_size(params: scenario.Params, places: dict | None = None) -> AreaMap:
    """Refuse, before anything is allocated, a run too small to mean anything or too big for memory,
    and settings that only make sense together (policy dates inside the run, stocks within the population,
    each service able to take someone). Returns the run's places (kept in ``places``, if given, for
    the next run with the same geography settings: reading the geography file is most of the check)."""
    areas = _places(params, places)
    _check_together(params, areas.reported)
    people, where = people_at_start(params, areas.share), params.origin.get("run.scale", "run.scale")
    scale = params["run.scale"]
    if people < MIN_PEOPLE:
        held = f" in its areas ({areas.share:.2%} of offenders)" if areas.share < 1 else ""
        raise ScenarioError(f"{where}: 'run.scale' {scale:g} gives {people:,.0f} people{held}; a run needs at least "
                            f"{MIN_PEOPLE:,} (run.scale >= "
                            f"{MIN_PEOPLE / (params['population.initial_active'] * areas.share):.2g})")
    most = people_at_most(params, areas.share)
    need, have = memory_needed(most), memory_available()
    if need > have:
        largest = (have - BASE_MEMORY_BYTES) / (CAPACITY_HEADROOM * BYTES_PER_PERSON) / most * scale
        raise ScenarioError(f"{where}: 'run.scale' {scale:g} needs about {need / GIB:,.1f} GB of memory and this "
                            f"machine has {have / GIB:,.1f} GB free: the largest scale it can run is about {largest:.2g}")
    return areas


def _places(params: scenario.Params, places: dict | None) -> AreaMap:
    if places is None:
        return area_map(params)
    key = (params["run.geography"], params.origin.get("run.geography"), params["run.area_level"],
           tuple(params["run.areas"]))
    if key not in places:
        places[key] = area_map(params)
    return places[key]


def _check_together(params: scenario.Params, reported: tuple[str, ...]) -> None:
    """What must hold at every date of the run: the start, and the parameters in force after each
    policy date. Contracts are let on policy dates, so each one's terms are checked as they stand at
    each (a field dated later than the contract's other fields is a missing field then)."""
    cal = Calendar.of_years(params["run.start_year"], params["run.warmup_years"], params["run.horizon_years"])
    try:
        segments = params.segments(cal.week_of, cal.warmup_weeks, cal.total_weeks)  # a date outside the run: refused
        origin = {**params.origin, **{c.key: c.where for c in params.changes}}
        for _, values in segments:
            _check_values(values, origin, params.files[-1] if params.files else "scenario")
            # the frame as the commissioners see it on that date (a policy may change the cohorts' window)
            frame = run_frame(values.values, reported, (params["run.start_year"], params["run.horizon_years"]))
            check_contracts(values.values, origin, frame)
            _check_service_areas(values, origin, reported)
    except ScenarioError as exc:
        raise ScenarioError(f"{exc}; {window(params)}") from None


def window(params: scenario.Params) -> str:
    """The output years the run will have, and where its start and length were set (a file or an option)."""
    first, years = params["run.start_year"], params["run.horizon_years"]
    return (f"this run's output years: {first}-{first + years - 1} (run.start_year {first} from "
            f"{_short(params.origin.get('run.start_year'))}, run.horizon_years {years} from "
            f"{_short(params.origin.get('run.horizon_years'))})")


def _short(origin: str | None) -> str:
    """An origin as a reader knows it: an option as typed, a file by its name."""
    if not origin:
        return "the scenario"
    return origin if origin.startswith("-") else Path(origin.split(":")[0]).name


def _check_service_areas(params: scenario.Params, origin: dict[str, str], reported: tuple[str, ...]) -> None:
    """The areas each service is open in are areas the run reports by."""
    for s in service_names(params.values):
        key = f"services.{s}.areas"
        unknown = [a for a in params[key] if a not in reported]
        if unknown:
            raise ScenarioError(f"{origin.get(key, 'scenario')}: '{key}': {not_reported(unknown[0], reported)}")


def _check_values(params: scenario.Params, origin: dict[str, str], file: str) -> None:
    keys = [k for k in params.values if k.startswith("population.initial_stock.")]
    stocks = sum(params[k] for k in keys)
    if stocks > params["population.initial_active"]:
        largest = max(keys, key=lambda k: params[k])  # name the stock most likely to be wrong
        raise ScenarioError(f"{file}: '{largest}': the starting stocks hold {stocks:,.0f} "
                            f"people in prison and on probation, more than the "
                            f"{params['population.initial_active']:,.0f} active offenders ('population.initial_active')")
    names = service_names(params.values)
    if len(names) > MAX_SERVICES:
        raise ScenarioError(f"{file}: 'services': at most {MAX_SERVICES} services in one scenario, got {len(names)}")
    for s in names:
        key = f"services.{s}"
        if params[f"{key}.min_risk"] > params[f"{key}.max_risk"]:
            raise ScenarioError(f"{origin[key + '.min_risk']}: '{key}.min_risk' is above its max_risk: "
                                f"no one could be referred")
        if not params[f"{key}.eligible_status"]:
            raise ScenarioError(f"{origin[key + '.eligible_status']}: '{key}.eligible_status' is empty: "
                                f"no one could be referred")
        cost = params[f"{key}.cost_per_place_week"]
        if params[f"{key}.budget_per_year"] > 0 and cost < MIN_PLACE_COST:
            raise ScenarioError(f"{origin[key + '.cost_per_place_week']}: '{key}.cost_per_place_week': a budget "
                                f"buys places only at a cost of at least £{MIN_PLACE_COST:g} a place-week")


def build(params: scenario.Params, seed: int | None = None, check_every: int = BALANCE_CHECK_WEEKS) -> Simulation:
    """A simulation ready to step (for tests and benchmarks that look inside a run)."""
    areas = check_size(params)
    return Simulation(params, STEP_ORDER, seed, check_every, areas)


def run(params: scenario.Params, seed: int | None = None, check_every: int = BALANCE_CHECK_WEEKS) -> xr.Dataset:
    """Build and run one simulation: a pure function of (parameters, seed)."""
    return build(params, seed, check_every).run_all()


def branch_week(counterfactual: scenario.Params, policy: scenario.Params, sim: Simulation) -> int | None:
    """The first week in which the two runs' parameters differ (None: never). Before it they are one run."""
    cal = sim.calendar
    timelines = [dict(p.segments(cal.week_of, cal.warmup_weeks, cal.total_weeks)) for p in (counterfactual, policy)]
    in_force = [p for p in (counterfactual, policy)]
    for week in sorted(set(timelines[0]) | set(timelines[1])):
        in_force = [timeline.get(week, current) for timeline, current in zip(timelines, in_force)]
        if in_force[0].values != in_force[1].values:
            return week
    return None


def check_common_start(counterfactual: scenario.Params, policy: scenario.Params) -> None:
    """A scenario and its counterfactual share their history: the same values until a policy date.
    Where they do not, the message names the scenario's own base (the file it derives from), the
    counterfactual it is meant to be compared with."""
    differ = sorted(k for k in counterfactual.values if counterfactual.values[k] != policy.values.get(k))
    if differ:
        more = f" and {len(differ) - 1} more" if len(differ) > 1 else ""
        base = next((Path(f).stem for f in reversed(policy.files[:-1])), None)  # the file it derives from
        against = Path(counterfactual.files[-1]).stem if counterfactual.files else counterfactual.name
        hint = (f"its base is {base}: compare it with {base}, not {against}" if base and base != against else
                "date the change (a derived file's set: acts from the first output year), or set it for both "
                "runs with --set")
        raise ScenarioError(f"{policy.files[-1] if policy.files else 'scenario'}: differs from its counterfactual "
                            f"before any policy date, in '{differ[0]}'{more}: {hint}")


def check_inputs(params: scenario.Params, places: dict | None = None) -> AreaMap:
    """Everything about one run that can be checked from its inputs, before it is submitted anywhere:
    what ``build`` would refuse (size, memory, settings together at every policy date). Returns its places."""
    return check_size(params, places)


def check_pair(counterfactual: scenario.Params, policy: scenario.Params, places: dict | None = None) -> None:
    """Everything ``run_pair`` would refuse, checked from the inputs (no run is built)."""
    check_common_start(counterfactual, policy)
    check_inputs(counterfactual, places)
    check_inputs(policy, places)


def run_pair(counterfactual: scenario.Params, policy: scenario.Params, seed: int | None = None,
             check_every: int = BALANCE_CHECK_WEEKS) -> tuple[xr.Dataset, xr.Dataset]:
    """The counterfactual and the policy on one seed, sharing everything before the policy date: the
    warm-up and the weeks before the first change run once, then the run is copied and each copy
    follows its own timeline. Each result equals its own ``run`` bit for bit (tested)."""
    check_common_start(counterfactual, policy)
    sim = build(counterfactual, seed, check_every)
    week = branch_week(counterfactual, policy, sim)
    if week is None:
        ds = sim.run_all()
        return ds, _as_run_of(ds.copy(deep=True), policy)
    sim.run_until(week)
    twin = copy.deepcopy(sim)
    twin.follow(policy)
    return sim.run_all(), _as_run_of(twin.run_all(), policy)


def _as_run_of(ds: xr.Dataset, params: scenario.Params) -> xr.Dataset:
    ds.attrs.update(scenario=params.name, scenario_files=";".join(params.files))
    return ds
