"""Per-agency and total figures of a comparison, as the tables, the workbook and the report show them."""
from __future__ import annotations

import numpy as np
import xarray as xr

from jrsim.core.constants import MILLION
from jrsim.economics.appraisal import is_material, paid_back_by_year, payback_across_runs, return_on_investment
from jrsim.experiments.carried import GATEWAY, JOIN
from jrsim.experiments.summary import summarise
from jrsim.parameters.declaration import words

THOUSAND = 1e3  # ... or £k, for a comparison whose largest figure is under SMALL_COMPARISON (a local area's)
SMALL_COMPARISON = 1e7


def money_unit(cmp: xr.Dataset) -> tuple[float, str]:
    """The divisor and suffix the tables use: £m, or £k when every agency's figures are small."""
    m = cmp.mean("replicate")
    largest = max(float(abs(m[v]).max()) for v in ("pv_savings_fiscal", "pv_savings_economic_social", "pv_investment",
                                                   "pv_net_fiscal_benefit"))
    return unit_for(largest)


def unit_for(largest: float) -> tuple[float, str]:
    """£k for figures whose largest is under SMALL_COMPARISON (a local area's), £m otherwise."""
    return (THOUSAND, "k") if largest < SMALL_COMPARISON else (MILLION, "m")


def ratio_threshold(cmp: xr.Dataset) -> float:
    """The present value of investment (GBP) below which a comparison shows no ROI or payback."""
    return float(cmp.attrs.get("ratio_min_investment", 0.0))


def _paid_back(cmp: xr.Dataset, name: str) -> xr.DataArray:
    """The share of runs paid back by each year (recomputed for a comparison written before it was kept)."""
    return cmp[name] if name in cmp else paid_back_by_year(cmp[name.replace("paid_back_by_year", "payback_year")],
                                                           cmp["year"].values)


def _ratios(paid_back: xr.DataArray, net: xr.DataArray, investment: xr.DataArray,
            threshold: float) -> tuple[xr.DataArray, xr.DataArray]:
    """ROI of the mean flows (mean net benefit over mean investment, present values) and the payback year
    across runs, both NaN where the mean investment is not material."""
    payback = payback_across_runs(paid_back).where(is_material(investment, threshold))
    return return_on_investment(net, investment, threshold), payback


def agency_summary(cmp: xr.Dataset) -> list[dict]:
    """Per agency, mean over replicates (present values, base prices); the 90% interval only where
    there are runs enough for one (NaN otherwise), and the chance net fiscal benefit is positive.
    ``roi``: mean net fiscal benefit over mean investment; ``payback_year``: the first (budget) year by
    which at least half the runs had paid back; both NaN where the mean investment is under the
    comparison's ``ratio_min_investment`` (``material`` false) or, for payback, where too few runs paid
    back; ``paid_back_share``: the share of runs paid back by the last year."""
    m = cmp.mean("replicate")
    s = summarise(cmp)
    lo, hi = s["pv_net_fiscal_benefit_p05"], s["pv_net_fiscal_benefit_p95"]
    paid_back = _paid_back(cmp, "paid_back_by_year")
    roi, payback = _ratios(paid_back, m["pv_net_fiscal_benefit"], m["pv_investment"], ratio_threshold(cmp))
    material = is_material(m["pv_investment"], ratio_threshold(cmp))
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
            "transfers": float(m["pv_transfers"][i]),
            "net_after_transfers": float(m["pv_net_fiscal_benefit_after_transfers"][i]),
            "roi": float(roi[i]),
            "payback_year": float(payback[i]),
            "paid_back_share": float(paid_back[i].isel(year=-1)),
            "material": bool(material[i]),
        })
    return rows


def totals(cmp: xr.Dataset) -> dict[str, float]:
    """The comparison's totals over agencies (mean over replicates); ``roi_total`` and
    ``payback_year_total`` as ``agency_summary`` computes an agency's."""
    m = cmp.mean("replicate")
    s = summarise(cmp)
    investment = m["pv_investment"].sum("agency")
    roi, payback = _ratios(_paid_back(cmp, "paid_back_by_year_total"), m["npv_fiscal"], investment,
                           ratio_threshold(cmp))
    return {"npv_fiscal": float(m["npv_fiscal"]), "npv_fiscal_p05": float(s["npv_fiscal_p05"]),
            "npv_fiscal_p95": float(s["npv_fiscal_p95"]), "p_positive": float(s["p_total_positive"]),
            "p_positive_se": float(s["p_total_positive_se"]), "npv_cashable": float(m["npv_cashable"]),
            "npv_economic_social": float(m["npv_economic_social"]), "roi_total": float(roi),
            "payback_year_total": float(payback), "ratio_min_investment": ratio_threshold(cmp),
            "investment": float(investment), "replicates": int(cmp.sizes["replicate"]),
            # what the contracts paid parties outside the public sector, which the NPV is net of
            "paid_outside": float(m["pv_net_fiscal_benefit"].sum("agency") - m["npv_fiscal"])}


def paid_outside_text(total: dict, div: float, u: str) -> str:
    """What the fiscal NPV is net of, when the contracts paid parties outside the public sector."""
    if not total["paid_outside"]:
        return ""
    return (f"; the NPV is the public sector's, after £{total['paid_outside'] / div:,.1f}{u} (net) paid to "
            "providers and investors outside it")


def outside_summary(cmp: xr.Dataset) -> list[dict]:
    """Parties outside the public sector (providers, investors): what they received net (present
    value, mean over replicates), their money multiple and yearly internal rate of return (mean of
    the replicates that have one)."""
    if "transfers_outside" not in cmp:
        return []
    m = cmp.mean("replicate")
    irr = cmp["outside_irr"]
    return [{"party": str(p), "received_net": float(m["pv_transfers_outside"].sel(party=p)),
             "paid_in": float(-cmp["transfers_outside"].sel(party=p).clip(max=0.0).sum("year").mean("replicate")) + 0.0,
             "paid_out": float(cmp["transfers_outside"].sel(party=p).clip(min=0.0).sum("year").mean("replicate")),
             "multiple": float(m["outside_multiple"].sel(party=p)),
             "irr": float(irr.sel(party=p).mean("replicate", skipna=True)) if bool(irr.sel(party=p).notnull().any())
             else float("nan"),
             "runs_with_irr": int(irr.sel(party=p).notnull().sum())}
            for p in cmp["party"].values]


def payment_rows(cmp: xr.Dataset) -> list[dict]:
    """Each contract's payments by purpose and year (mean over replicates, base prices, undiscounted;
    scenario minus baseline); purposes a contract never paid are left out."""
    if "payments_by_contract" not in cmp:
        return []
    m = cmp["payments_by_contract"].mean("replicate")
    rows = []
    for contract in m["contract"].values:
        for purpose in m["purpose"].values:
            by_year = m.sel(contract=contract, purpose=purpose)
            if bool((by_year != 0).any()):
                rows.append({"contract": str(contract), "purpose": str(purpose),
                             **{int(y): float(v) for y, v in zip(m["year"].values, by_year.values)}})
    return rows


def multiple_text(o: dict) -> str:
    """An outside party's money multiple as the tables show it ('none' with no capital put in)."""
    return "none" if o["multiple"] != o["multiple"] else f"{o['multiple']:.2f}"


def irr_text(o: dict) -> str:
    """An outside party's yearly internal rate of return as the tables show it."""
    if o["paid_in"] <= 0:
        return "none: no capital put in"
    return "none (nothing came back)" if o["irr"] != o["irr"] else f"{o['irr']:.1%} a year"


# ---------------------------------------------------------------- each contract's results by cohort year
# What each contract measure is, in words (a gateway names its service: 'gateway: drug treatment community').
MEASURE_LABELS = {"binary": "proven reoffending rate (binary)", "frequency": "re-offences per person (frequency)",
                  "cost_of_demand": "cost of demand (£)"}
YES, NO = "yes", "no"


def measure_text(measure: str) -> str:
    """A contract measure as a reader calls it."""
    if measure.startswith(GATEWAY):
        return f"gateway: {words(measure[len(GATEWAY):])} starts"
    return MEASURE_LABELS.get(measure, words(measure))


def runs_text(flags: xr.DataArray) -> str:
    """Whether something held across the runs (one 0/1 per replicate, NaN where not measured): yes, no,
    'k of n runs', or blank."""
    held = flags.values[~np.isnan(flags.values)]
    if not held.size:
        return ""
    k = int(held.sum())
    return YES if k == held.size else NO if k == 0 else f"{k} of {held.size} runs"


def result_measures(cmp: xr.Dataset) -> list[str]:
    """The measures the comparison's contracts measured (none: no results carried)."""
    return [str(m) for m in cmp["measure"].values] if "contract_observed" in cmp else []


def contract_result_rows(cmp: xr.Dataset) -> list[dict]:
    """One row per contract and cohort (or contract) year, from the scenario run: its kind, payee and
    areas; for each measure the outcome against its reference (mean of the replicates), whether it fell
    and whether the target was met (across the runs); what its payee was paid, fee and results apart
    (base prices, mean of the replicates). Contract-years with nothing measured or paid are left out."""
    if "result_contract" not in cmp.dims:
        return []
    measures = result_measures(cmp)
    rows = []
    for c in cmp["result_contract"].values:
        for y in cmp["result_year"].values:
            at = cmp.sel(result_contract=c, result_year=y)
            by_measure = {m: _measured(at.sel(measure=m), lower_is_better=not m.startswith(GATEWAY)) for m in measures}
            paid = {str(p): float(at["contract_paid"].sel(paid_for=p).mean("replicate"))
                    for p in at["paid_for"].values} if "contract_paid" in at else {}
            if not any(v["observed"] == v["observed"] for v in by_measure.values()) and not any(paid.values()):
                continue
            rows.append({"contract": str(c), "kind": words(str(at["result_contract_kind"].values)),
                         "payee": str(at["result_contract_payee"].values),
                         "areas": ", ".join(str(at["result_contract_areas"].values).split(JOIN)), "year": int(y),
                         "measures": by_measure, "paid": paid})
    return rows


def _measured(at: xr.Dataset, lower_is_better: bool) -> dict:
    """A measure's outcome, reference, whether it fell (a gateway's starts are meant to rise: blank) and met."""
    observed, reference = at["contract_observed"], at["contract_reference"]
    fell = (observed < reference).astype(float).where(observed.notnull() & reference.notnull())
    return {"observed": float(observed.mean("replicate")), "reference": float(reference.mean("replicate")),
            "fell": runs_text(fell) if lower_is_better else "", "met": runs_text(at["contract_met"])}


# The columns of a contract-year's results, as the workbook and the page head them: per measure, then paid.
RESULT_COLUMNS = {"observed": "observed", "reference": "reference", "fell": "fell against its reference",
                  "met": "target met"}
SHOWN_PAID = ("fee", "fee_repaid", "results")  # always shown, fee and results apart; other purposes when paid


def paid_columns(cmp: xr.Dataset) -> dict[str, str]:
    """The purposes the results table shows what was paid for, with their titles: fee, fee repaid and
    results, then any other purpose a contract paid (a pooled budget's reinvestment, an investor's capital)."""
    if "contract_paid" not in cmp:
        return {}
    paid = abs(cmp["contract_paid"]).sum([d for d in cmp["contract_paid"].dims if d != "paid_for"])
    shown = [str(p) for p in cmp["paid_for"].values if str(p) in SHOWN_PAID or float(paid.sel(paid_for=p)) > 0]
    return {p: words(p) for p in shown}
RESULT_NOTE = ("each contract's results by cohort (or contract) year in the scenario run: for each measure the outcome "
               "and the reference it is compared with (mean of the runs), whether it fell against the reference and "
               "whether the target was met (yes, no, or in how many runs), and what the payee was paid for that year, "
               "fee and results apart (undiscounted, whenever paid; negative: paid by the payee)")
