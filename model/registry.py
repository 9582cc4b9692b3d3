"""The one place that says which modules make up the model and in what order they step."""
from __future__ import annotations

from model.courts import Courts
from model.custody import Custody
from model.demography import Demography
from model.offending import Offending
from model.params import Par
from model.policing import Policing
from model.reoffending import Reoffending
from model.sentencing import Sentencing
from model.services import Services
from model.supervision import Supervision

# Membership changes (entries, exits) happen first, in demography; then the flow of the week.
STEP_ORDER = (Demography, Offending, Policing, Courts, Sentencing, Custody, Supervision, Services, Reoffending)

RUN_PARAMETERS = [
    Par("run.start_year", "int"),
    Par("run.horizon_years", "int"),
    Par("run.warmup_years", "int"),
    Par("run.seed", "int"),
]


def all_parameters(names=()) -> list[Par]:
    """Declared parameters; ``names`` (dotted names in a scenario) bring in family members."""
    out = list(RUN_PARAMETERS)
    for module in STEP_ORDER:
        out.extend(module.PARAMETERS)
        out.extend(module.family_parameters(names))
    return out
