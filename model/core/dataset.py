"""A finished simulation as one xarray.Dataset: every declared result with its unit, the stocks
derived from the population, the transitions that balance them, and what modules add.

Names are chosen so a researcher can ``xr.open_dataset`` the NetCDF and slice by name without
reading this code: flows and stocks have a weekly ``time`` dimension, and the demand each agency
prices (and the proven-reoffending cohorts) an ``area`` dimension at the run's area level: their sum
over ``area`` is the figure for the whole run (``national``).
"""
from __future__ import annotations

import xarray as xr

from jrsim.core.constants import WEEKS_PER_YEAR
from jrsim.core.results import FLOW, JOIN, LONG_NAME, PEOPLE_PER_WEEK, labelled, stock
from jrsim.core.vocabulary import OUTSIDE_LABEL, PRISON_STATUSES, PROBATION_STATUSES, STATUSES

TRANSITION_LABELS = list(STATUSES) + [OUTSIDE_LABEL]
YEARS = "year"  # the unit of a coordinate named ..._year (a cohort's, a price's, a budget's year)


def to_dataset(sim) -> xr.Dataset:
    res = sim.results
    data = {}
    areas = list(sim.areas.reported)
    for name, arr in res.arrays.items():
        spec = res.specs[name]
        dims = ("time",) + (("area",) if spec.by_area else ()) + tuple(d for d, _ in spec.dims)
        coords = {d: list(labels) for d, labels in spec.dims} | ({"area": areas} if spec.by_area else {})
        data[name] = xr.DataArray(arr, dims=dims, coords=coords, attrs=spec.attrs)
    ds = xr.Dataset(data, coords={"time": sim.calendar.dates()})
    for module in sim.modules.values():
        ds = ds.assign_coords(module.dataset_coords())
    stocks = ds["population"].sum("area")
    ds["prison_population"] = stocks.sel(status=list(PRISON_STATUSES)).sum("status").assign_attrs(
        stock(label="Prison population").attrs)
    ds["probation_caseload"] = stocks.sel(status=list(PROBATION_STATUSES)).sum("status").assign_attrs(
        stock(label="Probation caseload").attrs)
    ds["transitions"] = xr.DataArray(sim.transitions, dims=("time", "from_status", "to_status"),
                                     coords={"from_status": TRANSITION_LABELS, "to_status": TRANSITION_LABELS},
                                     attrs={**labelled(PEOPLE_PER_WEEK, FLOW, "Moves between statuses"),
                                            "description": "moves between statuses; 'outside' for entries and exits"})
    for module in sim.modules.values():
        for name, var in module.dataset_variables().items():
            ds[name] = var
    ds = ds.assign_coords({c: ds[c].assign_attrs(units=YEARS) for c in ds.coords if str(c).endswith("year")})
    missing = [name for name in ds.data_vars if "units" not in ds[name].attrs]
    if missing:
        raise ValueError(f"run variables without a declared unit: {missing}")
    unlabelled = [name for name in ds.data_vars if not ds[name].attrs.get(LONG_NAME)]
    if unlabelled:
        raise ValueError(f"run variables without a label (long_name): {unlabelled}")
    cal = sim.calendar
    ds.attrs.update(scenario=sim.params.name, seed=sim.seed_value, scale=float(sim.scale),
                    area_level=sim.areas.level, area_share=float(sim.areas.share),
                    local_areas=JOIN.join(sim.areas.local),
                    start_year=cal.start_year, warmup_years=cal.warmup_weeks // WEEKS_PER_YEAR,
                    scenario_files=JOIN.join(sim.params.files), model="jrsim")
    return ds


def national(ds: xr.Dataset) -> xr.Dataset:
    """The run's Dataset with every ``area`` dimension summed away (the figures for all its areas)."""
    if "area" not in ds.dims:
        return ds
    out = ds.copy()
    for name in [n for n in ds.data_vars if "area" in ds[n].dims]:
        out[name] = ds[name].sum("area", keep_attrs=True)
    return out.drop_dims("area")
