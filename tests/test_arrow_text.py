"""Text lookups hashed in Arrow answer exactly as pandas' own ``isin`` and ``get_indexer`` do."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from peermap.graph_models.arrow_text import arrow_text, isin, one_chunk, positions_in

REFS = ["C-0003", "A-0001", None, "C-0001", "C-0003", "A-0002"]
AMONG = ["C-0001", "C-0003", "A-0009", None]


@pytest.mark.parametrize("dtype", [object, "string", "str"])
def test_lookups_agree_with_pandas_whatever_the_text_dtype(dtype):
    values = pd.Series(REFS, dtype=dtype)
    among = pd.Series(AMONG, dtype=dtype)
    assert isin(values, among).tolist() == pd.Series(REFS, dtype=object).isin(AMONG).tolist()
    expected = pd.Index(pd.Series(AMONG, dtype=object).drop_duplicates()).get_indexer(pd.Series(REFS, dtype=object))
    assert positions_in(values, among).tolist() == expected.tolist()  # unknown finds unknown, as in pandas
    assert positions_in(values, among[:3]).tolist() == [1, -1, -1, 0, 1, -1]


def test_positions_are_first_occurrences_and_arrow_input_passes_through():
    among = pa.array(["x", "y", "x"], pa.string())
    assert positions_in(pa.array(["x", "z", "y"]), among).tolist() == [0, -1, 1]
    assert arrow_text(pd.Series(["a", None])).type == pa.large_string()
    assert arrow_text(pd.Series(["a", None])).null_count == 1
    assert positions_in(pd.Series([], dtype=object), among).dtype == np.int64
    assert isin([], ["x"]).tolist() == []


@pytest.mark.parametrize("dtype", ["string", "str", "int64[pyarrow]", "int64", "category"])
def test_one_chunk_keeps_the_values_and_their_type(dtype):
    """A column joined from pieces (several Arrow chunks) comes back in one chunk, equal to what it was:
    values, missing values, type, index and name."""
    values = [1, None, 3] if "int" in dtype else ["a", None, "c"]
    if dtype == "int64":
        values = [1, 2, 3]
    piece = pd.Series(values, dtype=dtype, name="place")
    joined = pd.concat([piece, piece.iloc[::-1]]).set_axis(list("uvwxyz"))
    whole = one_chunk(joined)
    pd.testing.assert_series_equal(whole, joined)
    chunks = getattr(whole.array, "_pa_array", None)
    assert chunks is None or chunks.num_chunks == 1
    assert one_chunk(joined.iloc[:0]).empty
