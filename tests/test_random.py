"""Random streams: uniform, independent by name, and a person's draw does not depend on who else is drawn."""
from __future__ import annotations

import numpy as np
from scipy import stats

from jrsim.core.streams import Streams


def test_draws_are_uniform_and_uncorrelated():
    u = Streams(7)["offend"].uniform(3, np.arange(200_000))
    assert stats.kstest(u, "uniform").pvalue > 0.001
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 0.01
    u32 = Streams(7)["offend"].uniform32(3, np.arange(200_000))
    assert u32.dtype == np.float32 and stats.kstest(u32, "uniform").pvalue > 0.001


def test_a_persons_draw_does_not_depend_on_who_else_is_drawn():
    s = Streams(11)["detect"]
    everyone = s.uniform(5, np.arange(1000))
    some = np.array([3, 500, 999, 17])
    assert np.array_equal(s.uniform(5, some), everyone[some])
    assert np.array_equal(s.uniform(5, some[::-1]), everyone[some[::-1]])


def test_streams_steps_seeds_and_draw_numbers_differ():
    ids = np.arange(10_000)
    a = Streams(1)["offend"].uniform(0, ids)
    for other in (Streams(1)["detect"].uniform(0, ids), Streams(1)["offend"].uniform(1, ids),
                  Streams(2)["offend"].uniform(0, ids), Streams(1)["offend"].uniform(0, ids, draw=1)):
        assert abs(np.corrcoef(a, other)[0, 1]) < 0.05
        assert not np.array_equal(a, other)
    assert np.array_equal(a, Streams(1)["offend"].uniform(0, ids))  # and the same call repeats exactly


def test_derived_distributions_have_their_means():
    ids = np.arange(100_000)
    st = Streams(3)
    assert abs(st["p"].poisson(0, ids, 0.6).mean() - 0.6) < 0.01
    assert abs(st["e"].exponential_weeks(0, ids, 20.0).mean() - 20.0) < 0.5
    cats = st["c"].categorical(0, ids, (0.2, 0.5, 0.3))
    assert np.allclose(np.bincount(cats, minlength=3) / len(ids), (0.2, 0.5, 0.3), atol=0.01)
    x = st["l"].lognormal_between(0, ids, 12.0, 0.6, 1.0, 51.0)
    assert x.min() >= 1.0 and x.max() <= 51.0 and abs(np.median(x) - 12.0) < 0.5
