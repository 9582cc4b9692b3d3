"""The unit-cost file: load and check it, and uplift every cost to one price base.

Errors name the file and the key (``jrsim.core.errors.ScenarioError``), like scenario files.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import xarray as xr

from jrsim.core.constants import FIRST_YEAR, LAST_YEAR
from jrsim.core.errors import ScenarioError
from jrsim.economics.years import FINANCIAL, YEAR_STARTS
from jrsim.engine import run_variables
from jrsim.parameters.declaration import words
from jrsim.parameters.files import read_mapping
from jrsim.parameters.library import UNIT_COSTS, library_file
from jrsim.parameters.schema import FileChecker

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
    label: str = ""  # what a finance officer calls it (the file's label; else its name in words)


@dataclass
class CostBook:
    path: str
    base_price_year: int
    discount_rate: float
    agencies: dict[str, dict]
    activities: list[Activity]
    deflator: dict[int, float]
    raw: dict = field(default_factory=dict)
    # below this investment (GBP, base prices, present value) an agency's ROI and payback are not shown
    ratio_min_investment: float = 0.0
    budget_year: str = FINANCIAL  # the years the ledger sums by: 'financial' (from 1 April) or 'calendar'

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


# What the file may hold, level by level.
TOP_KEYS = ("name", "base_price_year", "discount_rate", "ratio_min_investment", "budget_year", "agencies", "deflator",
            "activities")
LEAF_KEYS = ("source", "assumption")  # a top-level leaf's value is said with one or both
ACTIVITY_KEYS = ("activity", "unit", "agency", "cost", "price_year", "split")
ACTIVITY_OPTIONAL = ("source", "assumption", "split_source", "step", "label")
AGENCY_KINDS = ("fiscal", "economic_social")
MAX_DISCOUNT_RATE = 0.2  # a yearly rate above 20% is a mistake (the Green Book's is 3.5%)
MAX_UNIT_COST = 1e9  # pounds for one unit (a place-week, a case): beyond any public service
MIN_INDEX, MAX_INDEX = 1.0, 1e4  # a price index (base 100) outside this is a typing error, not inflation
MAX_STEP_WEEKS = 520  # a step that must wait more than ten years to be cashed never is within a horizon
MAX_RATIO_MIN_INVESTMENT = 1e9  # GBP: a materiality threshold above a billion pounds would hide every ratio


def load_costs(path: str | Path | None = None) -> CostBook:
    """Read and check a unit-cost file; every problem is one line naming the file and the key."""
    path = Path(path) if path is not None else default_costs()
    doc = read_mapping(path)
    c = FileChecker(str(path))
    c.mapping(doc, "", required=TOP_KEYS[1:], optional=TOP_KEYS[:1])
    rate = _leaf(c, doc, "discount_rate", reason=False)
    agencies = c.mapping(doc["agencies"], "agencies")
    for name, a in agencies.items():
        c.mapping(a, f"agencies.{name}", required=("kind",), optional=("label",))
        c.choice(a["kind"], f"agencies.{name}.kind", AGENCY_KINDS)
        if "label" in a:
            c.text(a["label"], f"agencies.{name}.label")
    deflator = c.mapping(doc["deflator"], "deflator", required=("index",), optional=("source",))
    for where, section, key in (("name", doc, "name"), ("deflator.source", deflator, "source")):
        if key in section:
            c.text(section[key], where)
    index = {c.whole(y, "deflator.index", FIRST_YEAR, LAST_YEAR): c.number(v, f"deflator.index.{y}", MIN_INDEX, MAX_INDEX)
             for y, v in c.mapping(deflator["index"], "deflator.index", text_keys=False).items()}
    base_year = c.whole(doc["base_price_year"], "base_price_year", FIRST_YEAR, LAST_YEAR)
    discount = c.number(rate["value"], "discount_rate.value", 0.0, MAX_DISCOUNT_RATE)
    threshold = c.number(_leaf(c, doc, "ratio_min_investment", unit="GBP")["value"], "ratio_min_investment.value",
                         0.0, MAX_RATIO_MIN_INVESTMENT)
    years = c.choice(_leaf(c, doc, "budget_year")["value"], "budget_year.value", YEAR_STARTS)
    book = CostBook(str(path), base_year, discount, agencies, [], index, doc, threshold, years)
    book.uplift(1.0, book.base_price_year, "base_price_year")
    activities = c.mapping(doc["activities"], "activities")
    book.activities = [_activity(book, c, name, a, run_variables()) for name, a in activities.items()]
    priced: dict[tuple[str, str | None, str], str] = {}
    for a in book.activities:  # a unit is priced once per agency (a court case costs courts, CPS and legal aid)
        for label in [lab for labels in a.select.values() for lab in labels] or [None]:
            other = priced.setdefault((a.variable, label, a.agency), a.name)
            if other != a.name:
                raise c.error(f"activities.{a.name}.activity", f"prices {a.variable}"
                              f"{f'[{label}]' if label else ''} for {a.agency}, which activities.{other} prices "
                              f"already: the ledger would count it twice")
    return book


def _leaf(c: FileChecker, doc: dict, key: str, unit: str | None = None, reason: bool = True) -> dict:
    """A top-level leaf ``{value, source|assumption}`` (``reason``: one of them is required), and with
    ``unit`` given, a ``unit`` that must be it."""
    leaf = c.mapping(doc[key], key, required=("value", *(("unit",) if unit else ())), optional=LEAF_KEYS)
    if reason and not any(k in leaf for k in LEAF_KEYS):
        raise c.error(f"{key}.source", "needs a 'source' (title, year) or an 'assumption' (why)")
    for k in LEAF_KEYS:
        if k in leaf:
            c.text(leaf[k], f"{key}.{k}")
    if unit is not None and leaf["unit"] != unit:
        raise c.error(f"{key}.unit", f"must be {unit!r}, got {leaf['unit']!r}")
    return leaf


def _activity(book: CostBook, c: FileChecker, name: str, a: Any, variables: dict) -> Activity:
    where = f"activities.{name}"
    c.mapping(a, where, required=ACTIVITY_KEYS, optional=ACTIVITY_OPTIONAL)
    if not a.get("source") and not a.get("assumption"):
        raise c.error(f"{where}.source", "needs a 'source' (title, year) or an 'assumption' (why)")
    for key in ("source", "assumption", "split_source", "label"):
        if key in a:
            c.text(a[key], f"{where}.{key}")
    variable, select = _priced_variable(c, f"{where}.activity", a["activity"], variables)
    agency = c.choice(a["agency"], f"{where}.agency", book.agencies)
    cost = c.number(a["cost"], f"{where}.cost", 0.0, MAX_UNIT_COST)
    price_year = c.whole(a["price_year"], f"{where}.price_year", FIRST_YEAR, LAST_YEAR)
    split = c.mapping(a["split"], f"{where}.split", required=SPLIT)
    shares = {k: c.number(split[k], f"{where}.split.{k}", 0.0, 1.0) for k in SPLIT}
    if abs(sum(shares.values()) - 1) > SPLIT_TOLERANCE:
        raise c.error(f"{where}.split", f"shares must sum to 1, got {sum(shares.values())}")
    step = c.mapping(a.get("step", {}), f"{where}.step", optional=("size", "min_weeks", "what"))
    if "what" in step:
        c.text(step["what"], f"{where}.step.what")
    size = c.number(step.get("size", 0.0), f"{where}.step.size", 0.0, MAX_UNIT_COST)
    weeks = c.whole(step.get("min_weeks", 0), f"{where}.step.min_weeks", 0, MAX_STEP_WEEKS)
    if shares["semi_fixed"] > 0 and size <= 0:
        raise c.error(f"{where}.step", "a semi-fixed cost needs step.size > 0 and step.min_weeks >= 0")
    return Activity(name=name, variable=variable, select=select, unit=c.text(a["unit"], f"{where}.unit"),
                    agency=agency, cost=book.uplift(cost, price_year, where), split=shares, step_size=size,
                    step_weeks=weeks, source=a.get("source") or "assumption: " + a["assumption"],
                    label=a.get("label") or words(name))


def _priced_variable(c: FileChecker, where: str, activity: Any, variables: dict) -> tuple[str, dict]:
    """The run variable an activity prices, and its selection, checked against what a run holds."""
    c.mapping(activity, where, required=("variable",), optional=("select",))
    variable = c.choice(activity["variable"], f"{where}.variable", variables)
    select = c.mapping(activity.get("select", {}), f"{where}.select")
    for dim, labels in select.items():
        known = variables[variable].get(dim)
        if known is None:
            raise c.error(f"{where}.select.{dim}", f"{variable} has no dimension {dim!r} "
                                                   f"(it has {sorted(variables[variable]) or 'none'})")
        if not isinstance(labels, list) or not labels:
            raise c.error(f"{where}.select.{dim}", f"expected a list of labels, got {labels!r}")
        for label in labels:
            c.choice(label, f"{where}.select.{dim}", known)
        twice = sorted({str(label) for label in labels if labels.count(label) > 1})
        if twice:  # the ledger would count the activity twice over
            raise c.error(f"{where}.select.{dim}", f"{twice[0]!r} is listed more than once")
    return variable, {dim: list(labels) for dim, labels in select.items()}
