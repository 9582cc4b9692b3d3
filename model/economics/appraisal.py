"""The appraisal of savings and investment by agency and year: net benefit, net present value at
the Green Book discount rate, return on investment, payback, and who invests versus who saves.

Years are budget years (``jrsim.economics.years``), discounted from the first. A ratio (return on
investment, payback) is shown only for an investment of at least the cost file's
``ratio_min_investment`` (present value): below it, NaN. Payback is a year in each run; across runs it
is the share of runs paid back by each year, and the year by which at least half of them had.
"""
from __future__ import annotations

import numpy as np
import xarray as xr

PAYBACK_SHARE = 0.5  # across runs, the payback year is the first by which at least half the runs paid back


def appraise(out: xr.Dataset, fiscal: xr.DataArray, rate: float, min_investment: float = 0.0) -> xr.Dataset:
    """Net benefit, NPV at the discount rate, return on investment, payback, and the matrix, added to
    a Dataset of savings and investment by agency and year (``fiscal``: which agencies are budgets;
    ``min_investment``: the present value of investment below which ROI and payback are NaN)."""
    out["savings_fiscal"] = (out["savings_cashable"] + out["savings_non_cashable"]).where(fiscal, 0.0)
    out["net_fiscal_benefit"] = out["savings_fiscal"] - out["investment"]
    years = out["year"].values
    discount = xr.DataArray((1 + rate) ** -(years - years[0]), dims="year", coords={"year": years})
    out["discount_factor"] = discount
    for name in ("savings_fiscal", "savings_cashable", "savings_economic_social", "investment", "net_fiscal_benefit"):
        out[f"pv_{name}"] = (out[name] * discount).sum("year")
    # the public sector as a whole: payments between its agencies cancel, what its contracts paid parties
    # outside it (providers, investors) is spending like any other (a contract that buys a service carries
    # the service's cost, and a provider's caseload is priced by its contracts)
    paid_in = _paid_into_public_sector(out, fiscal)
    out["npv_fiscal"] = out["pv_net_fiscal_benefit"].sum("agency") + (paid_in * discount).sum("year")
    out["npv_cashable"] = (out["pv_savings_cashable"] - out["pv_investment"]).sum("agency") + \
        (paid_in * discount).sum("year")
    out["npv_economic_social"] = out["pv_savings_economic_social"].sum("agency")
    out["roi"] = return_on_investment(out["pv_net_fiscal_benefit"], out["pv_investment"], min_investment)
    out["roi_total"] = return_on_investment(out["npv_fiscal"], out["pv_investment"].sum("agency"), min_investment)
    invested = out["investment"] > 0
    material = is_material(out["pv_investment"], min_investment)
    out["payback_year"] = _payback(out["net_fiscal_benefit"] * discount, invested, years).where(material)
    out["payback_year_total"] = _payback((out["net_fiscal_benefit"].sum("agency") + paid_in) * discount,
                                         invested.any("agency"),
                                         years).where(is_material(out["pv_investment"].sum("agency"), min_investment))
    out["matrix"] = who_invests_who_saves(out["pv_investment"], out["pv_savings_fiscal"] + out["pv_savings_economic_social"])
    if "transfers" in out:
        _after_transfers(out, fiscal, discount)
    return out


def _paid_into_public_sector(out: xr.Dataset, fiscal: xr.DataArray) -> xr.DataArray:
    """By year, what the contracts' payments brought into the public budgets on balance (negative: what
    they paid out to providers and investors); nothing where a comparison has no transfers."""
    if "transfers" not in out:
        return xr.zeros_like(out["year"], dtype=float)
    return out["transfers"].where(fiscal, 0.0).sum("agency")


def is_material(pv_investment: xr.DataArray, min_investment: float) -> xr.DataArray:
    """Where an investment (present value) is large enough for a ratio to it to mean something."""
    return (pv_investment > 0) & (pv_investment >= min_investment)


def return_on_investment(pv_net: xr.DataArray, pv_investment: xr.DataArray, min_investment: float) -> xr.DataArray:
    """Net benefit per pound invested (present values), NaN where the investment is not material."""
    return pv_net / pv_investment.where(is_material(pv_investment, min_investment))


def paid_back_by_year(payback_year: xr.DataArray, years: np.ndarray) -> xr.DataArray:
    """The share of runs (``replicate``) that had paid back by each year: a run that never paid back,
    or whose investment was not material, has not."""
    year = xr.DataArray(years, dims="year", coords={"year": years})
    return (payback_year <= year).mean("replicate")


def payback_across_runs(share: xr.DataArray) -> xr.DataArray:
    """The first year by which at least ``PAYBACK_SHARE`` of the runs had paid back (a whole year), NaN
    where they never had: the median run's payback year, never an average of years."""
    years = share["year"].values

    def first(s: np.ndarray) -> float:
        ok = np.flatnonzero(s >= PAYBACK_SHARE)
        return float(years[ok[0]]) if len(ok) else np.nan

    return xr.apply_ufunc(first, share, input_core_dims=[["year"]], vectorize=True)


def _after_transfers(out: xr.Dataset, fiscal: xr.DataArray, discount: xr.DataArray) -> None:
    """Each agency's position after the contracts' payments (received minus paid), the present value
    of every flow between parties, and what left the public sector for providers and investors."""
    out["net_fiscal_benefit_after_transfers"] = out["net_fiscal_benefit"] + out["transfers"].where(fiscal, 0.0)
    for name in ("transfers", "net_fiscal_benefit_after_transfers", "transfers_outside", "transfer_flows"):
        if name in out:
            out[f"pv_{name}"] = (out[name] * discount).sum("year")


def _payback(net: xr.DataArray, invested: xr.DataArray, years: np.ndarray) -> xr.DataArray:
    """First year, from the first year of investment on, in which cumulative discounted net benefit is
    at least zero (a policy that starts in a later year does not pay back before it has begun)."""
    cum = net.cumsum("year")

    def first(c: np.ndarray, spent: np.ndarray) -> float:
        start = np.flatnonzero(spent)
        ok = np.flatnonzero(c[start[0]:] >= 0) if len(start) else np.flatnonzero(c >= 0)
        return float(years[(start[0] if len(start) else 0) + ok[0]]) if len(ok) else np.nan

    return xr.apply_ufunc(first, cum, invested, input_core_dims=[["year"], ["year"]], vectorize=True)


def who_invests_who_saves(investment: xr.DataArray, savings: xr.DataArray) -> xr.DataArray:
    """Matrix investor x saver: each saving agency's savings shared among the investing agencies
    in proportion to what each invested (present values). Rows sum to what each investor's money
    saved; columns sum to each agency's savings. No investment: an all-zero matrix."""
    inv = investment.values.clip(min=0)
    share = inv / inv.sum() if inv.sum() > 0 else np.zeros_like(inv)
    agencies = investment["agency"].values
    return xr.DataArray(np.outer(share, savings.values), dims=("investor", "saver"),
                        coords={"investor": agencies, "saver": agencies})
