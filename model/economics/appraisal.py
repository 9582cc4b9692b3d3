"""The appraisal of savings and investment by agency and year: net benefit, net present value at
the Green Book discount rate, return on investment, payback, and who invests versus who saves.
"""
from __future__ import annotations

import numpy as np
import xarray as xr


def appraise(out: xr.Dataset, fiscal: xr.DataArray, rate: float) -> xr.Dataset:
    """Net benefit, NPV at the discount rate, return on investment, payback, and the matrix, added to
    a Dataset of savings and investment by agency and year (``fiscal``: which agencies are budgets)."""
    out["savings_fiscal"] = (out["savings_cashable"] + out["savings_non_cashable"]).where(fiscal, 0.0)
    out["net_fiscal_benefit"] = out["savings_fiscal"] - out["investment"]
    years = out["year"].values
    discount = xr.DataArray((1 + rate) ** -(years - years[0]), dims="year", coords={"year": years})
    out["discount_factor"] = discount
    for name in ("savings_fiscal", "savings_cashable", "savings_economic_social", "investment", "net_fiscal_benefit"):
        out[f"pv_{name}"] = (out[name] * discount).sum("year")
    out["npv_fiscal"] = out["pv_net_fiscal_benefit"].sum("agency")
    out["npv_cashable"] = (out["pv_savings_cashable"] - out["pv_investment"]).sum("agency")
    out["npv_economic_social"] = out["pv_savings_economic_social"].sum("agency")
    total_inv = float(out["pv_investment"].sum())
    out["roi"] = out["pv_net_fiscal_benefit"] / out["pv_investment"].where(out["pv_investment"] > 0)
    out["roi_total"] = out["npv_fiscal"] / total_inv if total_inv > 0 else np.nan
    # payback only means something for an agency that invested
    invested = out["investment"] > 0
    out["payback_year"] = _payback(out["net_fiscal_benefit"] * discount, invested, years).where(out["pv_investment"] > 0)
    out["payback_year_total"] = _payback((out["net_fiscal_benefit"] * discount).sum("agency"), invested.any("agency"),
                                         years)
    out["matrix"] = who_invests_who_saves(out["pv_investment"], out["pv_savings_fiscal"] + out["pv_savings_economic_social"])
    if "transfers" in out:
        _after_transfers(out, fiscal, discount)
    return out


def _after_transfers(out: xr.Dataset, fiscal: xr.DataArray, discount: xr.DataArray) -> None:
    """Each agency's position after the contracts' payments (received minus paid), the present value
    of every flow between parties, and what left the public sector for providers and investors."""
    out["net_fiscal_benefit_after_transfers"] = out["net_fiscal_benefit"] + out["transfers"].where(fiscal, 0.0)
    for name in ("transfers", "net_fiscal_benefit_after_transfers", "transfers_outside", "transfer_flows"):
        if name in out:
            out[f"pv_{name}"] = (out[name] * discount).sum("year")
    out["npv_fiscal_after_transfers"] = out["pv_net_fiscal_benefit_after_transfers"].sum("agency")


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
