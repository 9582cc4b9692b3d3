"""The unit-cost file: load and check it, and uplift every cost to one price base.

Errors name the file and the key (``jrsim.core.errors.ScenarioError``), like scenario files.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import xarray as xr

from jrsim.core.errors import ScenarioError
from jrsim.parameters.files import read_mapping
from jrsim.parameters.library import UNIT_COSTS, library_file

SPLIT = ("variable", "semi_fixed", "fixed")
SPLIT_TOLERANCE = 1e-9  # the three shares of a cost must sum to 1 up to rounding in the file


def default_costs() -> Path:
    """The unit-cost file shipped with the package."""
    return library_file(UNIT_COSTS)


@dataclass(frozen=True)
class Activity:
    name: str
    variable: str
    select: dict[str, list[str]]
    unit: str
    agency: str
    cost: float  # in base prices
    split: dict[str, float]
    step_size: float = 0.0  # units per week of a whole step (semi-fixed costs)
    step_weeks: int = 0  # how long demand must stay down before a step is cashable
    source: str = ""


@dataclass
class CostBook:
    path: str
    base_price_year: int
    discount_rate: float
    agencies: dict[str, dict]
    activities: list[Activity]
    deflator: dict[int, float]
    raw: dict = field(default_factory=dict)

    def uplift(self, value: float, price_year: int, where: str = "") -> float:
        """A cost in ``price_year`` prices expressed in base-year prices."""
        if price_year not in self.deflator:
            raise ScenarioError(f"{self.path}: {where}: no deflator for price year {price_year} "
                                f"(deflator.index has {sorted(self.deflator)})")
        return value * self.deflator[self.base_price_year] / self.deflator[price_year]

    def fiscal(self, agency: str) -> bool:
        return self.agencies[agency]["kind"] == "fiscal"

    def fiscal_mask(self) -> xr.DataArray:
        """By agency: true for public budgets, false for the cost of crime to victims and society."""
        agencies = list(self.agencies)
        return xr.DataArray([self.fiscal(a) for a in agencies], dims="agency", coords={"agency": agencies})


def load_costs(path: str | Path | None = None) -> CostBook:
    path = Path(path) if path is not None else default_costs()
    doc = read_mapping(path)
    for key in ("base_price_year", "agencies", "deflator", "activities", "discount_rate"):
        if key not in doc:
            raise ScenarioError(f"{path}: missing '{key}'")
    deflator = {int(k): float(v) for k, v in doc["deflator"]["index"].items()}
    agencies = doc["agencies"]
    for name, a in agencies.items():
        if a.get("kind") not in ("fiscal", "economic_social"):
            raise ScenarioError(f"{path}: agencies.{name}.kind: expected fiscal or economic_social")
    book = CostBook(str(path), int(doc["base_price_year"]), float(doc["discount_rate"]["value"]), agencies, [],
                    deflator, doc)
    book.uplift(1.0, book.base_price_year, "base_price_year")
    book.activities = [_activity(book, name, a) for name, a in doc["activities"].items()]
    return book


def _activity(book: CostBook, name: str, a: dict) -> Activity:
    where = f"activities.{name}"
    fail = lambda key, msg: ScenarioError(f"{book.path}: '{where}.{key}': {msg}")  # noqa: E731
    for key in ("activity", "unit", "agency", "cost", "price_year", "split"):
        if key not in a:
            raise fail(key, "missing")
    if a["agency"] not in book.agencies:
        raise fail("agency", f"unknown agency {a['agency']!r}; agencies: {sorted(book.agencies)}")
    cost = a["cost"]
    if isinstance(cost, bool) or not isinstance(cost, (int, float)) or cost < 0:
        raise fail("cost", f"a cost must be a number >= 0, got {cost!r}")
    if not a.get("source") and not a.get("assumption"):
        raise fail("source", "needs a 'source' (title, year) or an 'assumption' (why)")
    split = a["split"]
    if set(split) != set(SPLIT) or any(not 0 <= float(v) <= 1 for v in split.values()):
        raise fail("split", f"expected {list(SPLIT)}, each in [0, 1]")
    if abs(sum(float(v) for v in split.values()) - 1) > SPLIT_TOLERANCE:
        raise fail("split", f"shares must sum to 1, got {sum(split.values())}")
    step = a.get("step", {})
    if split["semi_fixed"] > 0 and not (step.get("size", 0) > 0 and step.get("min_weeks", -1) >= 0):
        raise fail("step", "a semi-fixed cost needs step.size > 0 and step.min_weeks >= 0")
    act = a["activity"]
    return Activity(name=name, variable=act["variable"], select=act.get("select", {}), unit=a["unit"],
                    agency=a["agency"], cost=book.uplift(float(cost), int(a["price_year"]), where),
                    split={k: float(split[k]) for k in SPLIT}, step_size=float(step.get("size", 0)),
                    step_weeks=int(step.get("min_weeks", 0)), source=a.get("source") or "assumption: " + a["assumption"])
