"""The counter-based draws' hot loop, compiled (numba, its compiled code cached on disk beside this file):
one pass over the people drawn, hashing each id with the stream's offset (splitmix64's finaliser) and
turning the bits into a uniform number, with no full-length temporaries. ``jrsim.core.streams`` keeps the
plain-numpy reference (``Stream.bits``) that the tests hold these to, bit for bit."""
from __future__ import annotations

import numba
import numpy as np

GOLDEN = np.uint64(0x9E3779B97F4A7C15)  # the counter's step (the golden ratio in 64 bits)
M1 = np.uint64(0xBF58476D1CE4E5B9)
M2 = np.uint64(0x94D049BB133111EB)
S1, S2, S3 = np.uint64(30), np.uint64(27), np.uint64(31)  # splitmix64's xor-shifts (Steele, Lea and Flood 2014)
WORD_BITS, FLOAT64_BITS, FLOAT32_BITS = 64, 53, 24  # mantissa bits filled with random bits
TO_UNIT = 2.0**-FLOAT64_BITS
TO_UNIT32 = np.float32(2.0**-FLOAT32_BITS)
SHIFT64, SHIFT32 = np.uint64(WORD_BITS - FLOAT64_BITS), np.uint64(WORD_BITS - FLOAT32_BITS)


@numba.njit(cache=True, inline="always")
def _mixed(x):
    """splitmix64's finaliser of one uint64 (wrapping arithmetic)."""
    x ^= x >> S1
    x *= M1
    x ^= x >> S2
    x *= M2
    return x ^ (x >> S3)


@numba.njit(cache=True)
def uniform64(ids, offset):
    """U[0,1) as float64 (53 random bits) for each id (uint64) at the stream's offset."""
    out = np.empty(ids.shape[0], np.float64)
    for i in range(ids.shape[0]):
        out[i] = np.float64(_mixed(ids[i] * GOLDEN + offset) >> SHIFT64) * TO_UNIT
    return out


@numba.njit(cache=True)
def uniform32(ids, offset):
    """U[0,1) as float32 (24 random bits) for each id (uint64) at the stream's offset."""
    out = np.empty(ids.shape[0], np.float32)
    for i in range(ids.shape[0]):
        out[i] = np.float32(_mixed(ids[i] * GOLDEN + offset) >> SHIFT32) * TO_UNIT32
    return out
