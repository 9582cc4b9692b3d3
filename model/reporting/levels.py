"""The commissioning levels side by side (system 10): comparisons of the same design let at each level on
one counterfactual, read from their NetCDFs alone. What the level changed and why (the lots and who won
them, cost per case, need matching as the winners declare it and as the run referred, the share of the
money reaching small local providers, commissioning's own cost, the spread of a year's results payment
the lots face) and what it came to in the ledger (the fiscal NPV, investment and cashable savings by agency).
"""
from __future__ import annotations

import numpy as np
import xarray as xr

from jrsim.commissioning.tender import DESIGN_LEVELS
from jrsim.core.constants import MILLION

WHOLE_FROM = 100.0  # a figure this large is shown without decimals; a share (under 1) with three


def _first(da: xr.DataArray) -> xr.DataArray:
    """A tender figure: the same in every replicate (the lots depend on the parameters, not the seed)."""
    return da.isel(replicate=0) if "replicate" in da.dims else da


def tender_figures(cmp: xr.Dataset) -> dict[str, float | str]:
    """One comparison's design as let, and its ledger's answer (means over its replicates)."""
    value, served = _first(cmp["lot_value"]), _first(cmp["lot_cases_served"])
    results_money = _first(cmp["lot_results_money"])
    sd_share = _first(cmp["lot_results_sd"]) / results_money.where(results_money > 0)
    winners = [str(w) for w in _first(cmp["lot_winner"]).values]
    referred = cmp["design_referrals"].mean().item() if "design_referrals" in cmp else np.nan
    meeting = cmp["design_referrals_meeting_need"].mean().item() if "design_referrals_meeting_need" in cmp else np.nan
    return {
        "lots": int(value.sizes["lot"]),
        "winners": ", ".join(f"{w} {winners.count(w)}" for w in dict.fromkeys(winners)),
        "cases a year": float(served.sum()),
        "cost per case (£)": float(value.sum() / served.sum()),
        "need matching (declared)": float((_first(cmp["lot_need_match"]) * served).sum() / served.sum()),
        "referrals meeting a need": meeting / referred if referred else np.nan,
        "share to small local providers": float((_first(cmp["lot_small_local_share"]) * value).sum() / value.sum()),
        "competitions (£m, once)": float(_first(cmp["lot_competition_cost"]).sum()) / MILLION,
        "contract management (£m a year)": float(_first(cmp["lot_management_cost"]).sum()) / MILLION,
        "results s.d. per £ of results money (median lot)": float(sd_share.median()),
        "results s.d. per £ of results money (smallest lot)": float(sd_share.max()),
        "NPV fiscal (£m)": cmp["npv_fiscal"].mean().item() / MILLION,
        "investment (£m)": cmp["pv_investment"].sum("agency").mean().item() / MILLION,
    }


def _cell(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return f"{value:,}"
    if not np.isfinite(value):
        return "n/a"
    return f"{value:,.0f}" if abs(value) >= WHOLE_FROM else f"{value:,.3f}" if abs(value) < 1 else f"{value:,.1f}"


def levels_table(comparisons: dict[str, xr.Dataset]) -> str:
    """A markdown table, a column per level (in DESIGN_LEVELS' order), a row per figure; then each agency's
    cashable savings (present value, £m) by level."""
    levels = [lv for lv in DESIGN_LEVELS if lv in comparisons]
    figures = {lv: tender_figures(comparisons[lv]) for lv in levels}
    rows = [[name, *(_cell(figures[lv][name]) for lv in levels)] for name in figures[levels[0]]]
    agencies = [str(a) for a in comparisons[levels[0]]["agency"].values]
    for agency in agencies:
        cash = [comparisons[lv]["pv_savings_cashable"].sel(agency=agency).mean().item() / MILLION for lv in levels]
        if any(c != 0 for c in cash):
            rows.append([f"cashable savings, {agency} (£m)", *(_cell(c) for c in cash)])
    header = ["", *(lv.replace("_", " ") for lv in levels)]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    return "\n".join([*lines, *("| " + " | ".join(r) + " |" for r in rows)])
