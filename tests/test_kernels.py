"""The compiled draws (jrsim.core.kernels) against their numpy reference (jrsim.core.streams.Stream.bits):
the same numbers, bit for bit, over random seeds, streams, steps, draw numbers and ids (issue 25: a kernel
and its reference give identical output)."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from jrsim.core.streams import Stream

IDS = st.lists(st.integers(0, 2**62), max_size=300)


@settings(max_examples=300, deadline=None)
@given(seed=st.integers(0, 2**63 - 1), name=st.text(min_size=1, max_size=12), step=st.integers(-10_000, 10_000),
       draw=st.integers(0, 255), ids=IDS)
def test_the_compiled_draws_equal_the_numpy_reference_bit_for_bit(seed, name, step, draw, ids):
    stream, people = Stream(seed, name), np.array(ids, np.int64)
    for compiled, reference in ((stream.uniform, stream.uniform_reference),
                                (stream.uniform32, stream.uniform32_reference)):
        got, want = compiled(step, people, draw), reference(step, people, draw)
        assert got.dtype == want.dtype and np.array_equal(got.view(np.uint8), want.view(np.uint8))


def test_ids_of_any_integer_type_and_any_layout_draw_alike():
    stream, people = Stream(7, "offend"), np.arange(0, 4_000, 3, dtype=np.int64)
    want = stream.uniform_reference(12, people)
    assert np.array_equal(stream.uniform(12, people.astype(np.int32)), want)
    assert np.array_equal(stream.uniform(12, np.repeat(people, 2)[::2]), want)  # a strided view
    assert stream.uniform(12, people[:0]).shape == (0,)
