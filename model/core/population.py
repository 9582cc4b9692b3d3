"""The offender population as columns of numpy arrays (one row a person).

Membership and status change in one place: ``move`` (status changes), ``add``
(entrants) and ``remove`` (exits). Each records its transitions so the loop can
check, every step, that stocks equal last stocks plus inflows minus outflows.
"""
from __future__ import annotations

import numpy as np

from jrsim.core.constants import MIN_CAPACITY, WEEKS_PER_YEAR
from jrsim.core.errors import BalanceError
from jrsim.core.vocabulary import EXITED, N_STATUS, OUTSIDE, Order, Status

NO_CASE = -1  # case_until of a person with no court case pending
GROWTH = 2  # full arrays double: amortised constant time per person added

# name -> (dtype, fill value for new rows). Modules may add their own columns with ``declare``.
CORE_COLUMNS: dict[str, tuple[type, object]] = {
    "id": (np.int64, 0),
    "birth_week": (np.int32, 0),  # step at which age was 0 (age = (t - birth_week) / 52)
    "male": (np.bool_, False),
    "area": (np.int16, 0),  # local area: an index into the run's AreaMap.local
    "previous_offences": (np.int16, 0),  # proven offences (cautioned or convicted) so far, as MoJ counts them
    "risk": (np.float32, 0.0),  # OGRS-like two-year probability of proven reoffending
    "propensity": (np.float32, 1.0),  # individual frailty: offending heterogeneity beyond risk
    "prolific": (np.bool_, False),
    "needs": (np.uint8, 0),  # bit k set = need on pathway k (PATHWAYS order)
    "status": (np.int8, Status.COMMUNITY),
    "status_until": (np.int32, -1),  # step the current custodial status ends (release, recall end)
    "order": (np.int8, Order.NONE),
    "order_until": (np.int32, -1),  # step the supervision order ends
    "sentence_weeks": (np.int32, 0),  # length of the current custodial sentence
    "last_offence": (np.int32, 0),  # step of the last offence (for the recency of offending)
    "case_until": (np.int32, NO_CASE),  # step the pending court case is disposed of
    "case_crown": (np.bool_, False),
    "case_type": (np.int8, 0),  # offence type (OFFENCE_TYPES) of the offence that opened the case
    "case_offence_week": (np.int32, 0),
    "case_offences": (np.int16, 0),
    "case_start": (np.int32, 0),
}


class Population:
    """Columns of arrays with a used length ``n``; rows beyond ``n`` are spare capacity."""

    def __init__(self, capacity: int = MIN_CAPACITY):
        self._cols: dict[str, np.ndarray] = {}
        self._fill: dict[str, object] = {}
        self.n = 0
        self.capacity = max(MIN_CAPACITY, int(capacity))
        self.next_id = 0
        self.row_of_id = np.full(self.capacity, -1, np.int64)  # id -> row (-1: gone), for services
        self.entered = 0  # people ever added
        self.exited = 0  # people ever removed
        self.transitions = np.zeros((N_STATUS + 1, N_STATUS + 1), dtype=np.int64)
        for name, (dtype, fill) in CORE_COLUMNS.items():
            self.declare(name, dtype, fill)

    # ---------------------------------------------------------------- columns
    def declare(self, name: str, dtype, fill=0) -> None:
        """Add a column (a module's own state); new rows get ``fill``."""
        if name in self._cols:
            raise ValueError(f"population column {name!r} declared twice")
        self._cols[name] = np.full(self.capacity, fill, dtype=dtype)
        self._fill[name] = fill

    def __getattr__(self, name: str) -> np.ndarray:
        cols = self.__dict__.get("_cols")
        if cols is not None and name in cols:
            return cols[name][: self.n]
        raise AttributeError(name)

    def column(self, name: str) -> np.ndarray:
        return self._cols[name][: self.n]

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(self._cols)

    # ---------------------------------------------------------------- membership
    def add(self, k: int, status: int = Status.COMMUNITY) -> np.ndarray:
        """Append k new people with fresh ids; returns their row indices. Counts as entries."""
        if self.n + k > self.capacity:
            self._grow(self.n + k)
        rows = np.arange(self.n, self.n + k)
        for name, col in self._cols.items():
            col[rows] = self._fill[name]
        self._cols["id"][rows] = np.arange(self.next_id, self.next_id + k)
        if self.next_id + k > len(self.row_of_id):
            grown = np.full(max(GROWTH * len(self.row_of_id), self.next_id + k), -1, np.int64)
            grown[: len(self.row_of_id)] = self.row_of_id
            self.row_of_id = grown
        self.row_of_id[self.next_id: self.next_id + k] = rows
        self._cols["status"][rows] = status
        self.next_id += k
        self.entered += k
        self.n += k
        self.transitions[OUTSIDE, status] += k
        return rows

    def remove(self, rows: np.ndarray) -> None:
        """Exits (desistance, death): the rows stay until ``compact`` but no longer count."""
        rows = rows[self.status[rows] != EXITED]
        self.transitions[:, OUTSIDE] += np.bincount(self.status[rows], minlength=N_STATUS + 1)
        self.status[rows] = EXITED
        self.case_until[rows] = NO_CASE
        self.exited += len(rows)

    def move(self, rows: np.ndarray, new_status) -> None:
        """Change status, recording each person's transition (new_status scalar or one per row)."""
        if len(rows) == 0:
            return
        old = self.status[rows]
        new = np.broadcast_to(np.asarray(new_status, dtype=np.int8), old.shape)
        flat = old.astype(np.int64) * (N_STATUS + 1) + new
        self.transitions += np.bincount(flat, minlength=(N_STATUS + 1) * (N_STATUS + 1)).reshape(N_STATUS + 1, N_STATUS + 1)
        self.status[rows] = new

    def _grow(self, need: int) -> None:
        cap = max(need, self.capacity * GROWTH)
        for name in self._cols:
            new = np.full(cap, self._fill[name], dtype=self._cols[name].dtype)
            new[: self.n] = self._cols[name][: self.n]
            self._cols[name] = new
        self.capacity = cap

    def compact(self) -> None:
        """Drop the rows of people who have left, keeping everyone else in order."""
        keep = self.status != EXITED
        m = int(keep.sum())
        if m == self.n:
            return
        self.row_of_id[self.id[~keep]] = -1
        for col in self._cols.values():
            col[:m] = col[: self.n][keep]
        self.n = m
        self.row_of_id[self.id] = np.arange(m)

    # ---------------------------------------------------------------- queries
    def rows_where(self, mask: np.ndarray) -> np.ndarray:
        """Row indices where mask (over the first n rows) holds. Exited rows have status EXITED,
        and no case or custody date, so a mask on status or dates already leaves them out."""
        return np.flatnonzero(mask)

    def rows_of(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Rows of people by id, and whether each is still in the population."""
        rows = self.row_of_id[ids]
        present = rows >= 0
        rows = np.where(present, rows, 0)
        present &= self._cols["status"][rows] != EXITED
        return rows, present

    def living(self) -> np.ndarray:
        return np.flatnonzero(self.status != EXITED)

    def stocks(self) -> np.ndarray:
        """Number of people in each status (the exited are not counted)."""
        return np.bincount(self.status, minlength=N_STATUS + 1)[:N_STATUS]

    def take_transitions(self) -> np.ndarray:
        """The transitions since the last call (from x to, OUTSIDE last), and reset."""
        out = self.transitions.copy()
        self.transitions[:] = 0
        return out

    def age(self, t: int, rows=slice(None)) -> np.ndarray:
        return (t - self.birth_week[rows]).astype(np.float32) / np.float32(WEEKS_PER_YEAR)

    @staticmethod
    def roll_forward(before: np.ndarray, transitions: np.ndarray) -> np.ndarray:
        """Stocks before plus inflows minus outflows, status by status."""
        inflow = transitions[:, :N_STATUS].sum(axis=0) - np.diag(transitions)[:N_STATUS]
        outflow = transitions[:N_STATUS, :].sum(axis=1) - np.diag(transitions)[:N_STATUS]
        return before + inflow - outflow

    def check_balance(self, expected: np.ndarray) -> None:
        """A head count must equal the stocks rolled forward by the recorded flows."""
        counted = self.stocks()
        if not np.array_equal(expected, counted):
            bad = [f"{Status(s).name}: flows say {expected[s]}, head count {counted[s]}"
                   for s in range(N_STATUS) if expected[s] != counted[s]]
            raise BalanceError("stock-flow balance broken (a person lost or counted twice): " + "; ".join(bad))
