"""Turn a finished simulation into one xarray.Dataset, and read the headline measures off it.

Names are chosen so a researcher can ``xr.open_dataset`` the NetCDF and slice by
name without reading this code: flows and stocks have a weekly ``time``
dimension; proven reoffending has ``cohort_year`` and ``disposal``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from model.population import IN_PRISON, Status
from model.reoffending import DISPOSALS

STATUS_LABELS = tuple(s.name.lower() for s in Status)
PROBATION = ("community_order", "suspended_sentence", "licence", "post_sentence_supervision")
# Groups of index disposals that the published statistics report.
REOFFENDING_GROUPS = {
    "all_adults": DISPOSALS,
    "custody_under_12m": ("custody_under_12m",),
    "custody_12m_plus": ("custody_12m_to_4y", "custody_4y_plus"),
    "court_orders": ("community_order", "suspended_sentence"),
    "cautions": ("caution",),
}


def to_dataset(sim) -> xr.Dataset:
    res = sim.results
    n = res.n_steps
    start = pd.Timestamp(f"{sim.params['run.start_year']}-01-01")
    time = pd.date_range(start, periods=n, freq="7D")
    data = {}
    for name, arr in res.arrays.items():
        dims = ("time",) + tuple(d for d, _ in res.dims[name])
        coords = {d: list(labels) for d, labels in res.dims[name]}
        data[name] = xr.DataArray(arr, dims=dims, coords=coords)
    ds = xr.Dataset(data, coords={"time": time})
    services = sim.modules["services"].services
    if services:  # who pays for each service, for the ledger's investment by funder
        ds = ds.assign_coords(funder=("service", [s.f["funder"] for s in services]),
                              pathway=("service", [s.f["pathway"] for s in services]),
                              price_year=("service", [int(s.f["price_year"]) for s in services]))
    stocks = ds["population"]
    ds["prison_population"] = stocks.sel(status=[s for s, p in zip(STATUS_LABELS, IN_PRISON) if p]).sum("status")
    ds["probation_caseload"] = stocks.sel(status=list(PROBATION)).sum("status")
    ds["transitions"] = xr.DataArray(sim.transitions, dims=("time", "from_status", "to_status"),
                                     coords={"from_status": list(STATUS_LABELS) + ["outside"],
                                             "to_status": list(STATUS_LABELS) + ["outside"]})
    reo = sim.modules["reoffending"]
    years = np.arange(reo.cohort.shape[0])
    cdims = ("cohort_year", "disposal")
    ccoords = {"cohort_year": years + sim.params["run.start_year"], "disposal": list(DISPOSALS)}
    ds["cohort_size"] = xr.DataArray(reo.cohort, dims=cdims, coords=ccoords)
    ds["reoffenders"] = xr.DataArray(reo.reoffenders, dims=cdims, coords=ccoords)
    ds["reoffences"] = xr.DataArray(reo.reoffences, dims=cdims, coords=ccoords)
    ds["cohort_complete"] = xr.DataArray(reo.complete_years(), dims=("cohort_year",),
                                         coords={"cohort_year": ccoords["cohort_year"]})
    _describe(ds)
    ds.attrs.update(scenario=sim.params.name, seed=sim.seed_value, scale=float(sim.params["run.scale"]),
                    start_year=int(sim.params["run.start_year"]), warmup_years=int(sim.params["run.warmup_years"]),
                    scenario_files=";".join(sim.params.files), model="jrsim")
    return ds


def _describe(ds: xr.Dataset) -> None:
    units = {"population": "people (end of week)", "prison_population": "people (end of week)",
             "probation_caseload": "people (end of week)", "transitions": "people per week",
             "cohort_size": "people", "reoffenders": "people", "reoffences": "proven offences",
             "cohort_complete": "true when follow-up and proof window ended within the run"}
    for name in ds.data_vars:
        ds[name].attrs["units"] = units.get(name, "events per week")


COHORT_COUNTS = ["cohort_size", "reoffenders", "reoffences"]


def _group_counts(ds: xr.Dataset, complete_only: bool = True):
    """Cohort counts summed over each published group's disposals, by cohort year."""
    years = ds["cohort_year"][ds["cohort_complete"]] if complete_only else ds["cohort_year"]
    counts = ds[COHORT_COUNTS].sel(cohort_year=years)
    return {group: counts.sel(disposal=list(d)).sum("disposal") for group, d in REOFFENDING_GROUPS.items()}


def reoffending_table(ds: xr.Dataset, complete_only: bool = True) -> xr.Dataset:
    """One-year proven reoffending rate and re-offences per reoffender by published group."""
    out = {}
    for group, sub in _group_counts(ds, complete_only).items():
        size, reo, offences = (sub[v] for v in COHORT_COUNTS)
        out[f"{group}_rate"] = reo / size.where(size > 0)
        out[f"{group}_per_reoffender"] = offences / reo.where(reo > 0)
        out[f"{group}_cohort"] = size
    return xr.Dataset(out)


def headline(ds: xr.Dataset) -> dict[str, float]:
    """The measures a user checks first, averaged over the run (reoffending over complete cohorts)."""
    per_year = 52.0
    out = {
        "prison_population": float(ds["prison_population"].mean()),
        "remand_population": float(ds["population"].sel(status="remand").mean()),
        "probation_caseload": float(ds["probation_caseload"].mean()),
        "offences_per_year": float(ds["offences"].mean() * per_year),
        "arrests_per_year": float(ds["arrests"].mean() * per_year),
        "charges_per_year": float(ds["charges"].mean() * per_year),
        "cautions_per_year": float(ds["cautions"].mean() * per_year),
        "court_cases_per_year": float(ds["court_cases"].sum("court").mean() * per_year),
        "crown_court_cases_per_year": float(ds["court_cases"].sel(court="crown").mean() * per_year),
        "custodial_sentences_per_year": float(ds["prison_receptions"].sum("band").mean() * per_year),
        "recalls_per_year": float(ds["recalls"].mean() * per_year),
        "entries_per_year": float(ds["entries"].mean() * per_year),
        "active_population": float(ds["population"].sum("status").mean()),
        "population_growth_per_year": _growth(ds["population"].sum("status")),
    }
    groups = _group_counts(ds)
    n_years = groups["all_adults"].sizes["cohort_year"]
    if n_years:
        for group, counts in groups.items():
            sub = counts.sum("cohort_year")
            out[f"reoffending_rate_{group}"] = float(sub["reoffenders"] / max(int(sub["cohort_size"]), 1))
            out[f"reoffences_per_reoffender_{group}"] = float(sub["reoffences"] / max(int(sub["reoffenders"]), 1))
        out["cohort_size_per_year"] = float(groups["all_adults"]["cohort_size"].sum() / n_years)
    return out


def service_table(ds: xr.Dataset) -> list[dict]:
    """Per service, national and per year: referrals, starts, completions, drop-outs, lost, waits, places, spend."""
    if "service" not in ds.dims:
        return []
    years = ds.sizes["time"] / 52.0
    scale = ds.attrs.get("scale", 1.0)
    rows = []
    for name in ds["service"].values:
        s = ds.sel(service=name)
        starts = int(s["service_starts"].sum())
        rows.append({
            "service": str(name),
            **{f"{o}_per_year": float(s[f"service_{o}"].sum()) / years / scale
               for o in ("referrals", "starts", "completions", "dropouts", "declined", "lost")},
            "mean_wait_weeks": float(s["service_wait_weeks"].sum()) / starts if starts else 0.0,
            "waiting_list": float(s["service_waiting"].mean()) / scale,
            "places_used": float(s["service_in_places"].mean()) / scale,
            "spend_per_year": float(s["service_spend"].sum()) / years / scale,
        })
    return rows


def _growth(total: xr.DataArray) -> float:
    """Relative change of a stock per year over the run (0 = steady)."""
    years = max((total.sizes["time"] - 1) / 52.0, 1e-9)
    return float((total[-1] - total[0]) / total[0] / years)
