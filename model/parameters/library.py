"""The scenario library shipped with the package: the baseline, the scenarios and the unit costs.

Installed from a wheel, these files live inside the package (``jrsim.scenarios``); in a checkout, that
package is the ``scenarios/`` folder. Either way they are found without knowing where the code runs.
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path

BASELINE = "baseline.yaml"
UNIT_COSTS = "unit_costs.yaml"
GEOGRAPHY = "geography.yaml"
NOT_SCENARIOS = (UNIT_COSTS, GEOGRAPHY)  # shipped data files that are not scenarios


def library_dir() -> Path:
    return Path(str(resources.files("jrsim.scenarios")))


def library_file(name: str) -> Path:
    """A file of the shipped library by its name (``baseline.yaml``)."""
    return library_dir() / name


def resolve(path: str | Path) -> Path:
    """A scenario named on the command line: the file if it exists, else the shipped scenario of that
    name (``radar`` or ``radar.yaml``); otherwise the path as given, for the loader to report missing."""
    path = Path(path)
    if path.exists() or path.parent != Path("."):
        return path
    for candidate in (path.name, f"{path.name}.yaml"):
        shipped = library_file(candidate)
        if shipped.is_file():
            return shipped
    return path


def scenario_names() -> list[str]:
    """The shipped scenarios (the unit-cost and geography files are not scenarios)."""
    return sorted(p.stem for p in library_dir().glob("*.yaml") if p.name not in NOT_SCENARIOS)
