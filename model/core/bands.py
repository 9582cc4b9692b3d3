"""The risk bands providers and contracts see (``PROVIDER_BANDS``): a person's band from their OGRS-like
two-year score and the bands' cuts (the parameter ``reoffending.band_cuts``: the lowest score in each
band above the first)."""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from jrsim.core.vocabulary import PROVIDER_BAND as PROVIDER_BAND  # re-exported: the bands' dimension
from jrsim.core.vocabulary import PROVIDER_BANDS

CUT_LABELS = PROVIDER_BANDS[1:]  # the first band starts at 0: each other band has a cut


def band_of(risk: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    """Each person's band (an index into PROVIDER_BANDS): a score at or above a band's cut is in it."""
    return np.searchsorted(cuts, risk, side="right").astype(np.int8)


def cuts_of(band_cuts: Mapping[str, float]) -> np.ndarray:
    """The cuts as ``band_of`` takes them (float32, the dtype of the risk score), from the parameter's value."""
    return np.array([band_cuts[label] for label in CUT_LABELS], np.float32)
