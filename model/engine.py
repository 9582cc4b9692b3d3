"""The model assembled: which modules make it up, in what order they step, the parameters they
declare, and the pure function every layer above uses: ``run(params, seed) -> xarray.Dataset``.
"""
from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any, Iterable, Mapping

import xarray as xr

from jrsim.commissioning.commissioners import Commissioning
from jrsim.commissioning.contracts import check_contracts, run_frame
from jrsim.commissioning.design_parameters import designed
from jrsim.commissioning.providers import check_providers
from jrsim.core.areas import AreaMap
from jrsim.core.clock import Calendar
from jrsim.core.constants import (
    BALANCE_CHECK_WEEKS,
    FIRST_YEAR,
    LAST_YEAR,
    MAX_HORIZON_YEARS,
    MAX_SCALE,
    MAX_SEED,
    MAX_WARMUP_YEARS,
    MIN_SCALE,
)
from jrsim.core.errors import ScenarioError
from jrsim.core.module import Module
from jrsim.core.run_size import check_size
from jrsim.core.run_size import people_at_most as people_at_most  # re-exported: jrsim.experiments.batch sizes
from jrsim.core.run_size import people_at_start as people_at_start  # its tasks with them
from jrsim.core.simulation import Simulation
from jrsim.core.vocabulary import STATUSES
from jrsim.flows.courts import Courts
from jrsim.flows.custody import Custody
from jrsim.flows.demography import Demography, check_starting_stocks
from jrsim.flows.offending import Offending
from jrsim.flows.policing import Policing
from jrsim.flows.reoffending import Reoffending, check_band_cuts
from jrsim.flows.sentencing import Sentencing
from jrsim.flows.supervision import Supervision
from jrsim.parameters import scenario
from jrsim.parameters.declaration import Par, family_members
from jrsim.parameters.geography import LEVELS, run_geography
from jrsim.services.catalogue import check_service_areas, check_services, service_names
from jrsim.services.delivery import Services

DECLARATIONS_CACHED = 64  # sets of names whose declarations are kept (a batch uses a handful)

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
    check_inputs(params)
    return params


def area_map(params: scenario.Params) -> AreaMap:
    """The run's places from its geography file, at its area level; only the areas named in ``run.areas``."""
    return _geography(params).area_map(params["run.area_level"], params["run.areas"],
                              f"{params.origin.get('run.areas', 'scenario')}: 'run.areas'")


def _places(params: scenario.Params, places: dict | None) -> AreaMap:
    if places is None:
        return area_map(params)
    key = (params["run.geography"], params.origin.get("run.geography"), params["run.area_level"],
           tuple(params["run.areas"]))
    if key not in places:
        places[key] = area_map(params)
    return places[key]


def _geography(params: scenario.Params):
    return run_geography(params["run.geography"], params.origin.get("run.geography", "scenario"))


def _check_at_every_date(params: scenario.Params, areas: AreaMap) -> None:
    """What must hold at every date of the run: the start, and the parameters in force after each
    policy date (each check lives beside the fields it checks). Contracts are let on policy dates, so
    each one's terms are checked as they stand at each (a field dated later than the contract's other
    fields is a missing field then). A new check of fields that must agree goes beside the module that
    declares them (a function of the values in force and where each was set), and is called here."""
    cal = Calendar.of_years(params["run.start_year"], params["run.warmup_years"], params["run.horizon_years"])
    file = params.files[-1] if params.files else "scenario"
    reported = areas.reported
    # the geography is read again only for commissioning designs (their lots are its areas)
    geography = _geography(params) if family_members(params.every_key(), "designs") else None
    try:
        segments = params.segments(cal.week_of, cal.warmup_weeks, cal.total_weeks)  # a date outside the run: refused
        origin = {**params.origin, **{c.key: c.where for c in params.changes}}
        for week, in_force in segments:
            values, here = in_force.values, origin
            check_starting_stocks(values, file)
            check_services(values, origin, file)
            if geography is not None:  # a supervision design's lots make providers and contracts, checked with them
                _, made, where = designed(values, origin, geography, areas, service_names(values), cal, week,
                                          range(cal.start_year, cal.start_year + cal.output_years))
                values, here = {**values, **made}, {**origin, **where}
            # the frame as the commissioners see it on that date (a policy may change the cohorts' window)
            check_contracts(values, here, run_frame(values, reported, (params["run.start_year"],
                                                                       params["run.horizon_years"])))
            check_service_areas(values, origin, reported)
            check_providers(values, here, reported)
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


def build(params: scenario.Params, seed: int | None = None, check_every: int = BALANCE_CHECK_WEEKS) -> Simulation:
    """A simulation ready to step (for tests and benchmarks that look inside a run)."""
    areas = check_inputs(params)
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
    """Everything about one run that can be checked from its inputs, before anything is allocated or
    submitted anywhere: settings that only make sense together, at every policy date (policy dates
    inside the run, stocks within the population, each service able to take someone, contracts that
    fit the run), then a run neither too small to mean anything nor too big for memory. Returns the
    run's places (kept in ``places``, if given, for the next run with the same geography settings:
    reading the geography file is most of the check)."""
    areas = _places(params, places)
    check_band_cuts(params.values, params.origin)  # fixed for the run (at_start_only): checked at the start
    _check_at_every_date(params, areas)
    check_size(params, areas)
    return areas


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
