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
from jrsim.core.constants import DAYS_PER_WEEK, MILLION
from jrsim.core.vocabulary import FUNDERS, PROVIDER_BAND
from jrsim.experiments.carried import design_figures
from jrsim.experiments.summary import chance_interval_text

WHOLE_FROM = 100.0  # a figure this large is shown without decimals; a share (under 1) with three


# design_figures' numbers as the table names them (money in £ or £m, as each label says).
LABELS = {"design_lots": "lots", "design_cases_served": "cases a year", "design_cost_per_case": "cost per case (£)",
          "design_need_match": "need matching (declared)", "design_referrals_meeting_need": "referrals meeting a need",
          "design_small_local_share": "share to small local providers",
          "design_competition_cost": "competitions (£m, once)", "design_management_cost": "contract management (£m a year)",
          "design_results_sd_median_lot": "results s.d. per £ of results money (median lot, full size)",
          "design_results_sd_smallest_lot": "results s.d. per £ of results money (smallest lot, full size)",
          "design_results_paid_mean": "results paid per £ of results money (lot-years of the runs)",
          "design_results_paid_sd": "its s.d. across lot-years (the runs' sampled cohorts)"}
# The same, short, for a chart's legend.
CHART_LABELS = {"design_cost_per_case": "cost per case", "design_need_match": "need matching (declared)",
                "design_referrals_meeting_need": "referrals meeting a need",
                "design_small_local_share": "to small local providers", "design_competition_cost": "competitions, once",
                "design_management_cost": "management a year", "design_results_sd_median_lot": "tender (full size)",
                "design_results_paid_sd": "paid in the runs (their scale)"}
IN_MILLIONS = ("design_competition_cost", "design_management_cost")


def tender_figures(cmp: xr.Dataset) -> dict[str, float | str]:
    """One comparison's design as let, as run, and its ledger's answer (means over its replicates)."""
    figures = design_figures(cmp)
    winners = [str(w) for w in (cmp["lot_winner"].values if "lot_winner" in cmp else ())]
    out: dict[str, float | str] = {LABELS["design_lots"]: int(figures["design_lots"]),
                                   "winners": ", ".join(f"{w} {winners.count(w)}" for w in dict.fromkeys(winners))}
    for name, label in LABELS.items():
        if name != "design_lots":
            out[label] = figures[name] / (MILLION if name in IN_MILLIONS else 1.0)
    out.update(supervision_figures(cmp))
    out["NPV fiscal (£m)"] = cmp["npv_fiscal"].mean().item() / MILLION
    out["investment (£m)"] = cmp["pv_investment"].sum("agency").mean().item() / MILLION
    return out


def supervision_figures(cmp: xr.Dataset) -> dict[str, float]:
    """What a design buying supervision came to with its lots' providers (none for a design buying places):
    the contacts a case got a week, against the contacts its staff were sized for, and the lots handed back
    (means over the replicates)."""
    if "provider_contacts" not in cmp or cmp.sizes.get("provider", 0) == 0:
        return {}
    weeks = np.diff(cmp["review_on"].values).astype("timedelta64[D]").astype(float) / DAYS_PER_WEEK
    weeks = xr.DataArray(np.append(weeks, weeks[-1]), dims="review")  # the last period as long as the others
    case_weeks = (cmp["provider_caseload"].sum(PROVIDER_BAND) * weeks).sum(("provider", "review"))
    contacts = cmp["provider_contacts"].sum((PROVIDER_BAND, "provider", "review"))
    handed = cmp["provider_handed_back_on"].notnull().sum("provider")
    return {"contacts a case a week": float((contacts / case_weeks).mean()),
            "lots handed back": float(handed.mean())}


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


# ---------------------------------------------------------------- from a batch (jrsim batch commissioning_level_batch)
def _spread_cell(s: xr.Dataset, name: str, scale: float = 1.0) -> str:
    """A figure's mean across runs, and its 90% interval where the summary gives one."""
    mean, low, high = (float(s[f"{name}_{k}"]) / scale for k in ("mean", "p05", "p95"))
    cell = (lambda x: _cell(int(x)) if float(x).is_integer() else _cell(x)) if name == "design_lots" else _cell
    if not np.isfinite(low):
        return cell(mean)
    return f"{cell(mean)} ({cell(low)} to {cell(high)})"


def levels_batch_rows(summary: xr.Dataset) -> tuple[list[str], list[list[str]]]:
    """The header and rows of the levels side by side from a batch's summary
    (``jrsim.experiments.summary.summarise``), a column per scenario: the designs' figures run by run (mean
    and 90% interval), the public sector's NPV and the chance it is positive, and each agency's cashable
    savings, chance of a positive net fiscal benefit and change in demand (each activity that moved)."""
    scenarios = [str(s) for s in summary["scenario"].values]
    by = {name: summary.sel(scenario=name) for name in scenarios}
    rows = [["runs", *(f"{int(by[s]['runs'])}" for s in scenarios)]]
    for name, label in LABELS.items():
        if f"{name}_mean" in summary:
            scale = MILLION if name in IN_MILLIONS else 1.0
            rows.append([label, *(_spread_cell(by[s], name, scale) for s in scenarios)])
    rows.append(["NPV fiscal (£m)", *(_spread_cell(by[s], "npv_fiscal", MILLION) for s in scenarios)])
    rows.append(["chance NPV fiscal > 0", *(chance_interval_text(float(by[s]["p_total_positive"]),
                                                                 int(by[s]["runs"])) for s in scenarios)])
    for agency in (str(a) for a in summary["agency"].values):
        cash = [by[s]["pv_savings_cashable_mean"].sel(agency=agency).item() for s in scenarios]
        if any(c != 0 for c in cash):
            rows.append([f"cashable savings, {agency} (£m)", *(_spread_cell(by[s].sel(agency=agency),
                                                                            "pv_savings_cashable", MILLION)
                                                              for s in scenarios)])
        chance = [float(by[s]["p_net_benefit_positive"].sel(agency=agency)) for s in scenarios]
        if any(np.isfinite(c) for c in chance):
            rows.append([f"chance net fiscal benefit > 0, {agency}",
                         *(chance_interval_text(c, int(by[s]["runs"])) or "nothing at stake"
                           for c, s in zip(chance, scenarios))])
    if "demand_change_mean" in summary:  # the public agencies' activities (not the costs of crime to society)
        for activity, agency in zip(map(str, summary["activity"].values), map(str, summary["activity_agency"].values)):
            if agency not in FUNDERS:
                continue
            change = [by[s]["demand_change_mean"].sel(activity=activity).item() for s in scenarios]
            if any(abs(c) >= 1 for c in change):
                rows.append([f"demand change, {activity.replace('_', ' ')}",
                             *(_spread_cell(by[s].sel(activity=activity), "demand_change") for s in scenarios)])
    return ["", *(level_name(s) for s in scenarios)], rows


def level_name(scenario: str) -> str:
    """'commissioning_contract_package_area' -> 'contract package area'."""
    return scenario.replace("commissioning_", "").replace("_", " ")


def levels_batch_table(summary: xr.Dataset) -> str:
    """levels_batch_rows as a markdown table."""
    header, rows = levels_batch_rows(summary)
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    return "\n".join([*lines, *("| " + " | ".join(r) + " |" for r in rows)])
