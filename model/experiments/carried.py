"""What a comparison carries from its runs beyond the ledger's sums, so that the report can say it
from the NetCDF alone: each contract's results by cohort year (what it measured against what, whether
its target was met, what its payee was paid, fee and results apart), and, when the scenario has
providers, their decisions and outcomes (the scenario run's ``provider_*``) with both runs' cohorts
by risk band (``band_*``), from which the report draws the outcome change by band.

Nothing here changes a variable the ledger writes: each function returns new variables only, and
none when the runs have nothing to carry (a scenario without contracts or providers).
"""
from __future__ import annotations

import re
from collections.abc import Iterator

import numpy as np
import pandas as pd
import xarray as xr

from jrsim.commissioning.kinds.payment_by_results import PaymentByResults
from jrsim.commissioning.provision import CONTRACTED_OUT
from jrsim.core.results import JOIN
from jrsim.core.vocabulary import ORDER_DISPOSALS
from jrsim.core.vocabulary import PROVIDER_DECISION as DECISION
from jrsim.economics.costs import CostBook
from jrsim.economics.ledger import PURPOSES  # what a payment is for: fee, fee repaid, results ...
from jrsim.parameters.scenario import Params

# A contract's results by cohort year: (contract, the year its cohort or contract year is, the measure).
RESULT_DIMS = ("result_contract", "result_year")
MEASUREMENTS = {"contract_observed": "observed", "contract_reference": "reference", "contract_cohort": "cohort"}
PAYMENT_BY_RESULTS = PaymentByResults.name  # the kind whose measure a provider's chart is grouped by
# The provider variables the scenario run holds (SPEC23), carried as they are.
PROVIDER_VARIABLES = ("provider_effort", "provider_caseload", "provider_contacts", "provider_referrals_on",
                      "provider_in_services", "provider_income", "provider_costs", "provider_reserves",
                      "provider_cohort_size", "provider_reoffenders", "provider_reoffences", "provider_decisions",
                      "provider_referral_choice", "provider_referrals_by_service")
NO_RESULTS = "fee for service only"
GATEWAY = "gateway:"  # a measure 'gateway:<service>': the starts of a service a results payment waits for
MEASURE_UNITS = {"binary": "1 (the share of the cohort who proven-reoffend)",
                 "frequency": "proven re-offences per person of the cohort", "cost_of_demand": "GBP (the contract's price year)"}
HURDLE = "binary with frequency hurdle"


def carried(params: Params, counterfactual: xr.Dataset, scenario: xr.Dataset, book: CostBook) -> xr.Dataset:
    """Everything this module carries, as one Dataset to merge into a pair's comparison."""
    return xr.merge([contract_results(scenario, book), providers(scenario), designs(scenario)])


def latest(params: Params, key: str, default=None):
    """The value a key takes last in the run (at the start, then at each policy date): a scenario's
    contracts and providers come in on their dates."""
    values = [v for _, v, _ in in_force(params, re.escape(key))]
    return values[-1] if values else default


def in_force(params: Params, pattern: str) -> Iterator[tuple[str, object, str]]:
    """(key, value, origin) of every value a key matching ``pattern`` takes in the run: at the start and
    at each policy date."""
    match = re.compile(pattern).fullmatch
    for key, value in params.values.items():
        if match(key):
            yield key, value, params.origin.get(key, "scenario")
    for change in params.changes:
        if match(change.key):
            yield change.key, change.value, change.where


def members(params: Params, family: str, field: str = "kind") -> list[str]:
    """The members of a family (contracts, providers; designs by their ``level``) the run lets, in the
    order the files name them."""
    return list(dict.fromkeys(k.split(".")[1] for k, _, _ in in_force(params, rf"{family}\.[^.]+\.{field}")))


def _names(value) -> str:
    return JOIN.join(map(str, value or ()))


# ---------------------------------------------------------------- contracts' results by cohort year
def contract_results(run: xr.Dataset, book: CostBook) -> xr.Dataset:
    """The scenario run's measurements (contract x year x measure: observed, reference, cohort, met) and
    payments by the year they pay on (contract x year x purpose, base prices), with each contract's
    kind, payee and areas. Every variable whenever the scenario lets a contract (a seed that measured or
    paid nothing has them empty or zero, so that replicates line up); none when it lets none."""
    measured = "contract_observed" in run and run.sizes.get("measurement", 0) > 0
    paid = "contract_payments" in run and run.sizes.get("payment", 0) > 0
    terms = contract_terms(run)
    let = list(terms)
    if not (let or measured or paid):
        return xr.Dataset()
    contracts = list(dict.fromkeys([*let, *(map(str, run["measured_contract"].values) if measured else ()),
                                    *(map(str, run["payment_contract"].values) if paid else ())]))
    years = sorted({*(map(int, run["measured_year"].values) if measured else ()),
                    *(map(int, run["pays_on_year"].values) if paid else ())})
    out = _measurements(run if measured else None, contracts, years)
    out["contract_paid"] = _paid(run if paid else None, contracts, years, book)
    return out.assign_coords(
        result_contract=contracts, result_year=np.array(years, np.int64),
        **{f"result_contract_{what}": ("result_contract", [terms.get(c, {}).get(what, "") for c in contracts])
           for what in ("kind", "payee", "areas")})


def contract_terms(run: xr.Dataset) -> dict[str, dict]:
    """Each contract let in the run as its Dataset records it: kind, payee, areas, measure, price per
    re-offence (none: a run from before contracts were recorded so)."""
    if "contract_kind" not in run:
        return {}
    kinds = run["contract_kind"]
    columns = zip(kinds["contract"].values, kinds.values, kinds["contract_payee"].values, kinds["contract_areas"].values,
                  kinds["contract_measure"].values, kinds["contract_frequency_price"].values)
    return {str(c): {"kind": str(k), "payee": str(p), "areas": str(a), "measure": str(m), "frequency_price": float(f)}
            for c, k, p, a, m, f in columns}


def _measurements(run: xr.Dataset | None, contracts: list[str], years: list[int]) -> xr.Dataset:
    measures = list(dict.fromkeys(map(str, run["measure"].values))) if run is not None else []
    shape = (len(contracts), len(years), len(measures))
    arrays = {name: np.full(shape, np.nan) for name in (*MEASUREMENTS, "contract_met")}
    for i in range(run.sizes["measurement"] if run is not None else 0):
        m = run.isel(measurement=i)
        at = (contracts.index(str(m["measured_contract"].values)), years.index(int(m["measured_year"])),
              measures.index(str(m["measure"].values)))
        for name in MEASUREMENTS:
            arrays[name][at] = float(m[name])
        arrays["contract_met"][at] = float(bool(m["met"]))
    dims = (*RESULT_DIMS, "measure")
    return xr.Dataset({name: (dims, a) for name, a in arrays.items()},
                      coords={"measure": measures, "measure_unit": ("measure", [measure_unit(m) for m in measures])})


def measure_unit(measure: str) -> str:
    """The unit of a contract measure's outcome (and of the reference it is compared with)."""
    if measure.startswith(GATEWAY):
        return "service starts in the year (full size)"
    return MEASURE_UNITS.get(measure, "as the measure counts")


def _paid(run: xr.Dataset | None, contracts: list[str], years: list[int], book: CostBook) -> xr.DataArray:
    out = np.zeros((len(contracts), len(years), len(PURPOSES)))
    pays = run["contract_payments"] if run is not None else xr.DataArray(np.zeros(0), dims="payment", coords={
        k: ("payment", []) for k in ("payment_contract", "pays_on_year", "purpose", "payment_price_year")})
    for amount, contract, year, purpose, price_year in zip(
            pays.values, pays["payment_contract"].values, pays["pays_on_year"].values, pays["purpose"].values,
            pays["payment_price_year"].values):
        out[contracts.index(str(contract)), years.index(int(year)), PURPOSES.index(str(purpose))] += \
                book.uplift(float(amount), int(price_year), "contract price_year")
    # its own dimension: merged into the comparison, a second "purpose" could reorder payments_by_contract's
    return xr.DataArray(out, dims=(*RESULT_DIMS, "paid_for"), coords={"paid_for": list(PURPOSES)})


# ---------------------------------------------------------------- providers and cohorts by risk band
def providers(scenario: xr.Dataset) -> xr.Dataset:
    """The scenario run's provider variables and each provider's areas, index disposals and measure (from the
    run's Dataset: a design's lots make providers no scenario file names); empty without providers (both runs'
    cohorts by band come with every comparison: outputs.measures)."""
    present = [name for name in PROVIDER_VARIABLES if name in scenario]
    if not present or scenario.sizes.get("provider", 0) == 0:
        return xr.Dataset()
    out = xr.Dataset({name: scenario[name] for name in present})
    # the run's coordinates along its services (their funders, price years) are the run's, not the providers'
    out = out.drop_vars([c for c in out.coords if out[c].dims == ("service",) and c != "service"])
    if DECISION in out.dims:  # numbered, so that replicates whose logs differ in length line up (padded)
        out = out.assign_coords({DECISION: np.arange(out.sizes[DECISION])})
    names = [str(p) for p in out["provider"].values]
    orders = [str(o).split(JOIN) for o in scenario["provider_orders"].values]
    terms = contract_terms(scenario)
    out = out.assign_coords(provider_disposals=("provider", [_names(_disposals(o)) for o in orders]),
                            provider_measure=("provider", [provider_measure(terms, p) for p in names]))
    if CONTRACTED_OUT in scenario:  # what the ledger took out of probation's priced places, week by week
        out[CONTRACTED_OUT] = (scenario[CONTRACTED_OUT].sum("area") / float(scenario.attrs.get("scale", 1.0))
                               ).assign_attrs(scenario[CONTRACTED_OUT].attrs)
    if "cohort_complete" in scenario and "cohort_quarter" in out.coords:
        out["band_cohort_complete"] = _quarters_complete(scenario["cohort_complete"], out["cohort_quarter"])
    return out


# ---------------------------------------------------------------- commissioning designs
def designs(scenario: xr.Dataset) -> xr.Dataset:
    """The scenario run's designs as let (its ``lot_*``: who won, what the money buys, the results spread),
    how its designs' services referred over the output years (referrals, and those of people with the
    service's need unmet; national, full size), and what each lot was paid on its results per pound of its
    results money, cohort year by cohort year (``lot_results_per_pound``); empty without designs."""
    lots = [name for name in scenario.data_vars if str(name).startswith("lot_")]
    if not lots:
        return xr.Dataset()
    out = xr.Dataset({name: scenario[name] for name in lots})
    services = list(dict.fromkeys(str(s) for s in scenario["lot_service"].values if str(s)))  # '': supervision
    scale = float(scenario.attrs.get("scale", 1.0))
    for name, var in (("design_referrals", "service_referrals"),
                      ("design_referrals_meeting_need", "service_referrals_meeting_need")) if services else ():
        counts = scenario[var].sel(service=services).sum("time")
        counts = counts.drop_vars([c for c in counts.coords if c != "service"])  # the run's funders, price years
        out[name] = counts.rename(service="design_service") / scale
    out["lot_results_per_pound"] = lot_results_per_pound(scenario)
    return out


def lot_results_per_pound(run: xr.Dataset) -> xr.DataArray:
    """Each lot's results payment for a whole year of a cohort, per pound of its year's results money (lot x
    lot_year, the cohort years measured; NaN for a lot not paying on results): the fall in its cohort's rate
    against its baseline over the fall that pays in full, nothing for a rise (jrsim.commissioning.lot_results)."""
    contracts = [str(c) for c in run["lot_contract"].values]
    measured = [(contracts.index(str(c)), int(y), float(r) - float(o)) for c, y, o, r in zip(
        run["measured_contract"].values, run["measured_year"].values, run["contract_observed"].values,
        run["contract_reference"].values) if str(c) in contracts] if "measured_contract" in run.coords else []
    years = sorted({y for _, y, _ in measured})
    out = np.full((len(contracts), len(years)), np.nan)
    falls = run["lot_expected_fall"].values
    for lot, year, fall in measured:
        out[lot, years.index(year)] = max(fall, 0.0) / falls[lot]
    return xr.DataArray(out, dims=("lot", "lot_year"), coords={"lot_year": np.array(years, np.int64)})


def _first(da: xr.DataArray) -> xr.DataArray:
    """A tender figure: the same in every replicate (the lots depend on the parameters, not the seed)."""
    return da.isel(replicate=0) if "replicate" in da.dims else da


def design_figures(ds: xr.Dataset) -> dict[str, float]:
    """A comparison's (or a pair's) designs as let and as run, in numbers (``DESIGN_FIGURES``, each NaN
    where the run has no design): the tender's figures, the same in every replicate; the referrals and the
    results paid, pooled over the replicates."""
    if "lot_value" not in ds:
        return {name: np.nan for name in DESIGN_FIGURES}
    value, served = _first(ds["lot_value"]), _first(ds["lot_cases_served"])
    money = _first(ds["lot_results_money"])
    sd_share = (_first(ds["lot_results_sd"]) / money.where(money > 0)).values
    paid = ds["lot_results_per_pound"].values.ravel()
    paid = paid[np.isfinite(paid)]
    referred, meeting = ((float(ds["design_referrals"].sum()), float(ds["design_referrals_meeting_need"].sum()))
                         if "design_referrals" in ds else (0.0, 0.0))  # a design buying supervision buys no places
    return {
        "design_lots": float(value.sizes["lot"]),
        "design_cases_served": float(served.sum()),
        "design_cost_per_case": float(value.sum() / served.sum()),
        "design_need_match": float((_first(ds["lot_need_match"]) * served).sum() / served.sum()),
        "design_referrals_meeting_need": meeting / referred if referred else np.nan,
        "design_small_local_share": float((_first(ds["lot_small_local_share"]) * value).sum() / value.sum()),
        "design_competition_cost": float(_first(ds["lot_competition_cost"]).sum()),
        "design_management_cost": float(_first(ds["lot_management_cost"]).sum()),
        "design_results_sd_median_lot": float(np.nanmedian(sd_share)) if np.isfinite(sd_share).any() else np.nan,
        "design_results_sd_smallest_lot": float(np.nanmax(sd_share)) if np.isfinite(sd_share).any() else np.nan,
        "design_results_paid_mean": float(paid.mean()) if len(paid) else np.nan,
        "design_results_paid_sd": float(paid.std(ddof=1)) if len(paid) > 1 else np.nan,
    }


# What design_figures gives, each a number a batch keeps for every pair of a scenario with designs.
DESIGN_FIGURES = ("design_lots", "design_cases_served", "design_cost_per_case", "design_need_match",
                  "design_referrals_meeting_need", "design_small_local_share", "design_competition_cost",
                  "design_management_cost", "design_results_sd_median_lot", "design_results_sd_smallest_lot",
                  "design_results_paid_mean", "design_results_paid_sd")


def _disposals(orders) -> list[str]:
    return [d for order in orders or () for d in ORDER_DISPOSALS.get(str(order), ())]


def provider_measure(terms: dict[str, dict], provider: str) -> str:
    """What a provider's results contracts pay on (``terms``: the run's contracts, ``contract_terms``): binary,
    frequency, binary with a frequency hurdle (a binary measure with a price per re-offence avoided behind it),
    several joined, or none."""
    kinds = []
    for t in terms.values():
        if t["payee"] != provider or t["kind"] != PAYMENT_BY_RESULTS:
            continue
        kinds.append(HURDLE if t["measure"] == "binary" and t["frequency_price"] > 0 else t["measure"])
    return ", ".join(dict.fromkeys(kinds)) or NO_RESULTS


def _quarters_complete(complete: xr.DataArray, quarters: xr.DataArray) -> xr.DataArray:
    """Whether each cohort quarter's follow-up and proof window ended within the run (its cohort year's)."""
    years = pd.DatetimeIndex(quarters.values).year
    by_year = dict(zip(map(int, complete["cohort_year"].values), map(bool, complete.values)))
    return xr.DataArray(np.array([by_year.get(int(y), False) for y in years], float), dims=("cohort_quarter",),
                        coords={"cohort_quarter": quarters.values})
