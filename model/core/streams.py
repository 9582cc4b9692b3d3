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

from jrsim.core.constants import POISSON_MAX, PROB_EPSILON
from jrsim.core.errors import UndeclaredError

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_MASK = (1 << 64) - 1
_SHIFTS = (30, 27, 31)  # splitmix64's xor-shifts (Steele, Lea and Flood 2014)
_SEED_SALT = 0x632BE59BD9B4E019  # keeps seed 0 away from the finaliser's fixed point at 0
_DRAW_BITS = 8  # draw numbers (several draws per person, step and stream) take the low 8 bits
_FLOAT64_BITS, _FLOAT32_BITS, _WORD_BITS = 53, 24, 64  # mantissa bits filled with random bits
_TO_UNIT = 2.0**-_FLOAT64_BITS
_TO_UNIT32 = np.float32(2.0**-_FLOAT32_BITS)


def _mix_scalar(x: int) -> int:
    s1, s2, s3 = _SHIFTS
    x &= _MASK
    x ^= x >> s1
    x = (x * int(_M1)) & _MASK
    x ^= x >> s2
    x = (x * int(_M2)) & _MASK
    return x ^ (x >> s3)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser, in place on a uint64 array (wrapping arithmetic)."""
    s1, s2, s3 = (np.uint64(s) for s in _SHIFTS)
    x ^= x >> s1
    x *= _M1
    x ^= x >> s2
    x *= _M2
    x ^= x >> s3
    return x


class Stream:
    """One named source of randomness for one decision."""

    def __init__(self, seed: int, name: str):
        self.name = name
        # The key mixes the run's seed with a stable hash of the name (not Python's salted hash()).
        self._key = _mix_scalar(_mix_scalar(int(seed) + _SEED_SALT) ^ zlib.crc32(name.encode()))

    def _bits(self, step: int, ids: np.ndarray, draw: int) -> np.ndarray:
        """64 random bits per id: a hash of (stream key, step, draw, id)."""
        offset = np.uint64(_mix_scalar(self._key ^ _mix_scalar((int(step) << _DRAW_BITS) + int(draw) + 1)))
        ids = np.asarray(ids)
        x = (ids.view(np.uint64) if ids.dtype == np.int64 else ids.astype(np.uint64)) * _GOLDEN
        x += offset
        return _mix(x)

    def uniform(self, step: int, ids: np.ndarray, draw: int = 0) -> np.ndarray:
        """One U[0,1) number per id for this step (and draw number), as float64."""
        return (self._bits(step, ids, draw) >> np.uint64(_WORD_BITS - _FLOAT64_BITS)).astype(np.float64) * _TO_UNIT

    def uniform32(self, step: int, ids: np.ndarray, draw: int = 0) -> np.ndarray:
        """As ``uniform`` but float32 (24 random bits): for the hot per-person-week draws."""
        return (self._bits(step, ids, draw) >> np.uint64(_WORD_BITS - _FLOAT32_BITS)).astype(np.float32) * _TO_UNIT32

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
