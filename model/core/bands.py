"""A person's risk band as providers and contracts see it (``PROVIDER_BANDS``, cut by ``reoffending.band_cuts``)."""
from __future__ import annotations

import numpy as np

from jrsim.core.vocabulary import PROVIDER_BANDS


def band_of(risk: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    """Each risk score's band: 0 below the first cut, then one band up at each cut reached."""
    return np.searchsorted(cuts, risk, side="right").astype(np.int8)


def band_cuts(params) -> np.ndarray:
    """The cuts between the bands, in order, from the parameter ``reoffending.band_cuts``."""
    cuts = params["reoffending.band_cuts"]
    return np.array([cuts[b] for b in PROVIDER_BANDS[1:]], np.float32)
