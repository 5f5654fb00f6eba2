"""The distinct whole numbers the hot spots, the evidence and the measures count: exactly ``np.unique``'s."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from peermap.graph_models.distinct_numbers import distinct_numbers

WHOLE = st.sampled_from([np.int64, np.int32, np.uint16, np.int8, np.bool_])


@settings(max_examples=300, deadline=None)
@given(hnp.arrays(WHOLE, hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=60)))
def test_the_same_numbers_as_numpy_unique(values):
    """Any whole numbers, repeated or not, negative, none, one alone, in a matrix: the same values, order and type."""
    ours, numpy_s = distinct_numbers(values), np.unique(values)
    assert ours.dtype == numpy_s.dtype
    assert ours.tolist() == numpy_s.tolist()


def test_other_values_are_left_to_numpy():
    """Floats keep np.unique's one NaN; text its order."""
    assert np.isnan(distinct_numbers(np.array([np.nan, 1.0, np.nan]))).sum() == 1
    assert distinct_numbers(np.array(["b", "a", "b"])).tolist() == ["a", "b"]


def test_a_county_of_pairs_counts_each_distinct_pair_once():
    """Mostly distinct pairs as the hot spots make them (label × width + code): each counted once per label."""
    rng = np.random.default_rng(4)
    labels, codes = rng.integers(0, 300, 50_000), rng.integers(0, 20_000, 50_000)
    pairs = distinct_numbers(labels * 20_000 + codes)
    expected = [len(set(codes[labels == label].tolist())) for label in range(300)]
    assert np.bincount(pairs // 20_000, minlength=300).tolist() == expected
