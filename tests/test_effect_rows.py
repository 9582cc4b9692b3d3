"""The effect rows' lookup by person: the same rows, in the same order, as searching every row,
however appends and compactions interleave; and the multipliers equal the plain product."""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from jrsim.core.constants import EFFECT_FLOOR
from jrsim.services.effect_rows import EffectRows

# each step: append a batch of rows for these people, then look some up, maybe compact
steps = st.lists(st.tuples(st.lists(st.integers(0, 30), max_size=12), st.lists(st.integers(0, 30), max_size=6),
                           st.booleans()), min_size=1, max_size=25)


def _plain_multipliers(e: EffectRows, t: int) -> dict[int, float]:
    out: dict[int, float] = {}
    for row in range(len(e)):
        faded = e.faded(t, np.array([row]))[0]
        if faded >= EFFECT_FLOOR:
            out[int(e["ids"][row])] = out.get(int(e["ids"][row]), 1.0) * (1.0 - float(faded))
    return out


@settings(max_examples=60, deadline=None)
@given(steps)
def test_rows_of_finds_exactly_the_rows_a_full_search_finds(plan):
    e = EffectRows()
    rng = np.random.default_rng(0)
    for t, (added, asked, compact) in enumerate(plan):
        ids = np.array(added, np.int64)
        e.append(ids=ids, size=rng.uniform(0, 0.5, len(ids)).astype(np.float32), start=t, half=2.0,
                 service=0, open=rng.random(len(ids)) < 0.3, held=False)
        asked = np.array(asked, np.int64)
        assert np.array_equal(e.rows_of(asked), np.flatnonzero(np.isin(e["ids"], asked)))
        if compact:
            _, people, _, log_mult, _ = e.log_multipliers(t)
            assert np.array_equal(people, np.unique(e["ids"]))
            plain = _plain_multipliers(e, t)
            for person, lm in zip(people, log_mult):
                assert abs(np.exp(lm) - plain.get(int(person), 1.0)) < 1e-9
            keep = rng.random(len(e)) < 0.6
            kept = e["ids"][keep].copy(), e["size"][keep].copy()
            e.keep_only(keep)
            assert np.array_equal(e["ids"], kept[0]) and np.array_equal(e["size"], kept[1])
            assert np.array_equal(e.rows_of(asked), np.flatnonzero(np.isin(e["ids"], asked)))


def test_appends_grow_in_place_past_the_first_capacity():
    e = EffectRows()
    for week in range(5):
        e.append(ids=np.arange(700, dtype=np.int64), size=np.float32(0.1), start=week, half=1.0, service=1,
                 open=False, held=False)
    assert len(e) == 3500 and np.array_equal(e["start"][::700], np.arange(5))
    assert len(e.rows_of(np.array([3]))) == 5
