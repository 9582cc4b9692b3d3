"""Per-agency and total figures of a comparison, as the tables, the workbook and the report show them."""
from __future__ import annotations

import xarray as xr

from jrsim.experiments.summary import summarise

MILLION = 1e6  # tables and the report show £m


def agency_summary(cmp: xr.Dataset) -> list[dict]:
    """Per agency, mean over replicates (present values, base prices); the 90% interval only where
    there are runs enough for one (NaN otherwise), and the chance net fiscal benefit is positive."""
    m = cmp.mean("replicate")
    s = summarise(cmp)
    lo, hi = s["pv_net_fiscal_benefit_p05"], s["pv_net_fiscal_benefit_p95"]
    rows = []
    for i, agency in enumerate(m["agency"].values):
        rows.append({
            "agency": str(agency),
            "cashable": float(m["pv_savings_cashable"][i]),
            "non_cashable": float(m["pv_savings_fiscal"][i] - m["pv_savings_cashable"][i]),
            "economic_social": float(m["pv_savings_economic_social"][i]),
            "investment": float(m["pv_investment"][i]),
            "net_fiscal": float(m["pv_net_fiscal_benefit"][i]),
            "net_fiscal_p05": float(lo[i]), "net_fiscal_p95": float(hi[i]),
            "p_positive": float(s["p_net_benefit_positive"][i]), "p_positive_se": float(s["p_net_benefit_positive_se"][i]),
            "roi": float(m["roi"][i]),
            "payback_year": float(m["payback_year"][i]),
        })
    return rows


def totals(cmp: xr.Dataset) -> dict[str, float]:
    m = cmp.mean("replicate")
    s = summarise(cmp)
    return {"npv_fiscal": float(m["npv_fiscal"]), "npv_fiscal_p05": float(s["npv_fiscal_p05"]),
            "npv_fiscal_p95": float(s["npv_fiscal_p95"]), "p_positive": float(s["p_total_positive"]),
            "p_positive_se": float(s["p_total_positive_se"]), "npv_cashable": float(m["npv_cashable"]),
            "npv_economic_social": float(m["npv_economic_social"]), "roi_total": float(m["roi_total"]),
            "investment": float(m["pv_investment"].sum()), "replicates": int(cmp.sizes["replicate"])}
