"""The units of everything written above the engine, in one table: the comparison (``jrsim compare``),
the batch store and its summary (``jrsim batch``), the sensitivity indices and the calibration's files.

A run's own variables declare their units where they are recorded (``jrsim.core.results``); what the
ledger, the batches and the calibration compute from them is labelled here, once, where each Dataset
is finalised: ``with_units(ds, book)`` sets every variable's ``units`` and ``long_name`` from ``UNITS``,
filled with the cost file's price year and discount rate, and drops what xarray carried over from the
run (a present value is not 'GBP per week' because it was computed from a weekly spend). A variable
the table does not know is an error listing every such name: add each to ``UNITS`` in one line.

Money is 'GBP (2012 prices)' (a year's sum: '... per year'; a present value: '..., present value at
3.5%'); ratios are 'ratio', shares and probabilities '1', years 'year'; demand is each activity's own
unit from the cost file ('place-weeks', 'arrests'), per year, named by the ``activity_unit`` coordinate.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import xarray as xr

from jrsim.core.results import PEOPLE, PROVEN_OFFENCES, TRUE_FALSE
from jrsim.engine import declarations
from jrsim.outputs.measures import ARMS, measure_label
from jrsim.parameters.declaration import words

PRICES = "GBP ({price_year} prices)"
GBP_A_YEAR = PRICES + " per year"
GBP_A_WEEK = PRICES + " per week"
PRESENT_VALUE = PRICES + ", present value at {rate:.1%}"
SHARE = "1"  # a probability, a share, an index between 0 and 1, a loss (dimensionless)
RATIO = "ratio"
YEAR = "year"
RATE_A_YEAR = "1 per year"
RUNS = "runs"
FULL_SIZE = "{unit} (full size: the run's counts divided by run.scale)"
DEMAND_A_YEAR = "activity_unit per year (each activity's own unit: the activity_unit coordinate)"
DEMAND = "activity_unit (each activity's own unit: the activity_unit coordinate), over the years"
PER_PARAMETER = "parameter_unit (each parameter's own unit, as its file writes it: the parameter_unit coordinate)"
PER_TARGET = "target_unit (each target's own unit: the target_unit coordinate)"
OUTPUT = "{output_unit}"  # sensitivity: the unit of the output analysed
PER_MEASURE = "measure_unit (each measure's own unit: the measure_unit coordinate)"
PROVIDER_PRICES = "GBP (the provider's price year), at full size"
DESIGN_PRICES = "GBP (the design's price year) per year, at full size"  # a commissioning design's lots
PEOPLE_FULL_SIZE = "people (full size)"  # as the providers' cohorts and a contract's cohort write it
REOFFENCES = "proven re-offences (full size)"
LABEL = ""  # an identifier (a seed, a draw's number): a long_name and no unit
# The coordinates that name what each entry of a dimension is (activity, parameter, target): <dim>_label.
LABEL_SUFFIX = "_label"
ACTIVITY_LABEL = "activity" + LABEL_SUFFIX
# What a variable may have carried over from the run it was computed from: replaced, never kept.
INHERITED = ("units", "kind", "long_name")


@dataclass(frozen=True)
class Unit:
    template: str
    long_name: str


def _each(template: str, long_names: dict[str, str]) -> dict[str, Unit]:
    """Names that share a unit, each with its long name."""
    return {name: Unit(template, text) for name, text in long_names.items()}


UNITS: dict[str, Unit] = {
    **_each(GBP_A_YEAR, {
        "savings_cashable": "savings that can be taken out of budgets (baseline minus scenario)",
        "savings_non_cashable": "savings of capacity freed, not released (baseline minus scenario)",
        "savings_economic_social": "cost of crime to victims and society avoided (not a budget)",
        "savings_services": "less spending on services the baseline buys (a cashable saving to their funders)",
        "savings_fiscal": "savings to public budgets, cashable and not",
        "savings_by_activity": "savings by priced activity (baseline minus scenario)",
        "investment": "the scenario's extra spending on services, by funder",
        "net_fiscal_benefit": "fiscal savings minus investment",
        "net_fiscal_benefit_after_transfers": "net fiscal benefit after the contracts' payments",
        "transfers": "contract payments received minus paid (scenario minus baseline)",
        "transfers_outside": "contract payments to parties outside the public sector, net",
        "transfer_flows": "contract payments from payer to payee (scenario minus baseline)",
        "results_paid": "results payments to each payee outside the public sector, less fees it repaid (the "
                        "scenario run)",
        "payments_by_contract": "payments by contract and purpose, as paid (scenario minus baseline)",
        "spend_baseline": "spending by agency in the baseline: priced activity and services funded",
        "spend_scenario": "spending by agency in the scenario: priced activity and services funded",
        "spend_by_activity_baseline": "spending by priced activity in the baseline",
        "spend_by_activity_scenario": "spending by priced activity in the scenario"}),
    **_each(GBP_A_WEEK, {"weekly_spend_baseline": "spending by agency in the baseline, week by week",
                         "weekly_spend_scenario": "spending by agency in the scenario, week by week"}),
    **_each(PRESENT_VALUE, {
        "npv_fiscal": "net present value to the public sector: every public budget's net fiscal benefit, less "
                      "what the contracts paid parties outside the public sector",
        "npv_cashable": "net present value of cashable savings less investment, all agencies, less what the "
                        "contracts paid parties outside the public sector",
        "npv_economic_social": "present value of the cost of crime avoided",
        "matrix": "who invests, who saves: each saver's savings shared among investors"}),
    **_each(RATIO, {
        "roi": "return on investment: present net fiscal benefit per pound invested (present value)",
        "roi_total": "return on investment of all agencies together",
        "outside_multiple": "money returned per pound put in, for a party outside the public sector",
        "variance_ratio": "variance unpaired over variance paired"}),
    **_each(YEAR, {"payback_year": "first year the cumulative discounted net benefit is at least zero",
                   "payback_year_total": "payback year of all agencies together",
                   "year": "budget year, labelled by the calendar year it starts in (its budget_year "
                           "attribute says financial, from 1 April, or calendar)"}),
    **_each(RATE_A_YEAR, {"outside_irr": "internal rate of return of a party outside the public sector"}),
    **_each(DEMAND_A_YEAR, {"demand_baseline": "units of each priced activity in the baseline",
                            "demand_scenario": "units of each priced activity in the scenario"}),
    **_each(DEMAND, {"demand_change": "change in units of each priced activity, scenario minus baseline"}),
    **_each(RUNS, {"runs": "finished runs the figures rest on"}),
    # both runs' proven-reoffending cohorts by quarter and risk band (jrsim.outputs.measures.band_cohorts)
    **_each(FULL_SIZE.format(unit=PEOPLE), {f"band_{count}_{arm}": f"{text} by quarter and risk band, the {arm}"
                                            for count, text in (("cohort_size", "reoffending cohort"),
                                                                ("reoffenders", "proven reoffenders"))
                                            for arm in ARMS}),
    **_each(FULL_SIZE.format(unit=PROVEN_OFFENCES),
            {f"band_reoffences_{arm}": f"proven re-offences by cohort quarter and risk band, the {arm}" for arm in ARMS}),
    # the cost file as a comparison carries it (jrsim.economics.ledger.cost_table)
    **_each(PRICES + " per unit of the activity (the cost_unit coordinate)",
            {"unit_cost": "cost of one unit of each priced activity"}),
    **_each(SHARE, {f"cost_share_{part}": f"share of the unit cost that is {part.replace('_', '-')}"
                    for part in ("variable", "semi_fixed", "fixed")}),
    **_each("activity_unit in a week (each activity's own unit: the activity_unit coordinate)",
            {"step_size": "a whole step of a semi-fixed cost"}),
    **_each("weeks", {"step_weeks": "how long demand must stay down before a step is cashable"}),
    **_each(TRUE_FALSE, {"done": "the run's results are stored",
                         "accepted": "the evaluation's parameter set is among the accepted sets"}),
    **_each(SHARE, {
        "discount_factor": "discount factor of the year (1 in the first year)",
        "p_net_benefit_positive": "share of runs with a positive net fiscal benefit",
        "p_total_positive": "share of runs with a positive fiscal NPV, all agencies",
        "p_net_benefit_positive_low": "lower end of the 95% Wilson interval of p_net_benefit_positive",
        "p_net_benefit_positive_high": "upper end of the 95% Wilson interval of p_net_benefit_positive",
        "p_total_positive_low": "lower end of the 95% Wilson interval of p_total_positive",
        "p_total_positive_high": "upper end of the 95% Wilson interval of p_total_positive",
        "p_after_transfers_positive": "share of runs with a positive net fiscal benefit after the contracts' payments",
        "p_after_transfers_positive_low": "lower end of the 95% Wilson interval of p_after_transfers_positive",
        "p_after_transfers_positive_high": "upper end of the 95% Wilson interval of p_after_transfers_positive",
        "paid_back_by_year": "share of runs whose investment had paid back by the end of each year",
        "paid_back_by_year_total": "share of runs whose total investment had paid back by the end of each year",
        "checksum": "digest of the run's stored arrays (an identifier, BLAKE2b cut to 8 bytes)",
        "seed": "the pair's random seed (an identifier)",
        "calibration_set": "the accepted parameter set each draw took (its index)",
        "S1": "first-order Sobol index", "S1_conf": "95% confidence half-width of S1",
        "ST": "total-order Sobol index", "ST_conf": "95% confidence half-width of ST",
        "loss": "sum over targets of ((simulated - published) / tolerance)^2",
        "generation": "the generation of differential evolution (0: the initial population)",
        "best_loss": "best loss so far", "median_loss": "median loss of the generation",
        "parameter_spread": "mean standard deviation of the population over each prior's width",
        "weight": "the set's weight"}),
    **_each(OUTPUT, {
        "mu_star": "Morris mu*: mean absolute elementary effect", "mu_star_conf": "95% confidence half-width of mu*",
        "mu": "Morris mu: mean elementary effect", "sigma": "Morris sigma",
        "sd_paired": "standard deviation of the output across paired replicates",
        "sd_unpaired": "standard deviation of the output across unpaired replicates"}),
    **_each(PER_PARAMETER, {"value": "the parameter set's values",
                            "draw_value": "each draw's drawn value of each parameter",
                            "calibrated_value": "each draw's calibrated value of each parameter"}),
    **_each(PER_TARGET, {"simulated": "the evaluation's simulated figure, national",
                         "published": "the published figure", "tolerance": "the target's tolerance"}),
    # carried from the runs (jrsim.experiments.carried): each contract's results by cohort year
    **_each(PER_MEASURE, {
        "contract_observed": "outcome each contract measured in the scenario run, by year and measure",
        "contract_reference": "outcome each contract compared it with"}),
    **_each(PEOPLE_FULL_SIZE + "; cost_of_demand: GBP, the baseline cost", {"contract_cohort": "cohort each contract measured"}),
    **_each(TRUE_FALSE, {"contract_met": "whether the contract's target on the measure was met",
                         "band_cohort_complete": "whether the cohort quarter's follow-up ended within the run"}),
    **_each(PRICES, {"contract_paid": "paid to each contract's payee for its cohort or contract year, by purpose "
                                      "(the scenario run)"}),
    **_each(YEAR, {"result_year": "the cohort or contract year a contract's results and payments are for"}),
    # carried from the scenario run: its providers (SPEC of issue 23)
    **_each("multiple of need effort (1: as by need)", {"provider_effort": "effort each provider chose"}),
    **_each("people (full size), mean over the review period", {
        "provider_caseload": "people in each provider's caseload",
        "provider_in_services": "people of its caseload waiting for or in a service place"}),
    **_each("contacts in the review period (full size)", {"provider_contacts": "contacts each provider delivered"}),
    **_each("people (full size) in the review period", {
        "provider_referrals_on": "people each provider newly referred to a pathway service"}),
    **_each(PROVIDER_PRICES, {"provider_income": "each provider's income: fees accrued and results received",
                              "provider_costs": "each provider's costs, fixed and per contact",
                              "provider_reserves": "each provider's reserves at the end of the period",
                              "provider_decisions": "results payment the provider expected at each decision"}),
    **_each(SHARE, {"provider_responsiveness": "how far each provider seeks profit (0: serves by need)"}),
    **_each(YEAR, {"provider_price_year": "the price year of each provider's costs, reserves and books"}),
    **_each("people (full size) at the end of each week", {
        "contracted_out": "people supervised by providers outside the public sector (priced by their contracts, "
                          "not at probation's unit cost), by status"}),
    **_each("multiple of the service's chance of a referral (1: as by need at need effort)", {
        "provider_referral_choice": "each provider's referral choice by band and service"}),
    **_each("people (full size) in the review period", {
        "provider_referrals_by_service": "people each provider newly referred, by service"}),
    **_each(PEOPLE_FULL_SIZE, {"provider_cohort_size": "each provider's cohorts",
                               "provider_reoffenders": "its cohorts' proven reoffenders"}),
    **_each(REOFFENCES, {"provider_reoffences": "its cohorts' proven re-offences"}),
    # carried from the scenario run: its commissioning designs as let (jrsim.commissioning.tender), a lot each
    **_each(DESIGN_PRICES, {"lot_value": "each lot's value a year", "lot_front_line": "money a year reaching the "
                            "providers who deliver", "lot_top_slice": "management fee a year kept by the prime",
                            "lot_risk_premium": "the winner's price a year for the capital it holds against the "
                                                "lot's results risk",
                            "lot_management_cost": "contract management and monitoring a year",
                            "lot_results_sd": "standard deviation of a year's results payment",
                            "lot_results_money": "the lot's money a year paid on results"}),
    **_each("GBP (the design's price year), at full size", {"lot_competition_cost": "the lot's competition, once"}),
    **_each("GBP (the design's price year) per case", {"lot_cost_per_case": "cost per case served"}),
    **_each("people per year (full size)", {"lot_cases": "the lot's cohort a year",
                                            "lot_cases_served": "cases the lot's money buys a year"}),
    **_each(SHARE, {"lot_need_match": "need matching of the lot's providers' referrals",
                    "lot_expected_fall": "the fall in the lot's reoffending rate that pays its results in full",
                    "lot_small_local_share": "share of the lot's value reaching small local providers"}),
    **_each("GBP paid per GBP of the lot's results money a year", {
        "lot_results_per_pound": "each lot's results payment for a whole cohort year, per pound of its results money",
        "design_results_paid_mean": "a lot's results payment for a cohort year per pound of its results money, "
                                    "mean over lots and cohort years",
        "design_results_paid_sd": "its standard deviation over lots and cohort years (the run's scale: a sampled "
                                  "cohort)"}),
    **_each("GBP a year per GBP of results money a year", {
        "design_results_sd_median_lot": "standard deviation of a year's results payment, the median lot (full size)",
        "design_results_sd_smallest_lot": "standard deviation of a year's results payment, the smallest lot"}),
    **_each("GBP (the design's price year) per case", {
        "design_cost_per_case": "what a case served costs the commissioner, management fees included"}),
    **_each(DESIGN_PRICES, {"design_management_cost": "contract management and monitoring a year, all lots"}),
    **_each("GBP (the design's price year), at full size", {"design_competition_cost": "the lots' competitions, once"}),
    **_each(SHARE, {"design_need_match": "need matching the winners declare, weighted by the cases they serve",
                    "design_referrals_meeting_need": "share of the design service's referrals meeting an unmet need",
                    "design_small_local_share": "share of the designs' money reaching small local providers"}),
    **_each("lots", {"design_lots": "lots let"}),
    **_each("people per year (full size)", {"design_cases_served": "cases the designs' money buys a year"}),
    **_each(YEAR, {"lot_year": "the cohort year a lot's results are for"}),
    **_each(PEOPLE_FULL_SIZE + " over the output years", {
        "design_referrals": "referrals to each design's service (the scenario run)",
        "design_referrals_meeting_need": "of them, people with the service's need unmet"}),
    **_each(LABEL, {  # coordinates that number things rather than measure them
        "replicate": "the pair's seed", "review": "the provider's review period (0: the first in the output)",
        "provider_decision": "the decision's number in the providers' log",
        "draw": "the draw's number", "evaluation": "the evaluation's number",
        "set": "the set's number", "step": "the generation the convergence figures are for (0: the initial population)"}),
}
# Names built from another's: its unit, and a long name saying how.
PREFIXES = {"pv_": (PRESENT_VALUE, "present value of {}")}
SUFFIXES = {"_mean": "mean across runs of {}", "_p05": "5th percentile across runs of {}",
            "_p50": "median across runs of {}", "_p95": "95th percentile across runs of {}",
            "_se": "Monte Carlo standard error of {}"}
# A sensitivity output as its file writes it: variable[dim=label, ...]
OUTPUT_NAME = re.compile(r"^\s*(?P<variable>[a-z_]+)\s*(?:\[(?P<select>.*)\])?\s*$")
PER_YEAR = " per year"


def unit_of(name: str) -> Unit | None:
    """The unit of a name the table knows, directly or through a prefix or suffix (None: unknown)."""
    if name in UNITS:
        return UNITS[name]
    for suffix, text in SUFFIXES.items():
        base = unit_of(name[:-len(suffix)]) if name.endswith(suffix) else None
        if base is not None:
            return Unit(base.template, text.format(base.long_name))
    for prefix, (template, text) in PREFIXES.items():
        base = unit_of(name[len(prefix):]) if name.startswith(prefix) else None
        if base is not None:
            return Unit(template, text.format(base.long_name))
    return None


def plural(unit: str) -> str:
    """'place-week' -> 'place-weeks', 'breach' -> 'breaches' (a cost file's unit, counted)."""
    return unit + ("es" if unit.endswith(("s", "x", "ch", "sh")) else "s")


def with_units(ds: xr.Dataset, book: Any = None, rate: float | None = None, *, context: Mapping | None = None,
               meta: Mapping[str, Mapping] | None = None, targets: Iterable[Any] = (),
               partial: bool = False) -> xr.Dataset:
    """``ds`` with every variable and numeric coordinate labelled from ``UNITS``. The price year and
    discount rate come from ``book`` (a CostBook) and ``rate``, else from ``context`` or ds.attrs (a
    labelled Dataset records them); ``book`` also names each activity's unit, ``meta`` (a scenario's
    leaves) each parameter's, ``targets`` each target's. ``partial``: a variable whose unit needs a
    price year not known here keeps the label this function gave it (a store laid out from labelled
    results) and loses what it carried over from a run (a store written before units were declared)."""
    filled = _context(ds, book, rate, context)
    out = _unit_coordinates(ds, book, meta, targets)
    unknown = []
    for name in [*out.data_vars, *(c for c in out.coords if _numeric(out[c]))]:
        unit = unit_of(str(name))
        if unit is None:
            unknown.append(str(name))
            continue
        try:
            text = unit.template.format_map(filled)
        except KeyError as missing:
            if partial:  # labelled here before (a long name and no run kind): kept; carried over from a run: dropped
                if not _labelled_here(out[name].attrs):
                    out[name].attrs = {k: v for k, v in out[name].attrs.items() if k not in INHERITED}
                continue
            raise ValueError(f"unit of {name!r} needs {missing} (pass the cost book)") from None
        kept = {k: v for k, v in out[name].attrs.items() if k not in INHERITED}
        out[name].attrs = {**kept, **({"units": text} if text else {}), "long_name": unit.long_name}
    if unknown:
        raise ValueError(f"no unit declared for {sorted(unknown)}: add each to jrsim.outputs.units.UNITS")
    out.attrs.update({k: filled[k] for k in ("price_year", "discount_rate") if k in filled})
    return out


def _labelled_here(attrs: Mapping) -> bool:
    """Whether a variable's attributes are this table's: a run's variables carry a long name too, but
    also their ``kind``, which this function drops."""
    return "long_name" in attrs and "kind" not in attrs


def _numeric(da: xr.DataArray) -> bool:
    """A coordinate that measures something (a year), not a text label or a date (dates carry CF units)."""
    return da.dtype.kind in "iuf"


def _context(ds: xr.Dataset, book: Any, rate: float | None, context: Mapping | None) -> dict:
    """What the templates are filled with: the price year, the discount rate, a sensitivity output's unit."""
    known = {**{k: v for k, v in ds.attrs.items() if k in ("price_year", "discount_rate")}, **(context or {})}
    filled = {k: known[k] for k in ("price_year", "discount_rate") if k in known}
    if book is not None:
        filled.update(price_year=book.base_price_year, discount_rate=book.discount_rate)
    if rate is not None:
        filled["discount_rate"] = float(rate)
    if "discount_rate" in filled:
        filled["rate"] = filled["discount_rate"]
    if "output" in ds.attrs:
        unit = _output_unit(str(ds.attrs["output"]), filled, book)
        if unit is not None:
            filled["output_unit"] = unit
    return filled


def _output_unit(output: str, filled: dict, book: Any) -> str | None:
    """The unit of a sensitivity output ``variable[dim=label, ...]``: summed over the years unless
    one is chosen, and in its activity's unit for demand."""
    match = OUTPUT_NAME.match(output)
    unit = unit_of(match["variable"]) if match else None
    if unit is None:
        return None
    parts = [p.replace(" ", "") for p in (match["select"] or "").split(",")]
    chosen = dict(p.split("=", 1) for p in parts if p)
    try:
        text = unit.template.format_map(filled)
    except KeyError:
        return None
    if unit.template == DEMAND_A_YEAR and book is not None and "activity" in chosen:
        text = plural(_activity_units(book)[chosen["activity"]]) + PER_YEAR
    return text if "year" in chosen or not text.endswith(PER_YEAR) else text[:-len(PER_YEAR)]


def _activity_units(book: Any) -> dict[str, str]:
    return {a.name: a.unit for a in book.activities}


def _unit_coordinates(ds: xr.Dataset, book: Any, meta: Mapping | None, targets: Iterable[Any]) -> xr.Dataset:
    """Each activity's, parameter's and target's own unit, and its label (what an analyst calls it: the
    reports show it beside the key), as coordinates along its dimension."""
    coords = {}
    if book is not None and "activity" in ds.dims:
        units, labels = _activity_units(book), {a.name: a.label for a in book.activities}
        coords["activity_unit"] = ("activity", [plural(units[str(a)]) for a in ds["activity"].values])
        coords[ACTIVITY_LABEL] = ("activity", [labels[str(a)] for a in ds["activity"].values])
    for dim in ("parameter", "calibrated_parameter"):
        if dim in ds.dims:
            names = [str(p) for p in ds[dim].values]
            if meta is not None:
                coords[f"{dim}_unit"] = (dim, [parameter_unit(p, meta, book) for p in names])
            if f"{dim}{LABEL_SUFFIX}" not in ds.coords:  # labelled before, with the cost file: kept
                coords[f"{dim}{LABEL_SUFFIX}"] = (dim, parameter_labels(names, book))
    by_name = {t.name: t for t in targets}
    if by_name and "target" in ds.dims:
        chosen = [by_name[str(t)] for t in ds["target"].values]
        coords["target_unit"] = ("target", [measure_unit(t.measure, t.kind) for t in chosen])
        coords[f"target{LABEL_SUFFIX}"] = ("target", [measure_label(t.measure) for t in chosen])
    return ds.assign_coords(coords)


def labels_along(ds: xr.Dataset, dim: str) -> list[str]:
    """The label of each entry of ``dim`` as the Dataset carries it (its ``<dim>_label`` coordinate); a
    Dataset written before labels: a parameter's from its declaration, anything else its key."""
    if f"{dim}{LABEL_SUFFIX}" in ds.coords:
        return [str(v) for v in ds[f"{dim}{LABEL_SUFFIX}"].values]
    names = [str(v) for v in ds[dim].values]
    return parameter_labels(names) if dim.endswith("parameter") else names


def output_label(output: str) -> str:
    """A sensitivity output (``variable[dim=label, ...]``) in words: its variable's long name, then the choice."""
    match = OUTPUT_NAME.match(output)
    unit = unit_of(match["variable"]) if match else None
    if unit is None:
        return output
    return unit.long_name + (f" [{match['select']}]" if match["select"] else "")


def parameter_labels(names: list[str], book: Any = None) -> list[str]:
    """What an analyst calls each parameter: its declaration's label; a cost key's from the cost file
    (``book``) or its key; a name no module declares, the name itself."""
    declared = {p.name: p.label for p in declarations(names)}
    return [declared.get(name) or _cost_label(name, book) or name for name in names]


def _cost_label(name: str, book: Any) -> str | None:
    """The label of a drawn key of the cost file (the discount rate, an activity's unit cost)."""
    if name == COST_RATE:
        return "Discount rate"
    cost = COST_KEY.match(name)
    if cost is None:
        return None
    labels = {a.name: a.label for a in book.activities} if book is not None else {}
    return f"Unit cost: {labels.get(cost.group(1)) or words(cost.group(1))}"


# A drawn key of the cost file (jrsim.experiments.experiment's COST_PREFIX): the discount rate, a unit cost.
COST_RATE = "costs.discount_rate.value"
COST_KEY = re.compile(r"^costs\.activities\.([^.]+)\.cost$")


def parameter_unit(name: str, meta: Mapping[str, Mapping], book: Any = None) -> str:
    """A scenario parameter's unit as its file writes it; a cost key's from the cost file."""
    if name in meta:
        return str(meta[name].get("unit", "")) or "as written in the scenario file (no unit given)"
    if name == COST_RATE:
        return RATE_A_YEAR
    cost = COST_KEY.match(name)
    if book is not None and cost:
        leaf = book.raw["activities"][cost.group(1)]
        return f"GBP ({leaf['price_year']} prices) per {leaf['unit']}"
    return "as written in its file"


def measure_unit(measure: str, kind: str) -> str:
    """The unit of a headline measure a calibration target names (``jrsim.outputs.measures``)."""
    if kind == "rate" or "_rate_" in measure or measure.endswith("_rate"):
        return SHARE
    if measure.endswith("_growth_per_year"):
        return RATE_A_YEAR
    if measure.startswith("reoffences_per_reoffender"):
        return "proven reoffences per reoffender"
    if measure.endswith(PER_YEAR.replace(" ", "_")):
        return measure[:-len(PER_YEAR)].replace("_", " ") + PER_YEAR + " (national)"
    return "people (national, mean of the weeks)"
