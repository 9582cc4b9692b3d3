"""What a policy team reads from many paired runs: means, 90% intervals where the runs support one,
return on investment where the investment is material, and the chance that net fiscal benefit is
positive (WSIPP's 'chance benefits will exceed costs') with its 95% Wilson score interval (and its
Monte Carlo standard error, kept for the terminal's comparison table).

Runs are the (draw, replicate) pairs of a scenario (a comparison's replicates alone when there is no
parameter uncertainty). Every figure says how many runs it rests on; an interval from fewer than
``MIN_RUNS_FOR_INTERVAL`` runs is not shown.
"""
from __future__ import annotations

import warnings

import numpy as np
import xarray as xr

from jrsim.core.constants import MILLION
from jrsim.economics.appraisal import is_material, return_on_investment
from jrsim.experiments.carried import DESIGN_FIGURES
from jrsim.outputs.units import with_units

MIN_RUNS_FOR_INTERVAL = 20  # the 5th and 95th percentiles of fewer runs are the extremes, not an interval
INTERVAL = (0.05, 0.95)  # a 90% interval
MEDIAN = 0.5  # a middle that a few extreme runs do not pull: shown from any number of runs
# What each party outside the public sector was paid on its results in a batch's scenario run (results less
# fees repaid, by year and payee): kept when a contract of the experiment pays such a party (experiments.batch).
RESULTS_PAID = "results_paid"
# A chance is a share of runs: its interval is the Wilson score interval (Wilson 1927), which stays
# inside 0-1 and is not zero wide at 0% or 100% as the normal approximation's '± 0%' is; 95% two-sided.
CHANCE_LEVEL = 0.95
WILSON_Z = 1.959963984540054  # the standard normal's 97.5th percentile: a two-sided 95% interval
# The Wilson formula's own numbers (see wilson_interval): the centre's z^2/2n and the half-width's z^2/4n^2.
WILSON_CENTRE, WILSON_SPREAD = 2, 4
# Present values by agency, as the ledger names them: what the summary reports, in this order.
MEASURES = {"pv_savings_cashable": "savings, cashable", "pv_savings_non_cashable": "savings, non-cashable",
            "pv_savings_economic_social": "savings, economic and social", "pv_investment": "investment",
            "pv_net_fiscal_benefit": "net fiscal benefit"}


def _runs(ds: xr.Dataset) -> tuple[xr.Dataset, xr.DataArray]:
    """The run dimensions stacked into one ``run`` dimension, and which runs are done."""
    dims = [d for d in ("draw", "replicate") if d in ds.dims]
    stacked = ds.stack(run=dims) if dims else ds.expand_dims(run=[0])
    stacked = stacked.drop_vars([c for c in ("run", *dims) if c in stacked.coords])
    done = stacked["done"].astype(bool) if "done" in stacked else xr.ones_like(stacked["npv_fiscal"], dtype=bool)
    return stacked.drop_vars("done", errors="ignore"), done


def _spread(out: xr.Dataset, name: str, values: xr.DataArray, n: xr.DataArray, median: bool = False) -> None:
    """Mean (and the median, if asked), and the 90% interval where at least MIN_RUNS_FOR_INTERVAL runs
    support it."""
    out[f"{name}_mean"] = values.mean("run")
    if median:
        out[f"{name}_p50"] = values.quantile(MEDIAN, dim="run").drop_vars("quantile")
    low, high = values.quantile(list(INTERVAL), dim="run")
    shown = n >= MIN_RUNS_FOR_INTERVAL
    out[f"{name}_p05"] = low.drop_vars("quantile").where(shown)
    out[f"{name}_p95"] = high.drop_vars("quantile").where(shown)


def wilson_interval(p, n, z: float = WILSON_Z):
    """The Wilson score interval (low, high) of a share ``p`` of ``n`` > 0 runs (numbers or arrays;
    NaN where either is): centre (p + z^2/2n) / (1 + z^2/n), half-width z sqrt(p(1-p)/n + z^2/4n^2)
    / (1 + z^2/n). The interval always holds ``p``: rounding (p = 1 gives a top of 0.9999999999999999) is
    held to it and to 0-1, so a chart's error bars are never negative. 20 of 20 runs: 100% (83.9% to 100%)."""
    z2 = z * z
    shrink = 1 + z2 / n
    centre = (p + z2 / (WILSON_CENTRE * n)) / shrink
    half = z * np.sqrt(p * (1 - p) / n + z2 / (WILSON_SPREAD * n * n)) / shrink
    return np.clip(np.fmin(centre - half, p), 0.0, 1.0), np.clip(np.fmax(centre + half, p), 0.0, 1.0)


def _chance(out: xr.Dataset, name: str, values: xr.DataArray, done: xr.DataArray, n: xr.DataArray) -> None:
    """The share of runs with a positive value, its 95% Wilson interval and its Monte Carlo standard error."""
    p = (values > 0).where(done, False).sum("run") / n.where(n > 0)
    at_stake = (values.where(done, 0.0) != 0).any("run")  # an agency with nothing at stake has no chance to give
    p = p.where(at_stake)
    out[name] = p
    out[f"{name}_low"], out[f"{name}_high"] = wilson_interval(p, n.where(n > 0))
    out[f"{name}_se"] = np.sqrt(p * (1 - p) / n.where(n > 0))


def _roi(out: xr.Dataset, runs: xr.DataArray, n: xr.DataArray, min_investment: float) -> None:
    """Return on investment by agency where its mean investment is material (NaN otherwise).

    The headline is the ratio of the means (mean net fiscal benefit over mean investment), not the mean
    of each run's ratio: a run whose agency invested little gives a ratio of thousands that would
    dominate a mean of ratios, while the ratio of means is what the money invested across the runs
    returned. The interval is the 5th to 95th percentile of each run's own ratio (percentiles are not
    pulled by a few extreme runs), shown only when every run's investment is material."""
    invested = runs["pv_investment"]
    material = is_material(invested, min_investment)
    mean_invested = out["pv_investment_mean"]
    out["roi_mean"] = return_on_investment(out["pv_net_fiscal_benefit_mean"], mean_invested, min_investment)
    per_run = return_on_investment(runs["pv_net_fiscal_benefit"], invested, min_investment)
    with warnings.catch_warnings():  # an agency that never invested has no ratio in any run: NaN, quietly
        warnings.simplefilter("ignore", RuntimeWarning)
        low, high = per_run.quantile(list(INTERVAL), dim="run")
    shown = (n >= MIN_RUNS_FOR_INTERVAL) & material.where(invested.notnull(), True).all("run") & out["roi_mean"].notnull()
    out["roi_p05"] = low.drop_vars("quantile").where(shown)
    out["roi_p95"] = high.drop_vars("quantile").where(shown)
    total_invested = mean_invested.sum("agency")
    out["roi_total_mean"] = return_on_investment(out["npv_fiscal_mean"], total_invested, min_investment)


def summarise(results: xr.Dataset) -> xr.Dataset:
    """By scenario (if any) and agency: mean, 90% interval, ROI where the investment is material, the
    chance net fiscal benefit is positive with its Wilson interval and standard error, and the number
    of runs; plus demand change by activity (units of each activity, summed over the years) and, where
    the batch kept them, the results payments to each payee outside the public sector (summed over the
    years: mean, median and 90% interval)."""
    min_investment = float(results.attrs.get("ratio_min_investment", 0.0))  # 0: any investment is material
    runs, done = _runs(results)
    runs = runs.where(done)
    runs["pv_savings_non_cashable"] = runs["pv_savings_fiscal"] - runs["pv_savings_cashable"]
    n = done.sum("run")
    out = xr.Dataset({"runs": n})
    for name in MEASURES:
        _spread(out, name, runs[name], n)
    _spread(out, "npv_fiscal", runs["npv_fiscal"], n)
    _chance(out, "p_net_benefit_positive", runs["pv_net_fiscal_benefit"], done, n)
    _chance(out, "p_total_positive", runs["npv_fiscal"], done, n)
    if "pv_net_fiscal_benefit_after_transfers" in runs:  # a store from before batches kept them has not
        _spread(out, "pv_net_fiscal_benefit_after_transfers", runs["pv_net_fiscal_benefit_after_transfers"], n)
        _chance(out, "p_after_transfers_positive", runs["pv_net_fiscal_benefit_after_transfers"], done, n)
    _roi(out, runs, n, min_investment)
    if "demand_scenario" in runs:
        _spread(out, "demand_change", (runs["demand_scenario"] - runs["demand_baseline"]).sum("year"), n)
    if RESULTS_PAID in runs:  # each payee outside the public sector: its results payments over the years
        _spread(out, RESULTS_PAID, runs[RESULTS_PAID].sum("year"), n, median=True)
    for name in (v for v in DESIGN_FIGURES if v in runs):  # a scenario's commissioning designs, run by run
        _spread(out, name, runs[name], n, median=True)
    out.attrs.update(interval=f"5th to 95th percentile across runs, shown from {MIN_RUNS_FOR_INTERVAL} runs",
                     chance_interval=f"{CHANCE_LEVEL:.0%} Wilson score interval of the share of runs",
                     roi_rule="ratio of the means (mean net fiscal benefit over mean investment, present values); "
                              "its interval: percentiles of each run's ratio; NaN where the mean investment is not "
                              f"above {min_investment:,.0f} GBP (ratio_min_investment)",
                     ratio_min_investment=min_investment,
                     units="GBP, present values, base prices; demand in units of each activity"
                           + ("; results payments: base prices, not discounted" if RESULTS_PAID in runs else ""))
    # partial: a store from before units were declared has no price year. Computed here, once: from a batch's
    # store every figure is a lazy (dask) array, and the workbook and page read a thousand of them one by one,
    # each a pass over the store
    return with_units(out, context=results.attrs, partial=True).load()


def interval_text(mean: float, low: float, high: float, scale: float = MILLION) -> str:
    """'12.3 (9.1 to 15.2)', or the mean alone when there are too few runs for an interval."""
    if low != low:  # NaN: not enough runs
        return f"{mean / scale:,.1f}"
    return f"{mean / scale:,.1f} ({low / scale:,.1f} to {high / scale:,.1f})"


def chance_interval_text(p: float, n: int) -> str:
    """'100% (84% to 100%) of 20 runs': the share with its 95% Wilson interval and the runs it rests on;
    nothing for an agency with nothing at stake."""
    if p != p or n <= 0:
        return ""
    low, high = wilson_interval(p, n)
    return f"{p:.0%} ({low:.0%} to {high:.0%}) of {n} runs"


WHOLE_COUNTRY = 1e-9  # an area share this close to 1 is all of England and Wales (the shares' sum is rounded)


def coverage_text(attrs: dict) -> str:
    """The areas a comparison covers, from the runs' attributes (``jrsim.experiments.paired.coverage``):
    'areas: all of England and Wales ...' or 'areas: lewisham (local_area; 0.49% of England and Wales's
    offenders)'."""
    if "area_share" not in attrs:
        return "areas: not recorded with this comparison (see the scenario files' run.areas)"
    level, share = attrs.get("area_level", "national"), float(attrs["area_share"])
    areas = [a for a in str(attrs.get("areas", "")).split(";") if a]
    if abs(share - 1.0) < WHOLE_COUNTRY:
        return f"areas: all of England and Wales (reported by {level}: {len(areas)} area(s))"
    return f"areas: {', '.join(areas)} ({level}; {share:.2%} of England and Wales's offenders)"
