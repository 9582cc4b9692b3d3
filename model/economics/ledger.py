"""The agency ledger: activity priced by agency; savings of a scenario against its counterfactual.

Only the ledger moves money: the engine and the services report activity, the ledger
prices it with the unit-cost file. Everything here is a pure function of Datasets, so
changing a unit cost never needs a new simulation.

Savings are baseline minus scenario on paired runs (same seed, common random numbers),
split three ways:
- cashable: the variable share of a cost, plus the semi-fixed share in whole steps once
  demand has fallen by a whole step and stayed down for the step's minimum time, area by area
  (a house block closes in one prison's catchment, a probation post goes in one area): the same
  fall spread thinly over many areas releases fewer whole steps than one concentrated in a place;
- non-cashable: the fixed share and the rest of the semi-fixed share (capacity freed, not released);
- economic and social: the cost of crime to victims and society, never a budget.
Investment is the scenario's extra spending on services, by the agency that funds them, service by
service and year by year; where a scenario spends less on a service the baseline already buys (fewer
prisoners need drug treatment in custody), that is a cashable saving to the service's funder, not a
negative investment.

Contract payments (``jrsim.commissioning``) are transfers: money moved from a payer to a payee, priced
in base prices in the year paid. They do not change what the public sector as a whole saves, except
where the payee is outside it (a provider, investors), and they move savings between pockets: each
agency's net fiscal benefit is shown before and after them, and the parties outside the public sector
are reported apart. The people a provider outside the public sector supervises (a CRC's caseload) are
priced by its contracts, not by the unit cost: their case-weeks are taken out of probation's priced
places for as long as it holds them (``PRICED_BY_CONTRACT``); the public sector's own provider (the
National Probation Service) stays priced at the unit cost.
"""
from __future__ import annotations

import warnings

import numpy as np
import xarray as xr

from jrsim.commissioning.payments import InvestorReturn, investor_returns
from jrsim.commissioning.providers import PUBLIC_KINDS
from jrsim.commissioning.provision import CONTRACTED_OUT
from jrsim.commissioning.records import (
    CAPITAL,  # investors' capital: what a return is a return on
    PURPOSES,
)
from jrsim.core.errors import ScenarioError
from jrsim.core.vocabulary import COURTS, PRISON_STATUSES, PROBATION_STATUSES
from jrsim.economics.appraisal import appraise, paid_back_by_year
from jrsim.economics.costs import SPLIT, Activity, CostBook
from jrsim.economics.years import budget_year, by_budget_year, year_attrs
from jrsim.outputs.units import with_units

# What the engine produces that must have a unit cost: (variable, label along its extra dimension):
# places on probation and in prison, police, court and recall events, and offences (cost of crime).
PRICED = [("population", s) for s in (*PROBATION_STATUSES, *PRISON_STATUSES)] + [
    ("arrests", None), ("no_further_action", None), ("cautions", None), ("charges", None),
    *[("court_cases", court) for court in COURTS], ("recalls", None), ("breaches", None),
    ("offences", None)]


# Activity a provider outside the public sector carries for it (a CRC's caseload): its contracts pay for
# it instead of the unit cost, so it is taken out of the priced activity (the variable -> the run's
# variable of the part contracted out), or the public sector would pay twice, once through the unit cost
# and once through the contracts' fees. A run from before providers existed has nothing contracted out.
PRICED_BY_CONTRACT = {"population": CONTRACTED_OUT}
NO_CAPITAL = InvestorReturn(0.0, 0.0, None)  # a party that put no capital in has no multiple and no IRR


def check_coverage(book: CostBook) -> None:
    """Every activity the engine produces has a unit cost (else an error naming the cost file)."""
    covered = set()
    for a in book.activities:
        labels = [lab for values in a.select.values() for lab in values] or [None]
        covered.update((a.variable, lab) for lab in labels)
    missing = [f"{v}[{lab}]" if lab else v for v, lab in PRICED
               if (v, lab) not in covered and (v, None) not in covered]
    if missing:
        raise ScenarioError(f"{book.path}: no unit cost for activity {', '.join(missing)} (add it under 'activities:')")


def units(ds: xr.Dataset, a: Activity, where: str = "", by_area: bool = False) -> xr.DataArray:
    """The activity's units per week for the run's areas at full size (stocks: units held; flows: units
    that week); ``by_area``: kept by area (time x area) where the run breaks the activity down by area."""
    if a.variable not in ds:
        raise ScenarioError(f"{where}: 'activities.{a.name}.activity.variable': the run has no variable {a.variable!r}")
    da = ds[a.variable]
    if PRICED_BY_CONTRACT.get(a.variable) in ds:
        da = da - ds[PRICED_BY_CONTRACT[a.variable]]
    for dim, labels in a.select.items():
        unknown = sorted(set(labels) - set(map(str, da[dim].values))) if dim in da.dims else [dim]
        if unknown:
            raise ScenarioError(f"{where}: 'activities.{a.name}.activity.select.{dim}': unknown {unknown}")
        da = da.sel({dim: list(labels)})
    extra = [d for d in da.dims if d != "time" and not (by_area and d == "area")]
    return (da.sum(extra) if extra else da).astype(float) / float(ds.attrs.get("scale", 1.0))


def spend(ds: xr.Dataset, book: CostBook) -> xr.Dataset:
    """Spending by activity and year (national, base prices), with each activity's agency; by agency,
    with services added to their funders, and public budgets (fiscal) apart from the cost of crime."""
    check_coverage(book)
    names = [a.name for a in book.activities]
    weekly = xr.concat([units(ds, a, book.path) * a.cost for a in book.activities], dim="activity")
    # 'bearer': the agency that bears each activity's cost ('agency' is the by-agency dimension)
    weekly = weekly.assign_coords(activity=names, bearer=("activity", [a.agency for a in book.activities]))
    out = xr.Dataset({"spend": by_budget_year(weekly, book.budget_year), "spend_weekly": weekly})
    out["service_spend"] = by_budget_year(service_spend(ds, book), book.budget_year)
    out["commissioning_spend"] = by_budget_year(commissioning_spend(ds, book), book.budget_year)
    by_agency = out["spend"].groupby("bearer").sum().rename(bearer="agency")
    out["spend_by_agency"] = by_agency.reindex(agency=list(book.agencies), fill_value=0.0) + \
        by_funder(out["service_spend"], book) + by_funder(out["commissioning_spend"], book, "design", DESIGN_PAYER)
    fiscal = book.fiscal_mask()
    out["spend_fiscal"] = out["spend_by_agency"].where(fiscal, 0.0).sum("agency")
    out["spend_economic_social"] = out["spend_by_agency"].where(~fiscal, 0.0).sum("agency")
    out.attrs.update(units=f"GBP, {book.base_price_year} prices, national: the run's counts divided by its "
                           f"scale ({ds.attrs.get('scale', 1.0)})", cost_file=book.path)
    return out


def by_funder(services: xr.DataArray, book: CostBook, dim: str = "service", payer: str = "funder") -> xr.DataArray:
    """Service spending (service x ...) summed by the agency that funds each service (or any spending
    along ``dim`` by its ``payer`` coordinate: commissioning by design). A funder the cost file does not
    list is an error: its money would otherwise drop out of the ledger."""
    agencies = _check_funders(services, book, payer)
    if services.sizes.get(dim, 0) == 0:
        return xr.zeros_like(services.sum(dim)).expand_dims(agency=agencies).copy()
    return services.groupby(payer).sum().rename({payer: "agency"}).reindex(agency=agencies, fill_value=0.0)


def _check_funders(services: xr.DataArray, book: CostBook, payer: str = "funder") -> list[str]:
    """The cost file's agencies; a service funded by any other is an error (its money would drop out)."""
    agencies = list(book.agencies)
    unknown = sorted(set(map(str, services[payer].values)) - set(agencies))
    if unknown:
        raise ScenarioError(f"{book.path}: 'agencies': the run's services are funded by {unknown}, "
                            f"which the cost file does not list (agencies: {agencies})")
    return agencies


def _by_service_and_funder(services: xr.DataArray, book: CostBook, dim: str = "service",
                           payer: str = "funder") -> xr.DataArray:
    """Service spending (service x ...) laid out by the agency that funds each service (service x
    agency x ...), so that two runs compare service by service even when a scenario changes a funder
    (or any spending along ``dim`` by its ``payer``: commissioning, design by design)."""
    agencies = _check_funders(services, book, payer)
    onehot = xr.DataArray(np.array([[f == a for a in agencies] for f in map(str, services[payer].values)], float)
                          .reshape(services.sizes[dim], len(agencies)),
                          dims=(dim, "agency"), coords={dim: services[dim].values, "agency": agencies})
    return services.drop_vars([c for c in services.coords if c not in services.dims]) * onehot


DESIGN_PAYER = "design_payer"  # the coordinate of a design's paying agency (the run's, jrsim.commissioning)


def service_spend(ds: xr.Dataset, book: CostBook) -> xr.DataArray:
    """Weekly spending on each service (national, base prices); zeros when the run has no services."""
    return _weekly_money(ds, book, "service_spend", "service", "funder", "price_year", "service price_year")


def commissioning_spend(ds: xr.Dataset, book: CostBook) -> xr.DataArray:
    """Weekly spending on commissioning each design (national, base prices), with its paying agency
    (``design_payer``); zeros when the run has no designs."""
    return _weekly_money(ds, book, "commissioning_spend", "design", DESIGN_PAYER, "design_price_year",
                         "design price_year")


def _weekly_money(ds: xr.Dataset, book: CostBook, name: str, dim: str, payer: str, price_year: str,
                  what: str) -> xr.DataArray:
    """A money result along ``dim`` (each entry with its ``payer`` and ``price_year``), in base prices at
    full size; zeros along an empty ``dim`` when the run has none."""
    if name not in ds:
        return xr.DataArray(np.zeros((ds.sizes["time"], 0)), dims=("time", dim),
                            coords={"time": ds["time"], dim: [], payer: (dim, [])})
    years = ds[name][price_year].values if price_year in ds[name].coords else [book.base_price_year] * ds.sizes[dim]
    factor = xr.DataArray([book.uplift(1.0, int(y), what) for y in years], dims=dim)
    return ds[name].astype(float) * factor / float(ds.attrs.get("scale", 1.0))


def agency_spend_weekly(ds: xr.Dataset, book: CostBook) -> xr.DataArray:
    """Weekly spending by agency: priced activity plus the services each agency funds."""
    activity = spend(ds, book)["spend_weekly"].groupby("bearer").sum().rename(bearer="agency")
    return activity.reindex(agency=list(book.agencies), fill_value=0.0) + by_funder(service_spend(ds, book), book) \
        + by_funder(commissioning_spend(ds, book), book, "design", DESIGN_PAYER)


def cashable_steps(reduction: np.ndarray, step: float, min_weeks: int) -> np.ndarray:
    """Units of a semi-fixed cost that can be cashed each week: whole steps of a reduction that
    has lasted at least ``min_weeks`` (a rise likewise costs whole steps once it has lasted)."""
    n = len(reduction)
    out = np.zeros(n)
    if step <= 0:
        return out
    w = max(int(min_weeks), 1)
    for t in range(w - 1, n):
        window = reduction[t - w + 1: t + 1]
        sustained = window.min() if window.min() > 0 else (window.max() if window.max() < 0 else 0.0)
        out[t] = np.trunc(sustained / step) * step
    return out


def cashable_by_area(reduction: xr.DataArray, a: Activity) -> np.ndarray:
    """Whole steps of a semi-fixed cost released each week, step by step in each area, summed."""
    if "area" not in reduction.dims:
        return cashable_steps(reduction.values, a.step_size, a.step_weeks)
    by_area = reduction.transpose("area", "time").values
    return sum((cashable_steps(r, a.step_size, a.step_weeks) for r in by_area), np.zeros(reduction.sizes["time"]))


def compare_pair(base: xr.Dataset, scen: xr.Dataset, book: CostBook, discount: float | None = None) -> xr.Dataset:
    """Savings (baseline minus scenario) for one pair of runs with the same seed; ``discount``
    defaults to the cost file's rate (the Green Book 3.5%)."""
    if base.attrs.get("seed") != scen.attrs.get("seed"):
        raise ValueError("savings need paired runs: the baseline and the scenario must share a seed")
    check_coverage(book)
    agencies = list(book.agencies)
    shape = (len(agencies), base.sizes["time"])
    cash, noncash, econ = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    by_activity = []
    for a in book.activities:
        ub, us = units(base, a, book.path).values, units(scen, a, book.path).values
        saving = (ub - us) * a.cost
        by_activity.append(saving)
        i = agencies.index(a.agency)
        if not book.fiscal(a.agency):
            econ[i] += saving
            continue
        semi_cash = cashable_by_area(units(base, a, book.path, True) - units(scen, a, book.path, True), a) \
            * a.cost * a.split["semi_fixed"]
        cash[i] += saving * a.split["variable"] + semi_cash
        noncash[i] += saving * (a.split["fixed"] + a.split["semi_fixed"]) - semi_cash
    time = base["time"]
    dims, coords = ("agency", "time"), {"agency": agencies, "time": time}
    weekly = xr.Dataset({
        "savings_cashable": xr.DataArray(cash, dims=dims, coords=coords),
        "savings_non_cashable": xr.DataArray(noncash, dims=dims, coords=coords),
        "savings_economic_social": xr.DataArray(econ, dims=dims, coords=coords),
        "savings_by_activity": xr.DataArray(np.array(by_activity), dims=("activity", "time"),
                                            coords={"activity": [a.name for a in book.activities], "time": time}),
    })
    out = by_budget_year(weekly, book.budget_year)
    sb, ss = spend(base, book), spend(scen, book)
    # investment: the scenario's extra spending on services, service by service, by the funder, and on
    # commissioning, design by design, by its payer; less spending on a service the baseline buys is a
    # cashable saving to its funder
    extra = _by_service_and_funder(ss["service_spend"], book) - _by_service_and_funder(sb["service_spend"], book)
    commissioning = _commissioning_extra(sb, ss, book)
    out["investment"] = extra.clip(min=0.0).sum("service") + commissioning.clip(min=0.0).sum("design")
    out["savings_services"] = (-extra).clip(min=0.0).sum("service")
    out["savings_cashable"] = out["savings_cashable"] + out["savings_services"] + \
        (-commissioning).clip(min=0.0).sum("design")
    out = out.merge(contract_transfers(base, scen, book, out["year"].values))
    for label, s in (("baseline", sb), ("scenario", ss)):
        out[f"spend_{label}"] = s["spend_by_agency"]  # priced activity plus the services each agency funds
        out[f"spend_by_activity_{label}"] = s["spend"].drop_vars("bearer")
    rate = book.discount_rate if discount is None else discount
    out = appraise(out, book.fiscal_mask(), rate, book.ratio_min_investment)
    out["year"].attrs.update(year_attrs(book.budget_year))  # after the sums and merges, which drop them
    return with_units(out, book, rate)


def _commissioning_extra(sb: xr.Dataset, ss: xr.Dataset, book: CostBook) -> xr.DataArray:
    """The scenario's spending on commissioning beyond the baseline's, design by design and by payer
    (design x agency x year): the two runs' designs aligned by name (a design only one run has: zero in
    the other)."""
    pieces = [_by_service_and_funder(s["commissioning_spend"], book, "design", DESIGN_PAYER) for s in (sb, ss)]
    base, scen = xr.align(*pieces, join="outer", fill_value=0.0)
    return scen - base


def payments_table(ds: xr.Dataset, book: CostBook) -> xr.Dataset:
    """A run's contract payments in base prices, each with the budget year it was paid in (none: empty)."""
    if "contract_payments" not in ds or ds.sizes.get("payment", 0) == 0:
        return xr.Dataset({"amount": ("payment", np.zeros(0))},
                          coords={k: ("payment", []) for k in ("payer", "payee", "year", "contract", "purpose")})
    pays = ds["contract_payments"]
    base = [book.uplift(float(a), int(y), "contract price_year") for a, y in zip(pays.values, pays["payment_price_year"].values)]
    return xr.Dataset({"amount": ("payment", np.array(base, float))},
                      coords={"payer": ("payment", pays["payer"].values), "payee": ("payment", pays["payee"].values),
                              "year": ("payment", budget_year(pays["paid_on"], book.budget_year).values),
                              "contract": ("payment", pays["payment_contract"].values),
                              "purpose": ("payment", pays["purpose"].values)})


def outside_parties(ds: xr.Dataset, book: CostBook) -> list[str]:
    """The parties outside the public sector a run's contracts pay (providers, investors)."""
    named = list(map(str, ds["provider"].values)) if "provider" in ds.coords else []
    kinds = list(map(str, ds["provider_kind"].values)) if "provider_kind" in ds.coords else [""] * len(named)
    return [p for p, kind in zip(named, kinds) if p not in book.agencies and kind not in PUBLIC_KINDS]


def _in_years(table: xr.Dataset, years: np.ndarray):
    """The payments of a table paid within the appraisal's years, each with its year's index (one paid
    after the output window is listed by the run; the appraisal's years do not hold it)."""
    for i in range(table.sizes["payment"]):
        year = table["year"].values[i]
        if year in years:
            yield int(np.flatnonzero(years == year)[0]), {k: table[k].values[i] for k in table.variables}


def transfer_flows(table: xr.Dataset, book: CostBook, years: np.ndarray, parties: list[str]) -> xr.DataArray:
    """A run's contract payments (``payments_table``) as flows from payer to payee by year (payer x
    payee x year, base prices, each flow positive: a repayment is a flow the other way). Parties: the
    agencies, then ``parties`` outside the public sector."""
    names = [*book.agencies, *parties]
    flows = np.zeros((len(names), len(names), len(years)))
    for y, p in _in_years(table, years):
        src, dst, amount = names.index(str(p["payer"])), names.index(str(p["payee"])), float(p["amount"])
        if amount < 0:
            src, dst, amount = dst, src, -amount
        flows[src, dst, y] += amount
    return xr.DataArray(flows, dims=("payer", "payee", "year"), coords={"payer": names, "payee": names, "year": years})


def contract_transfers(base: xr.Dataset, scen: xr.Dataset, book: CostBook, years: np.ndarray) -> xr.Dataset:
    """What the scenario's contracts move, against the baseline's: the flows (payer x payee x year),
    each agency's net receipts (agency x year) and each outside party's (party x year)."""
    parties = list(dict.fromkeys([*outside_parties(base, book), *outside_parties(scen, book)]))
    tb, ts = payments_table(base, book), payments_table(scen, book)
    flows = transfer_flows(ts, book, years, parties) - transfer_flows(tb, book, years, parties)
    net = flows.sum("payer").rename(payee="party") - flows.sum("payee").rename(payer="party")
    agencies = list(book.agencies)
    out = xr.Dataset({"transfer_flows": flows, "transfers": net.sel(party=agencies).rename(party="agency")})
    contracts = list(dict.fromkeys([*_contracts(base), *_contracts(scen)]))
    if contracts:  # what each contract paid, for what, and when (scenario minus baseline)
        out["payments_by_contract"] = payments_by_contract(ts, years, contracts) - \
            payments_by_contract(tb, years, contracts)
    if parties:  # parties outside the public sector, reported apart (none: no such variable)
        outside = net.sel(party=parties)
        out["transfers_outside"] = outside
        # a return on capital only for those who put capital in (investors); a provider's deduction is not capital
        investors = set(map(str, ts["payee"].values[ts["purpose"].values == CAPITAL]))  # capital: paid by the payee
        returns = [investor_returns(list(zip(years - years[0], outside.sel(party=p).values))) if p in investors
                   else NO_CAPITAL for p in parties]
        out["outside_irr"] = ("party", [np.nan if r.irr is None else r.irr for r in returns])
        out["outside_multiple"] = ("party", [r.multiple for r in returns])
    return out


def _contracts(ds: xr.Dataset) -> list[str]:
    return list(map(str, ds["contract"].values)) if "contract" in ds.coords else []


def payments_by_contract(table: xr.Dataset, years: np.ndarray, contracts: list[str]) -> xr.DataArray:
    """A run's payments (``payments_table``) summed by contract, purpose and year paid (base prices; as
    paid: negative when the payee pays, as investors' capital or a fee repaid)."""
    out = np.zeros((len(contracts), len(PURPOSES), len(years)))
    for y, p in _in_years(table, years):
        out[contracts.index(str(p["contract"])), PURPOSES.index(str(p["purpose"])), y] += float(p["amount"])
    return xr.DataArray(out, dims=("contract", "purpose", "year"),
                        coords={"contract": contracts, "purpose": list(PURPOSES), "year": years})


RATIO_RULE = ("roi and payback_year are NaN where an agency's present-value investment is under "
              "ratio_min_investment (GBP, base prices); payback_year: in each run the first year, from the first year "
              "of investment, in which cumulative discounted net benefit is at least zero; paid_back_by_year: the "
              "share of runs that had paid back by each year")
LOW, HIGH = 0.05, 0.95  # the spread shown across replicates: 5th to 95th percentile
# The figures a reader wants with their spread across replicates: (name)_mean, _p05 and _p95.
SPREAD = ("npv_fiscal", "npv_cashable", "npv_economic_social", "roi_total", "pv_savings_cashable",
          "pv_savings_fiscal", "pv_savings_economic_social", "pv_investment", "pv_net_fiscal_benefit",
          "savings_cashable", "savings_non_cashable", "savings_economic_social", "net_fiscal_benefit",
          "pv_transfers", "pv_net_fiscal_benefit_after_transfers",
          "net_fiscal_benefit_after_transfers", "transfers")


def compare(bases: list[xr.Dataset], scens: list[xr.Dataset], book: CostBook,
            discount: float | None = None) -> xr.Dataset:
    """Paired replicates -> one Dataset with a replicate dimension, plus mean and 5-95% spread.
    ``discount`` defaults to the cost file's rate (the Green Book 3.5%)."""
    if len(bases) != len(scens) or not bases:
        raise ValueError(f"paired runs needed: {len(bases)} baseline and {len(scens)} scenario runs")
    rate = book.discount_rate if discount is None else float(discount)
    pairs = [compare_pair(b, s, book, rate) for b, s in zip(bases, scens)]
    return combine(pairs, [int(b.attrs["seed"]) for b in bases], book, rate, bases[0].attrs.get("scenario", ""),
                   scens[0].attrs.get("scenario", ""))


def combine(pairs: list[xr.Dataset], seeds: list[int], book: CostBook, rate: float, baseline: str,
            scenario: str) -> xr.Dataset:
    """Paired comparisons (one per seed) -> one Dataset with a replicate dimension and the spread."""
    out = xr.concat(pairs, dim="replicate", join="outer").assign_coords(replicate=seeds)  # logs of unequal length: padded
    with warnings.catch_warnings():  # ROI is NaN (not a number) when nothing was invested: quietly so
        warnings.simplefilter("ignore", RuntimeWarning)
        for name in SPREAD:
            out[f"{name}_mean"] = out[name].mean("replicate")
            out[f"{name}_p05"] = out[name].quantile(LOW, dim="replicate").drop_vars("quantile")
            out[f"{name}_p95"] = out[name].quantile(HIGH, dim="replicate").drop_vars("quantile")
    years = out["year"].values
    for name in ("paid_back_by_year", "paid_back_by_year_total"):
        out[name] = paid_back_by_year(out[name.replace("paid_back_by_year", "payback_year")], years).assign_attrs(
            units="1", long_name="share of runs paid back by the end of each year")
    out["year"].attrs.update(year_attrs(book.budget_year))
    out.attrs.update(baseline=baseline, scenario=scenario,
                     price_base=f"{book.base_price_year} prices", discount_rate=rate,
                     units="GBP, national (counts divided by run.scale)", cost_file=book.path,
                     matrix_rule="each saving agency's present-value savings shared among the investing "
                                 "agencies in proportion to the present value each invested",
                     budget_year=book.budget_year, ratio_min_investment=book.ratio_min_investment,
                     ratio_rule=RATIO_RULE)
    return with_units(out.merge(cost_table(book)), book, rate)


# The cost file as the comparison carries it (for the workbook's assumptions and the report's public
# budgets): each activity's unit cost, split and step, each agency's kind and label.
COST_SHARES = {f"cost_share_{part}": part for part in SPLIT}
FISCAL = "fiscal"  # an agency kind (the cost file's agencies.*.kind): a public budget


def cost_table(book: CostBook) -> xr.Dataset:
    """What the reports show of the cost file, along the comparison's activity and agency dimensions,
    so that a report needs the comparison alone (the cost file may have changed since)."""
    acts, agencies = book.activities, list(book.agencies)
    along = {name: ("activity", [a.split[part] for a in acts]) for name, part in COST_SHARES.items()}
    return xr.Dataset(
        {"unit_cost": ("activity", [float(a.cost) for a in acts]), **along,
         "step_size": ("activity", [float(a.step_size) for a in acts]),
         "step_weeks": ("activity", [int(a.step_weeks) for a in acts])},
        coords={"activity": [a.name for a in acts], "activity_agency": ("activity", [a.agency for a in acts]),
                "cost_unit": ("activity", [a.unit for a in acts]), "cost_source": ("activity", [a.source for a in acts]),
                "agency": agencies, "agency_kind": ("agency", [str(book.agencies[a]["kind"]) for a in agencies]),
                "agency_label": ("agency", [str(book.agencies[a].get("label", "")) for a in agencies])})


def fiscal_agencies(ds: xr.Dataset) -> set[str]:
    """The public budgets among a comparison's agencies (``cost_table``'s agency_kind)."""
    return {str(a) for a, kind in zip(ds["agency"].values, ds["agency_kind"].values) if str(kind) == FISCAL}
