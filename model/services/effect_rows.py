"""The services' effects on people: one row per person and service start, and how each fades.

A row holds the effect's size, the week its fading starts, its half-life, the service that gave
it, whether the person is still in the service (``open``: held whole) and whether a service done
in custody is waiting for the release to start fading (``held``). A person's hazard multiplier is
the product of (1 - faded size) over their rows.

National runs hold about a million rows and every week each service's leavers must find theirs,
so the rows are kept for lookup by person rather than searched: the columns grow in place
(appending costs the rows added, not a copy of all of them), and an index of the rows in order
of person is rebuilt only when the rows are compacted. Rows added since then (a few weeks of
starts) are searched directly. Every query returns rows in row order, so a person's multiplier
is summed in the same order however it is found.
"""
from __future__ import annotations

import numpy as np

from jrsim.core.constants import EFFECT_FLOOR

COLUMNS = {"ids": np.int64, "size": np.float32, "start": np.int32, "half": np.float32,
           "service": np.int8, "open": bool, "held": bool}
FIRST_CAPACITY = 1024  # rows allocated at first
GROWTH = 2  # capacity multiplies by this when full, so appends cost the rows added on average


class EffectRows:
    def __init__(self) -> None:
        self.n = 0
        self._cols = {name: np.empty(FIRST_CAPACITY, dtype) for name, dtype in COLUMNS.items()}
        self._order = np.empty(0, np.int64)  # rows [0, indexed), sorted by person (by row within one)
        self._order_ids = np.empty(0, np.int64)  # their ids, in that order
        self._indexed = 0

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, name: str) -> np.ndarray:
        """One column, as a view of the rows held (writable)."""
        return self._cols[name][: self.n]

    def append(self, **values) -> None:
        """Add rows: ``ids`` an array, the other columns arrays of the same length or single values."""
        added = len(values["ids"])
        need = self.n + added
        if need > len(self._cols["ids"]):
            capacity = max(need, GROWTH * len(self._cols["ids"]))
            for name, col in self._cols.items():
                grown = np.empty(capacity, col.dtype)
                grown[: self.n] = col[: self.n]
                self._cols[name] = grown
        for name, value in values.items():
            self._cols[name][self.n : need] = value
        self.n = need

    def rows_of(self, ids: np.ndarray) -> np.ndarray:
        """Every row of these people, in row order."""
        ids = np.unique(ids)
        if len(ids) == 0 or self.n == 0:
            return np.empty(0, np.int64)
        lo = np.searchsorted(self._order_ids, ids, side="left")
        counts = np.searchsorted(self._order_ids, ids, side="right") - lo
        total = int(counts.sum())
        first = np.repeat(lo - (np.cumsum(counts) - counts), counts)  # each range's start, less its offset
        indexed = self._order[first + np.arange(total)]
        recent = self._indexed + np.flatnonzero(np.isin(self._cols["ids"][self._indexed : self.n], ids))
        return np.sort(np.concatenate([indexed, recent]))

    def _reindex(self) -> None:
        """Bring the rows added since the last index into it (a merge: the index is already sorted)."""
        if self._indexed == self.n:
            return
        new_rows = self._indexed + np.argsort(self._cols["ids"][self._indexed : self.n], kind="stable")
        new_ids = self._cols["ids"][new_rows]
        at = np.searchsorted(self._order_ids, new_ids, side="right")  # after a person's older rows
        self._order, self._order_ids = np.insert(self._order, at, new_rows), np.insert(self._order_ids, at, new_ids)
        self._indexed = self.n

    def faded(self, t: int, rows: np.ndarray) -> np.ndarray:
        """Each row's effect at week t: whole while open or held, halving with its half-life after."""
        size, start, half = self["size"][rows], self["start"][rows], self["half"][rows]
        whole = self["open"][rows] | self["held"][rows]
        return np.where(whole, size, size * np.exp2(-(t - start) / half))

    def log_multipliers(self, t: int, rows: np.ndarray | None = None):
        """The log of each person's multiplier at week t, from ``rows`` (all of each one's rows, in row
        order) or, with None, from every row, found through the index rather than a sort of them all.
        Returns (rows used, people, each row's person as an index into people, log multipliers, which
        rows have faded away). The sums run in row order within a person, however the rows were found."""
        if rows is None:
            self._reindex()
            rows, ids = self._order, self._order_ids
            new_person = np.ones(len(ids), bool)
            np.not_equal(ids[1:], ids[:-1], out=new_person[1:])
            people, inv = ids[new_person], np.cumsum(new_person) - 1
        else:
            people, inv = np.unique(self["ids"][rows], return_inverse=True)
        faded = self.faded(t, rows)
        gone = faded < EFFECT_FLOOR
        log_mult = np.bincount(inv, weights=np.where(gone, 0.0, np.log1p(-faded)), minlength=len(people))
        return rows, people, inv, log_mult, gone

    def keep_only(self, keep: np.ndarray) -> None:
        """Drop the rows where ``keep`` (one flag per row, in row order) is false, and keep the index
        in step without sorting again."""
        self._reindex()
        if keep.all():
            return
        new_row = np.cumsum(keep) - 1
        kept_in_order = keep[self._order]
        self._order, self._order_ids = new_row[self._order[kept_in_order]], self._order_ids[kept_in_order]
        for col in self._cols.values():
            kept = col[: self.n][keep]
            col[: len(kept)] = kept
        self.n = self._indexed = len(self._order)
