"""The batch's results: one chunked Zarr store, laid out in full before the first write, then filled
region by region from one writer as runs finish.

Each run owns one chunk along (scenario, draw, replicate), so writes never share a chunk; a run's
``done`` flag is written after its data, so a batch killed at any point resumes with every finished
run kept and no half-written run counted. The store records the experiment's fingerprint (the file
and its inputs, by content): a store from another experiment is never mixed or replaced unasked.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import dask.array as da
import numpy as np
import xarray as xr
import zarr

from jrsim.core.errors import ScenarioError
from jrsim.outputs.units import with_units

RUN_DIMS = ("scenario", "draw", "replicate")
ZARR_FORMAT = 2  # the format every Zarr reader knows (text coordinates have no stable v3 encoding yet)


class Store:
    def __init__(self, path: Path, fingerprint: str, coords: dict[str, list], overwrite: bool = False,
                 option: str = "--out"):
        self.path, self.fingerprint, self.coords = Path(path), fingerprint, coords
        self.shape = tuple(len(coords[d]) for d in RUN_DIMS)
        self.laid_out = False
        self.done = np.zeros(self.shape, bool)
        self._arrays: dict[str, zarr.Array] = {}  # the store's arrays, opened once (a write is then one chunk)
        if self.path.exists():
            self._reopen(overwrite, option)

    def _reopen(self, overwrite: bool, option: str) -> None:
        try:
            ds = xr.open_zarr(self.path, zarr_format=ZARR_FORMAT)
            same = ds.attrs.get("fingerprint") == self.fingerprint
        except Exception:  # noqa: BLE001 - anything unreadable is not this experiment's store
            ds, same = None, False
        if not same:
            if not overwrite:
                raise ScenarioError(f"{option} {self.path}: holds results of a different experiment (or different "
                                    f"input files); use --overwrite to replace them, or another folder")
            shutil.rmtree(self.path)
            return
        self.done = ds["done"].values.astype(bool)
        self.laid_out = True
        self._open_arrays()

    def todo(self, index: tuple[int, int, int]) -> bool:
        return not self.done[index]

    def layout(self, example: xr.Dataset, extra: xr.Dataset) -> None:
        """Lay the whole store out from one run's result (all chunks missing: read as NaN)."""
        data = {}
        for name, var in example.data_vars.items():
            shape = self.shape + var.shape
            chunks = (1, 1, 1) + var.shape
            data[name] = (RUN_DIMS + var.dims, da.full(shape, np.nan, chunks=chunks, dtype=np.float64), var.attrs)
        template = xr.Dataset(data, coords={**{d: self.coords[d] for d in RUN_DIMS},
                                            **{k: v for k, v in example.coords.items()}})
        template["done"] = (RUN_DIMS, np.zeros(self.shape, bool))
        template = template.merge(extra)
        template = with_units(template, context=example.attrs, partial=True).assign_attrs(fingerprint=self.fingerprint)
        encoding = {name: {"chunks": (1, 1, 1) + example[name].shape} for name in example.data_vars}
        encoding["done"] = {"chunks": self.shape}
        template.to_zarr(self.path, mode="w", compute=False, encoding=encoding, consolidated=True, zarr_format=ZARR_FORMAT)
        template[["done"]].to_zarr(self.path, mode="r+", consolidated=True, zarr_format=ZARR_FORMAT)  # written now: all false
        self.laid_out = True
        self._open_arrays()

    def _open_arrays(self) -> None:
        group = zarr.open_consolidated(self.path, mode="r+", zarr_format=ZARR_FORMAT)
        self._arrays = {name: array for name, array in group.arrays()}

    def write(self, index: tuple[int, int, int], result: xr.Dataset) -> None:
        """One run's result into its own chunk, then its done flag. The store's arrays are written
        directly (their layout and metadata are fixed at layout), in the dimension order laid out."""
        for name, var in result.data_vars.items():
            if name not in self._arrays or name == "done":
                raise ScenarioError(f"{self.path}: a run's result has {name!r}, which the store was not laid out "
                                    f"for (its first run did not have it)")
            array = self._arrays[name]
            dims = tuple(array.attrs["_ARRAY_DIMENSIONS"])[len(RUN_DIMS):]
            array[index] = var.transpose(*dims).values.astype(np.float64)
        self.done[index] = True
        self._arrays["done"][index] = True

    def open(self) -> xr.Dataset:
        return xr.open_zarr(self.path, zarr_format=ZARR_FORMAT)
