"""The batch's results: one chunked Zarr store, laid out in full before the first write, then filled
region by region from one writer as runs finish.

Each run owns one chunk along (scenario, draw, replicate), so writes never share a chunk; a run's
``done`` flag is written after its data and its checksum (a digest of the run's arrays, in the order
of their names), so a batch killed at any point resumes with every finished run kept and no
half-written run counted. Stored work is verified, never trusted: when a store is reopened (to resume
it) and before its results are read for a summary, every done run's chunks are read back and their
digest compared with the checksum written with its flag; a chunk deleted, cut short or overwritten
makes its run not done, so it is computed again. The store records the experiment's fingerprint (the
file and its inputs, by content): a store from another experiment is never mixed or replaced unasked.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

import dask.array as da
import numpy as np
import xarray as xr
import zarr

from jrsim.core.errors import ScenarioError
from jrsim.core.paths import remove_entry
from jrsim.outputs.units import with_units

RUN_DIMS = ("scenario", "draw", "replicate")
SCENARIO, DRAW, REPLICATE = range(len(RUN_DIMS))  # the places in a run's index (scenario, draw, replicate)
ZARR_FORMAT = 2  # the format every Zarr reader knows (text coordinates have no stable v3 encoding yet)
FLAGS = ("done", "checksum")  # per run, one chunk for the whole store: written after a run's data
DIGEST_BYTES = 8  # a checksum is BLAKE2b cut to 8 bytes, one uint64 a run: it catches damage, not forgery
UNSET = 0  # the checksum array's fill value: a run never written (no digest takes it, see ``digest``)
VERIFY_BLOCK_BYTES = 64 << 20  # the store is read back this much at a time when verified
DAMAGE = "a chunk missing, cut short or changed since it was written"  # what a damaged run is, in messages


def digest(values: Iterable[np.ndarray]) -> int:
    """One run's checksum: its arrays' float64 bytes (little-endian, C order), in the store's order."""
    h = hashlib.blake2b(digest_size=DIGEST_BYTES)
    for v in values:
        h.update(np.ascontiguousarray(v, dtype="<f8").tobytes())
    return int.from_bytes(h.digest(), "little") or UNSET + 1  # never UNSET: a written run is never 'unset'


def run_arrays(arrays: dict[str, zarr.Array]) -> list[tuple[str, zarr.Array]]:
    """A run's arrays (one chunk each per run), by name: the order its checksum is taken in."""
    return sorted((name, a) for name, a in arrays.items()
                  if tuple(a.attrs["_ARRAY_DIMENSIONS"][:len(RUN_DIMS)]) == RUN_DIMS and name not in FLAGS)


def _read_runs(array: zarr.Array, runs: list[tuple[int, int, int]], s: int, lo: int,
               hi: int) -> dict[tuple[int, int, int], np.ndarray | None]:
    """The runs' values in one block (scenario ``s``, draws ``lo`` to ``hi``); a run whose chunk cannot
    be read (cut short, or not what the codec wrote) reads as None, and only that run is damaged."""
    try:
        block = array[s, lo:hi]
        return {run: block[run[DRAW] - lo, run[REPLICATE]] for run in runs}
    except Exception:  # noqa: BLE001 - which chunk failed is found run by run below
        pass
    out: dict[tuple[int, int, int], np.ndarray | None] = {}
    for run in runs:
        try:
            out[run] = array[run]
        except Exception:  # noqa: BLE001 - whatever the codec or the file system says, the chunk is damaged
            out[run] = None
    return out


def damaged_runs(arrays: dict[str, zarr.Array], done: np.ndarray, checksum: np.ndarray) -> np.ndarray:
    """Which done runs' chunks no longer give the checksum written with their flag (a mask)."""
    bad = np.zeros(done.shape, bool)
    named = run_arrays(arrays)
    run_bytes = sum(int(np.prod(a.shape[len(RUN_DIMS):])) * a.dtype.itemsize for _, a in named) or 1
    step = max(1, VERIFY_BLOCK_BYTES // (run_bytes * done.shape[REPLICATE]))  # draws read at a time
    for s in range(done.shape[0]):
        for lo in range(0, done.shape[1], step):
            hi = min(done.shape[1], lo + step)
            runs = [(s, lo + int(d), int(r)) for d, r in np.argwhere(done[s, lo:hi])]
            if not runs:
                continue
            reads = [_read_runs(a, runs, s, lo, hi) for _, a in named]
            for run in runs:
                values = [read[run] for read in reads]
                bad[run] = any(v is None for v in values) or digest(values) != int(checksum[run])
    return bad


def read_flags(arrays: dict[str, zarr.Array], shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The done flags, the checksums and which done runs are damaged. Flags that cannot be read make
    every run damaged (none can be trusted)."""
    try:
        done = np.asarray(arrays["done"][...], bool).reshape(shape)
        checksum = np.asarray(arrays["checksum"][...], np.uint64).reshape(shape)
    except Exception:  # noqa: BLE001 - a flag chunk cut short or garbled: nothing in the store is vouched for
        return np.zeros(shape, bool), np.zeros(shape, np.uint64), np.ones(shape, bool)
    return done, checksum, damaged_runs(arrays, done, checksum)


def damage_note(path: Path, damaged: int, total: int, then: str) -> str:
    return f"{path}: {damaged} of {total} run(s) damaged ({DAMAGE}); {then}"


class Store:
    def __init__(self, path: Path, fingerprint: str, coords: dict[str, list], overwrite: bool = False,
                 option: str = "--out"):
        self.path, self.fingerprint, self.coords = Path(path), fingerprint, coords
        self.shape = tuple(len(coords[d]) for d in RUN_DIMS)
        self.laid_out = False
        self.done = np.zeros(self.shape, bool)
        self.damaged = 0  # done runs found damaged on reopening (now not done: computed again)
        self._arrays: dict[str, zarr.Array] = {}  # the store's arrays, opened once (a write is then one chunk)
        if self.path.exists() or self.path.is_symlink():  # a dangling link too: never written through
            self._reopen(overwrite, option)

    def _reopen(self, overwrite: bool, option: str) -> None:
        try:
            group = zarr.open_consolidated(self.path, mode="r+", zarr_format=ZARR_FORMAT)
            same = group.attrs.get("fingerprint") == self.fingerprint
            checked = all(name in group for name in FLAGS)
        except Exception:  # noqa: BLE001 - anything unreadable is not this experiment's store
            same = checked = False
        if not (same and checked):
            if not overwrite:
                what = ("was written without run checksums (by an earlier jrsim), so its runs cannot be verified"
                        if same else "holds results of a different experiment (or different input files)")
                raise ScenarioError(f"{option} {self.path}: {what}; use --overwrite to replace them, "
                                    f"or another folder")
            remove_entry(self.path)  # a link is removed as a link: what it points to is never deleted
            return
        self._arrays = {name: array for name, array in group.arrays()}
        done, checksum, bad = read_flags(self._arrays, self.shape)
        self.damaged = int(bad.sum())
        self.done = done & ~bad
        if self.damaged:  # on disk too, both flags whole (a flag chunk may be what was damaged)
            self._arrays["checksum"][...] = np.where(self.done, checksum, np.uint64(UNSET))
            self._arrays["done"][...] = self.done
        self.laid_out = True

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
        template["checksum"] = (RUN_DIMS, np.full(self.shape, UNSET, np.uint64),
                                {"meaning": f"BLAKE2b ({DIGEST_BYTES} bytes) of the run's arrays in name order, "
                                            f"written with its done flag; {UNSET}: never written"})
        template = template.merge(extra)
        template = with_units(template, context=example.attrs, partial=True).assign_attrs(fingerprint=self.fingerprint)
        encoding = {name: {"chunks": (1, 1, 1) + example[name].shape} for name in example.data_vars}
        encoding.update({name: {"chunks": self.shape} for name in FLAGS})
        template.to_zarr(self.path, mode="w", compute=False, encoding=encoding, consolidated=True, zarr_format=ZARR_FORMAT)
        template[list(FLAGS)].to_zarr(self.path, mode="r+", consolidated=True, zarr_format=ZARR_FORMAT)  # now: unset
        self.laid_out = True
        group = zarr.open_consolidated(self.path, mode="r+", zarr_format=ZARR_FORMAT)
        self._arrays = {name: array for name, array in group.arrays()}

    def write(self, index: tuple[int, int, int], result: xr.Dataset) -> None:
        """One run's result into its own chunk, then its checksum and done flag. The store's arrays are
        written directly (their layout and metadata are fixed at layout), in the dimension order laid out;
        an array the result lacks keeps its fill (NaN), and the checksum covers it as such."""
        for name in result.data_vars:
            if name not in self._arrays or name in FLAGS:
                raise ScenarioError(f"{self.path}: a run's result has {name!r}, which the store was not laid out "
                                    f"for (its first run did not have it)")
        values = []
        for name, array in run_arrays(self._arrays):
            if name in result.data_vars:
                dims = tuple(array.attrs["_ARRAY_DIMENSIONS"])[len(RUN_DIMS):]
                value = result[name].transpose(*dims).values.astype(np.float64)
                array[index] = value
            else:
                value = np.full(array.shape[len(RUN_DIMS):], array.fill_value, np.float64)
            values.append(value)
        self._arrays["checksum"][index] = np.uint64(digest(values))
        self.done[index] = True
        self._arrays["done"][index] = True

    def open(self) -> xr.Dataset:
        return xr.open_zarr(self.path, zarr_format=ZARR_FORMAT)


def verified(path: Path) -> xr.Dataset:
    """A store's results, each done run's chunks checked against its checksum first: a damaged store
    is refused in one line (the same batch command recomputes the damaged runs), never summarised."""
    try:
        group = zarr.open_consolidated(path, mode="r", zarr_format=ZARR_FORMAT)
        arrays = {name: array for name, array in group.arrays()}
        shape = arrays["done"].shape
    except Exception:  # noqa: BLE001 - not a store this tool wrote, or its metadata is gone
        raise ScenarioError(f"{path}: not a readable batch store") from None
    if "checksum" not in arrays:
        raise ScenarioError(f"{path}: was written without run checksums (by an earlier jrsim), so its runs "
                            f"cannot be verified; run the batch again with --overwrite")
    done, _, bad = read_flags(arrays, shape)
    if bad.any():
        raise ScenarioError(damage_note(path, int(bad.sum()), bad.size, "run the same command to recompute "
                                                                        "them"))
    ds = xr.open_zarr(path, zarr_format=ZARR_FORMAT)
    ds.attrs["runs_verified"] = int(done.sum())
    return ds
