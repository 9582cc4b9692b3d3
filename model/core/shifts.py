"""Probabilities moved on the log-odds scale: how a record, an order or an offence type makes an
outcome likelier or less likely than its share at the reference."""
from __future__ import annotations

import numpy as np
from scipy.special import expit, logit

from jrsim.core.constants import SHARE_EPSILON


def shifted(share, log_odds) -> np.ndarray:
    """A probability moved by a log-odds shift."""
    return expit(logit(np.clip(share, SHARE_EPSILON, 1 - SHARE_EPSILON)) + log_odds)


def ordinal_shifted(shares, log_odds: np.ndarray) -> np.ndarray:
    """Shares of ordered categories (shortest first) moved towards the later ones by a log-odds shift
    of every cumulative split (a proportional-odds model): one row of shares per shift."""
    cum = np.cumsum(np.asarray(shares, float))[:-1]
    moved = shifted(cum[None, :], -np.asarray(log_odds, float)[:, None])
    edges = np.concatenate([np.zeros((len(moved), 1)), moved, np.ones((len(moved), 1))], axis=1)
    return np.diff(edges, axis=1)
