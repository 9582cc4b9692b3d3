"""What a policy team reads from many paired runs: means, 90% intervals where the runs support one,
and the chance that net fiscal benefit is positive with its Monte Carlo standard error (WSIPP's
'chance benefits will exceed costs').

Runs are the (draw, replicate) pairs of a scenario (a comparison's replicates alone when there is no
parameter uncertainty). Every figure says how many runs it rests on; an interval from fewer than
``MIN_RUNS_FOR_INTERVAL`` runs is not shown.
"""
from __future__ import annotations

import numpy as np
import xarray as xr

from jrsim.outputs.units import with_units

MIN_RUNS_FOR_INTERVAL = 20  # the 5th and 95th percentiles of fewer runs are the extremes, not an interval
INTERVAL = (0.05, 0.95)  # a 90% interval
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


def _spread(out: xr.Dataset, name: str, values: xr.DataArray, n: xr.DataArray) -> None:
    """Mean, and the 90% interval where at least MIN_RUNS_FOR_INTERVAL runs support it."""
    out[f"{name}_mean"] = values.mean("run")
    low, high = values.quantile(list(INTERVAL), dim="run")
    shown = n >= MIN_RUNS_FOR_INTERVAL
    out[f"{name}_p05"] = low.drop_vars("quantile").where(shown)
    out[f"{name}_p95"] = high.drop_vars("quantile").where(shown)


def _chance(out: xr.Dataset, name: str, values: xr.DataArray, done: xr.DataArray, n: xr.DataArray) -> None:
    """The share of runs with a positive value, and its Monte Carlo standard error."""
    p = (values > 0).where(done, False).sum("run") / n.where(n > 0)
    at_stake = (values.where(done, 0.0) != 0).any("run")  # an agency with nothing at stake has no chance to give
    p = p.where(at_stake)
    out[name] = p
    out[f"{name}_se"] = np.sqrt(p * (1 - p) / n.where(n > 0))


def summarise(results: xr.Dataset) -> xr.Dataset:
    """By scenario (if any) and agency: mean, 90% interval, the chance net fiscal benefit is positive
    and its standard error, and the number of runs; plus demand change by activity (units)."""
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
    if "demand_scenario" in runs:
        _spread(out, "demand_change", (runs["demand_scenario"] - runs["demand_baseline"]).sum("year"), n)
    out.attrs.update(interval=f"5th to 95th percentile across runs, shown from {MIN_RUNS_FOR_INTERVAL} runs",
                     units="GBP, present values, base prices; demand in units of each activity")
    return with_units(out, context=results.attrs, partial=True)  # a store from before units were declared has no price year


def interval_text(mean: float, low: float, high: float, scale: float = 1e6) -> str:
    """'12.3 (9.1 to 15.2)', or the mean alone when there are too few runs for an interval."""
    if low != low:  # NaN: not enough runs
        return f"{mean / scale:,.1f}"
    return f"{mean / scale:,.1f} ({low / scale:,.1f} to {high / scale:,.1f})"


def chance_text(p: float, se: float) -> str:
    """'85% ± 4%', or nothing for an agency with nothing at stake."""
    return "" if p != p else f"{p:.0%} ± {se:.0%}"
