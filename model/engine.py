"""The model assembled: which modules make it up, in what order they step, the parameters they
declare, and the pure function every layer above uses: ``run(params, seed) -> xarray.Dataset``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Mapping

import xarray as xr

from jrsim.core.constants import BALANCE_CHECK_WEEKS
from jrsim.core.module import Module
from jrsim.core.simulation import Simulation
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
from jrsim.services.delivery import Services

# The one step order. Membership changes (entries, exits) happen first, in demography; then the flow
# of the week; services last but one, so that they see this week's arrests, sentences and releases.
STEP_ORDER: tuple[type[Module], ...] = (Demography, Offending, Policing, Courts, Sentencing, Custody, Supervision,
                                        Services, Reoffending)

RUN_PARAMETERS = (
    Par("run.start_year", "int", (), "the first output year"),
    Par("run.horizon_years", "int", (), "output years"),
    Par("run.warmup_years", "int", (), "years simulated before the output window, common to every scenario"),
    Par("run.seed", "int", (), "the random seed"),
    Par("run.scale", "multiplier", (), "the share of England and Wales simulated (0.01 a local area, 1 national)"),
)


def declarations(names: Iterable[str] = ()) -> list[Par]:
    """Every parameter the model reads; ``names`` (dotted names in a scenario) bring in family
    members. A name a module READS must be declared by some module."""
    names = list(names)
    out = list(RUN_PARAMETERS)
    for module in STEP_ORDER:
        out.extend(module.PARAMETERS)
        out.extend(module.family_parameters(names))
    declared = {p.name for p in out}
    for module in (*STEP_ORDER, Simulation):
        undeclared = sorted(set(module.READS) - declared)
        if undeclared:
            raise ValueError(f"{getattr(module, 'name', module.__name__)} reads {undeclared}, which no module declares")
    return out


def load(path: str | Path, overrides: Mapping[str, Any] | None = None) -> scenario.Params:
    """Load and validate a scenario file for this model (see ``jrsim.parameters.scenario``)."""
    return scenario.load(path, declarations, overrides)


def build(params: scenario.Params, seed: int | None = None, check_every: int = BALANCE_CHECK_WEEKS) -> Simulation:
    """A simulation ready to step (for tests and benchmarks that look inside a run)."""
    return Simulation(params, STEP_ORDER, seed, check_every)


def run(params: scenario.Params, seed: int | None = None, check_every: int = BALANCE_CHECK_WEEKS) -> xr.Dataset:
    """Build and run one simulation: a pure function of (parameters, seed)."""
    return build(params, seed, check_every).run_all()
