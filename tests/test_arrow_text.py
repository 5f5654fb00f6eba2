"""Text lookups hashed in Arrow answer exactly as pandas' own ``isin`` and ``get_indexer`` do."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from peermap.graph_models.arrow_text import arrow_text, isin, positions_in

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
