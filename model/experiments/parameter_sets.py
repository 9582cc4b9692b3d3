"""A file of parameter sets a batch can draw from: the sets a calibration accepted (``jrsim calibrate``
writes it, an experiment's ``calibration:`` reads it). NetCDF, one row a set:

    value (set, parameter)   each set's values, in the units the scenario file writes them
    weight (set)             each set's weight (equal for a rejection sample)
    loss (set)               each set's distance from the targets
    attrs: kind, rule (how the sets were chosen), targets, scenario
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from jrsim.outputs.units import with_units
from jrsim.parameters.schema import FileChecker

KIND = "jrsim accepted parameter sets"  # the attribute that marks the file as one of these
NEEDED = ("value", "weight")


@dataclass(frozen=True)
class ParameterSets:
    path: Path
    names: list[str]
    values: np.ndarray  # sets x names
    weights: np.ndarray  # sum to 1

    def pick(self, rng: np.random.Generator, draws: int) -> np.ndarray:
        """Which set each of ``draws`` draws takes, by weight."""
        return rng.choice(len(self.weights), size=draws, p=self.weights)


def write_sets(path: Path, names: list[str], values: np.ndarray, loss: np.ndarray, attrs: dict,
               meta: dict | None = None) -> xr.Dataset:
    n = len(values)
    ds = xr.Dataset({"value": (("set", "parameter"), np.asarray(values, float)),
                     "weight": ("set", np.full(n, 1.0 / n)), "loss": ("set", np.asarray(loss, float))},
                    coords={"set": np.arange(n), "parameter": list(names)}, attrs={"kind": KIND, **attrs})
    ds = with_units(ds, meta=meta or {})
    ds.to_netcdf(path)
    return ds


def read_sets(path: Path, c: FileChecker, key: str) -> ParameterSets:
    """The sets in ``path``; a missing file, or one that is not such a file, is one line naming ``key``."""
    if not path.is_file():
        raise c.error(key, f"no file {str(path)!r} (a calibration's _accepted.nc, written by jrsim calibrate)")
    try:
        with xr.open_dataset(path) as ds:
            ok = ds.attrs.get("kind") == KIND and all(v in ds for v in NEEDED) and ds["value"].dims == ("set", "parameter")
            if ok:
                names, values, weights = [str(p) for p in ds["parameter"].values], ds["value"].values, ds["weight"].values
    except (OSError, ValueError):  # not NetCDF at all
        ok = False
    if not ok or not len(weights) or not np.isfinite(values).all():
        raise c.error(key, f"{str(path)!r} is not a file of accepted parameter sets (written by jrsim calibrate)")
    return ParameterSets(path, names, np.asarray(values, float), np.asarray(weights, float) / float(np.sum(weights)))
