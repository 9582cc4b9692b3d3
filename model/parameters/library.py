"""The scenario library shipped with the package: the baseline, the scenarios and the unit costs.

Installed from a wheel, these files live inside the package (``jrsim.data.scenarios``); in a checkout,
that package is the top-level ``scenarios/`` folder. Either way they are found without knowing where the code runs.
"""
from __future__ import annotations

from pathlib import Path

from jrsim.core.errors import ScenarioError
from jrsim.data import SCENARIOS, shipped
from jrsim.parameters.files import FROM_START, read_mapping
from jrsim.parameters.schema import did_you_mean

BASELINE = "baseline.yaml"
UNIT_COSTS = "unit_costs.yaml"
GEOGRAPHY = "geography.yaml"
NOT_SCENARIOS = (UNIT_COSTS, GEOGRAPHY)  # shipped data files that are not scenarios
PLACE_KEYS = ("run.areas", "run.area_level")  # a file that sets these runs another place: a status quo of its own


def library_dir() -> Path:
    return shipped(SCENARIOS)


def library_file(name: str) -> Path:
    """A file of the shipped library by its name (``baseline.yaml``)."""
    return library_dir() / name


def resolve(path: str | Path) -> Path:
    """A scenario named on the command line: the file if it exists, else the shipped scenario of that
    name (``radar`` or ``radar.yaml``); a bare name that is neither is refused with the nearest names."""
    return resolve_in(path, library_dir(), scenario_names(), "scenario", "jrsim scenarios")


def resolve_in(path: str | Path, folder: Path, names: list[str], what: str, listing: str) -> Path:
    """A file named on the command line: the file if it exists, else the shipped ``what`` of that name in
    ``folder``. A bare name (no folder) that is neither is refused, with 'did you mean' from the shipped
    ``names``; a path with a folder is returned as given, for the loader to report it missing."""
    path = Path(path)
    if path.exists() or path.parent != Path("."):
        return path
    for candidate in (path.name, f"{path.name}.yaml"):
        shipped = folder / candidate
        if shipped.is_file():
            return shipped
    stem = path.name.removesuffix(".yaml")
    raise ScenarioError(f"{path}: file not found, and no shipped {what} is called {stem!r}"
                        f"{did_you_mean(stem, names)}; `{listing}` lists them")


def scenario_names() -> list[str]:
    """The shipped scenarios (the unit-cost and geography files are not scenarios)."""
    return sorted(p.stem for p in library_dir().glob("*.yaml") if p.name not in NOT_SCENARIOS)


def one_line(text: object) -> str:
    """A description from a file as one line (YAML's folded text keeps line breaks and runs of spaces)."""
    return " ".join(str(text or "").split())


def catalogue() -> list[dict[str, str]]:
    """Each shipped scenario: its name, description and counterfactual (the file it is a difference from,
    which the savings are measured against; the status quo has none)."""
    rows = []
    for name in scenario_names():
        doc = read_mapping(library_file(f"{name}.yaml"))
        rows.append({"name": name, "description": one_line(doc.get("description")),
                     "counterfactual": counterfactual_of(doc)})
    return rows


def counterfactual_of(doc: dict) -> str:
    """The status quo a scenario file is measured against: its base, or, where its base is itself a policy
    (a file with a start date, such as the national design the other commissioning levels build on), that
    policy's counterfactual (a variant from the start, ``starts: run``, is a status quo, not a policy)."""
    base, settings = doc.get("base"), doc.get("set") or {}
    if not base:
        return "(none: the status quo)"
    if any(key in settings for key in PLACE_KEYS):  # another place from the start: not comparable with its base
        return "(none: the status quo of its areas)"
    stem = Path(str(base)).stem
    base_doc = read_mapping(library_file(f"{stem}.yaml"))
    return counterfactual_of(base_doc) if base_doc.get("starts", FROM_START) != FROM_START else stem
