"""Random numbers for common random numbers (CRN) between paired runs.

Every random decision (offend, detect, charge, remand, sentence...) has its own
named stream. A draw is a pure function of (run seed, stream, step, person id,
draw number): a counter-based generator (the splitmix64 finaliser applied to a
counter), so a person's draw for a decision does not depend on who else is drawn,
in what order, or on how many people a scenario sends through that decision.
Switching a service on therefore changes only the draws it truly changes, and a
scenario that changes nothing gives exactly the same run.
"""
from __future__ import annotations

import zlib

import numpy as np
from scipy import special

from jrsim.core import kernels
from jrsim.core.constants import POISSON_MAX, PROB_EPSILON
from jrsim.core.errors import UndeclaredError

_MASK = (1 << 64) - 1
_SEED_SALT = 0x632BE59BD9B4E019  # keeps seed 0 away from the finaliser's fixed point at 0
_DRAW_BITS = 8  # draw numbers (several draws per person, step and stream) take the low 8 bits


def _mix_scalar(x: int) -> int:
    s1, s2, s3 = int(kernels.S1), int(kernels.S2), int(kernels.S3)
    x &= _MASK
    x ^= x >> s1
    x = (x * int(kernels.M1)) & _MASK
    x ^= x >> s2
    x = (x * int(kernels.M2)) & _MASK
    return x ^ (x >> s3)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser, in place on a uint64 array (wrapping arithmetic): the reference."""
    x ^= x >> kernels.S1
    x *= kernels.M1
    x ^= x >> kernels.S2
    x *= kernels.M2
    x ^= x >> kernels.S3
    return x


def _unsigned(ids) -> np.ndarray:
    """Person ids as the hash reads them (uint64, the same bits)."""
    ids = np.asarray(ids)
    return ids.view(np.uint64) if ids.dtype == np.int64 else ids.astype(np.uint64)


class Stream:
    """One named source of randomness for one decision."""

    def __init__(self, seed: int, name: str):
        self.name = name
        # The key mixes the run's seed with a stable hash of the name (not Python's salted hash()).
        self._key = _mix_scalar(_mix_scalar(int(seed) + _SEED_SALT) ^ zlib.crc32(name.encode()))

    def _offset(self, step: int, draw: int) -> np.uint64:
        """What the step and draw number add to each id's counter."""
        return np.uint64(_mix_scalar(self._key ^ _mix_scalar((int(step) << _DRAW_BITS) + int(draw) + 1)))

    def bits(self, step: int, ids: np.ndarray, draw: int = 0) -> np.ndarray:
        """64 random bits per id: a hash of (stream key, step, draw, id); in numpy, the reference the compiled
        draws (``jrsim.core.kernels``) are held to."""
        x = _unsigned(ids) * kernels.GOLDEN
        x += self._offset(step, draw)
        return _mix(x)

    def uniform_reference(self, step: int, ids: np.ndarray, draw: int = 0) -> np.ndarray:
        """``uniform`` in numpy, from ``bits``."""
        return (self.bits(step, ids, draw) >> kernels.SHIFT64).astype(np.float64) * kernels.TO_UNIT

    def uniform32_reference(self, step: int, ids: np.ndarray, draw: int = 0) -> np.ndarray:
        """``uniform32`` in numpy, from ``bits``."""
        return (self.bits(step, ids, draw) >> kernels.SHIFT32).astype(np.float32) * kernels.TO_UNIT32

    def uniform(self, step: int, ids: np.ndarray, draw: int = 0) -> np.ndarray:
        """One U[0,1) number per id for this step (and draw number), as float64 (53 random bits)."""
        return self._compiled(step, ids, draw, kernels.SHIFT64, kernels.TO_UNIT, np.float64)

    def uniform32(self, step: int, ids: np.ndarray, draw: int = 0) -> np.ndarray:
        """As ``uniform`` but float32 (24 random bits): for the hot per-person-week draws."""
        return self._compiled(step, ids, draw, kernels.SHIFT32, float(kernels.TO_UNIT32), np.float32)

    def _compiled(self, step: int, ids, draw: int, shift, unit: float, dtype) -> np.ndarray:
        ids = _unsigned(ids)
        return kernels.uniform_into(ids, self._offset(step, draw), shift, unit, np.empty(ids.shape[0], dtype))

    def exponential_weeks(self, step: int, ids: np.ndarray, mean_weeks, draw: int = 0) -> np.ndarray:
        """Whole weeks >= 1 from an exponential duration with the given mean (geometric)."""
        u = self.uniform(step, ids, draw)
        return np.maximum(1, np.rint(-np.log1p(-u) * mean_weeks)).astype(np.int32)

    def lognormal_between(self, step, ids, median, sigma, low, high, draw: int = 0) -> np.ndarray:
        """Lognormal(median, sigma) truncated to [low, high] by inverse transform (no rejection)."""
        u = self.uniform(step, ids, draw)
        lo = special.ndtr((np.log(low) - np.log(median)) / sigma)
        hi = special.ndtr((np.log(high) - np.log(median)) / sigma)
        z = special.ndtri(np.clip(lo + u * (hi - lo), PROB_EPSILON, 1 - PROB_EPSILON))
        return np.clip(np.exp(np.log(median) + sigma * z), low, high)

    def poisson(self, step: int, ids: np.ndarray, lam, draw: int = 0) -> np.ndarray:
        """Poisson counts by inverse CDF (lam a scalar or one per id)."""
        u = self.uniform(step, ids, draw)
        return _poisson_inv(u, lam)

    def categorical(self, step: int, ids: np.ndarray, shares, draw: int = 0) -> np.ndarray:
        """Index of a category for each id, with the given shares (summing to 1): one set of shares for
        all, or one row of shares per id."""
        shares = np.asarray(shares)
        cum = np.cumsum(shares, axis=-1)
        cum[..., -1] = 1.0 + PROB_EPSILON  # rounding in the cumulative sum must not leave a gap below 1
        u = self.uniform(step, ids, draw)
        if cum.ndim > 1:  # one row of shares per id
            return (u[:, None] >= cum).sum(axis=1).astype(np.int8)
        return np.searchsorted(cum, u, side="right").astype(np.int8)


def _poisson_inv(u: np.ndarray, lam) -> np.ndarray:
    """Smallest k with P(X <= k) > u, for small means (k up to POISSON_MAX)."""
    lam = np.broadcast_to(np.asarray(lam, dtype=np.float64), u.shape)
    k = np.zeros(u.shape, dtype=np.int32)
    term = np.exp(-lam)
    cdf = term.copy()
    todo = u >= cdf
    for n in range(1, POISSON_MAX + 1):
        if not todo.any():
            break
        term = term * lam / n
        cdf = cdf + term
        k += todo
        todo &= u >= cdf
    return k


class Streams:
    """All streams of one run. A module draws only from the streams it declares (``STREAMS``), each
    declared by one module: a misspelt name is an error, never a new stream."""

    def __init__(self, seed: int):
        self.seed = int(seed)
        self._streams: dict[str, Stream] = {}
        self._owner: dict[str, str] = {}

    def __getitem__(self, name: str) -> Stream:
        stream = self._streams.get(name)
        if stream is None:
            stream = self._streams[name] = Stream(self.seed, name)
        return stream

    def view(self, names: tuple[str, ...], owner: str) -> "StreamView":
        """A module's streams; two modules declaring one stream would share draws, so that is refused."""
        for name in names:
            other = self._owner.setdefault(name, owner)
            if other != owner:
                raise UndeclaredError(f"random stream {name!r} is declared by both {other!r} and {owner!r}: "
                                      f"each decision needs its own stream")
        return StreamView(self, frozenset(names), owner)


class StreamView:
    def __init__(self, streams: Streams, names: frozenset[str], owner: str):
        self._streams, self._names, self._owner = streams, names, owner

    def __getitem__(self, name: str) -> Stream:
        if name not in self._names:
            raise UndeclaredError(f"module {self._owner!r} draws from random stream {name!r} without declaring "
                                  f"it in STREAMS")
        return self._streams[name]
