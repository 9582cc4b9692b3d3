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
def uniform_into(ids, offset, shift, unit, out):
    """``out`` (float64 or float32, one per id) filled with U[0,1): each id's (uint64) bits at the stream's
    offset, shifted down to the mantissa's width and scaled by ``unit``. For float32 the float64 product is
    exact (fewer than 2**24 steps of 2**-24), so storing it loses nothing."""
    for i in range(ids.shape[0]):
        out[i] = np.float64(_mixed(ids[i] * GOLDEN + offset) >> shift) * unit
    return out
