"""The commissioning layer's variables of a run's Dataset: every payment made within the run (one
entry each; none: an empty list), each measurement, each pool's reinvestment decisions, what each
commissioner paid by budget year, what each outside party received, the contracts' kinds, and the
calendar as it ran. Pure builders: they read the records, never the run."""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import xarray as xr

from jrsim.commissioning.lot_results import lot_contract
from jrsim.commissioning.records import Measurement, Payment
from jrsim.core.clock import Calendar
from jrsim.core.results import JOIN, LONG_NAME

GBP_CONTRACT_PRICES = "GBP (the contract's price year), at full size"
Dates = Callable[[list[int]], list]  # weeks of the run -> their output dates


def week_dates(clock: Calendar) -> Dates:
    """Weeks of the run as output dates (a week outside the output window: its first or last date)."""
    def dates_of(weeks: list[int]) -> list:
        dates = clock.dates()
        return [dates[min(max(clock.output_index(w), 0), len(dates) - 1)] for w in weeks]
    return dates_of


def calendar_variable(log: Sequence[tuple[int, str, str, int]], dates: Dates) -> xr.DataArray:
    """The calendar as it ran: each dated event, in order (the year it concerns as the value)."""
    weeks, contracts, what, years = (list(column) for column in zip(*log)) if log else ([], [], [], [])
    coords = {"event_on": ("event", dates(weeks)), "event_contract": ("event", contracts),
              "event_what": ("event", what)}
    return xr.DataArray(np.array(years, np.int64), dims=("event",), coords=coords,
                        attrs={"units": "year", "kind": "label", LONG_NAME: "Commissioning calendar",
                               "description": "the commissioning calendar's events; the value is the "
                                              "cohort, test, contract or budget year each concerns"})


def payment_variables(pays: Sequence[Payment], dates: Dates) -> dict[str, xr.DataArray]:
    coords = {"paid_on": ("payment", dates([p.week for p in pays])),
              "payment_contract": ("payment", [p.contract for p in pays]),
              "commissioner": ("payment", [p.commissioner for p in pays]),
              "payer": ("payment", [p.payer for p in pays]), "payee": ("payment", [p.payee for p in pays]),
              "purpose": ("payment", [p.purpose for p in pays]),
              "payment_price_year": ("payment", np.array([p.price_year for p in pays], np.int64)),
              "pays_on_year": ("payment", np.array([p.cohort_year for p in pays], np.int64))}
    return {"contract_payments": xr.DataArray(np.array([p.amount for p in pays], float), dims=("payment",),
                                              coords=coords, attrs={"units": GBP_CONTRACT_PRICES, "kind": "money",
                                                                    LONG_NAME: "Contract payments",
                                                                    "description": "payer to payee; negative: "
                                                                                   "the payee pays back"})}


def measurement_variables(ms: Sequence[Measurement], dates: Dates) -> dict[str, xr.DataArray]:
    coords = {"measured_on": ("measurement", dates([m.week for m in ms])),
              "measured_contract": ("measurement", [m.contract for m in ms]),
              "measure": ("measurement", [m.measure for m in ms]),
              "measured_year": ("measurement", np.array([m.year for m in ms], np.int64)),
              "met": ("measurement", np.array([m.met for m in ms], bool))}
    dims = ("measurement",)
    attrs = {"units": "per person (binary: a share; frequency: re-offences); cost_of_demand: GBP", "kind": "rate"}
    return {"contract_observed": xr.DataArray(np.array([m.observed for m in ms], float), dims=dims,
                                              coords=coords, attrs={**attrs, LONG_NAME: "Outcome measured"}),
            "contract_reference": xr.DataArray(np.array([m.reference for m in ms], float), dims=dims,
                                               coords=coords, attrs={**attrs, LONG_NAME: "Outcome it is compared with"}),
            "contract_cohort": xr.DataArray(np.array([m.cohort for m in ms], float), dims=dims, coords=coords,
                                            attrs={"units": "people (full size); cost_of_demand: the baseline "
                                                            "cost, GBP", "kind": "count",
                                                   LONG_NAME: "Cohort measured"})}


def pool_variables(ds: Sequence[dict]) -> dict[str, xr.DataArray]:
    coords = {"decision_contract": ("decision", [d["contract"] for d in ds]),
              "decision_year": ("decision", np.array([d["year"] for d in ds], np.int64))}
    out = {}
    for key, unit, label in (("savings_measured", GBP_CONTRACT_PRICES, "Pooled budget: savings measured"),
                             ("reinvested", GBP_CONTRACT_PRICES, "Pooled budget: savings reinvested"),
                             ("places_added", "places in the pool's areas (full size), the next year",
                              "Pooled budget: places added")):
        out[f"pool_{key}"] = xr.DataArray(np.array([d[key] for d in ds], float), dims=("decision",),
                                          coords=coords, attrs={"units": unit, "kind": "money"
                                                                if unit == GBP_CONTRACT_PRICES else "count",
                                                                LONG_NAME: label})
    return out


def commissioner_variables(commissioners: dict, years: list[int]) -> dict[str, xr.DataArray]:
    """``commissioners``: name -> Commissioner (its level, budget and what it paid by budget year)."""
    names = list(commissioners)
    paid = np.array([[commissioners[n].paid_by_budget_year.get(y, 0.0) for y in years] for n in names],
                    float).reshape(len(names), len(years))
    coords = {"commissioner": names, "budget_year": years,
              "level": ("commissioner", [commissioners[n].level for n in names]),
              "budget": ("commissioner", [commissioners[n].agency for n in names])}
    return {"commissioner_paid": xr.DataArray(paid, dims=("commissioner", "budget_year"), coords=coords,
                                              attrs={"units": GBP_CONTRACT_PRICES, "kind": "money",
                                                     LONG_NAME: "Paid by each commissioner",
                                                     "description": "net paid under the commissioner's "
                                                                    "contracts in each budget year (from 1 April)"})}


def received_variable(providers: dict) -> xr.DataArray:
    """``providers``: name -> the outside party's Provider (what it received)."""
    names = list(providers)
    return xr.DataArray(np.array([providers[n].received for n in names], float), dims=("provider",),
                        coords={"provider": names}, attrs={"units": GBP_CONTRACT_PRICES, "kind": "money",
                                                           LONG_NAME: "Received by outside parties",
                                                           "description": "net received by each party "
                                                                          "outside the public sector"})


def kind_variable(contracts: dict) -> xr.DataArray:
    """``contracts``: name -> Contract (the contracts let in the run), with each one's payee, areas, and the
    measure it pays results on and its price per re-offence behind that ('' and 0 for a kind without)."""
    names = list(contracts)
    f = [contracts[n].f for n in names]
    coords = {"contract": names, "contract_payee": ("contract", [c["payee"] for c in f]),
              "contract_areas": ("contract", [JOIN.join(c["areas"]) for c in f]),
              "contract_measure": ("contract", [c.get("measure", "") for c in f]),
              "contract_frequency_price": ("contract", np.array([c.get("frequency_price", 0.0) for c in f], float))}
    return xr.DataArray(np.array([contracts[n].kind for n in names], dtype=object).astype(str),
                        dims=("contract",), coords=coords,
                        attrs={"units": "kind", "kind": "label", LONG_NAME: "Kind of contract",
                               "description": "the contracts let in the run"})


GBP_DESIGN_PRICES = "GBP (the design's price year) per year, at full size"
# Each lot's figures as the tender gave them: (variable, Award attribute, unit, what it is).
LOT_FIGURES = (
    ("lot_value", "value", GBP_DESIGN_PRICES, "Lot's value a year"),
    ("lot_cases", "cases", "people per year (full size)", "Lot's cohort a year"),
    ("lot_cases_served", "cases_served", "people per year (full size)", "Cases the lot's money buys a year"),
    ("lot_cost_per_case", "cost_per_case", "GBP (the design's price year) per case", "Cost per case served"),
    ("lot_front_line", "front_line", GBP_DESIGN_PRICES, "Money a year reaching the providers who deliver"),
    ("lot_top_slice", "top_slice_paid", GBP_DESIGN_PRICES, "Management fee a year kept by the prime"),
    ("lot_risk_premium", "risk_premium", GBP_DESIGN_PRICES, "The winner's price a year for holding capital against "
                                                            "the lot's results risk"),
    ("lot_need_match", "need_match", "1", "Need matching of the lot's providers' referrals"),
    ("lot_small_local_share", "small_local_share", "1", "Share of the lot's value reaching small local providers"),
    ("lot_competition_cost", "competition_cost", "GBP (the design's price year), at full size",
     "Cost of the lot's competition"),
    ("lot_management_cost", "management_cost", GBP_DESIGN_PRICES, "Contract management and monitoring a year"),
    ("lot_results_sd", "results_sd", GBP_DESIGN_PRICES, "Standard deviation of a year's results payment"),
    ("lot_results_money", "results_money", GBP_DESIGN_PRICES, "Lot's money a year paid on results"),
)


def tender_variables(tendered: dict) -> dict[str, xr.DataArray]:
    """Every lot of every design as let (none: no variables): who won, who could not bid and why, and what
    the money buys (``LOT_FIGURES``)."""
    lots = [(name, a) for name, d in tendered.items() for a in d.awards]
    if not lots:
        return {}
    coords = {"lot_design": ("lot", [n for n, _ in lots]), "lot_name": ("lot", [a.lot.name for _, a in lots]),
              # what its results payments and measurements are recorded under (contract_payments, contract_observed)
              "lot_contract": ("lot", [lot_contract(n, a.lot.name) for n, a in lots]),
              "lot_buys": ("lot", [tendered[n].terms.f["buys"] for n, _ in lots]),
              # the service whose places it buys ('' for a design buying supervision)
              "lot_service": ("lot", [tendered[n].terms.f.get("service", "") for n, _ in lots]),
              "lot_expected_fall": ("lot", [float(tendered[n].terms.f["expected_fall"]) for n, _ in lots]),
              "lot_level": ("lot", [tendered[n].terms.f["level"] for n, _ in lots]),
              "lot_winner": ("lot", [a.winner for _, a in lots]),
              "lot_subcontractors": ("lot", [", ".join(a.subcontractors) for _, a in lots]),
              "lot_excluded": ("lot", ["; ".join(f"{b}: {why}" for b, why in a.excluded.items()) for _, a in lots])}
    return {var: xr.DataArray(np.array([float(getattr(a, attr)) for _, a in lots]), dims=("lot",), coords=coords,
                              attrs={"units": unit, LONG_NAME: label})
            for var, attr, unit, label in LOT_FIGURES}
