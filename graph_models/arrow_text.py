"""Text columns as Arrow arrays, and lookups of text in text hashed in Arrow's C++.

pandas hashes text through Python objects: ``isin`` or ``get_indexer`` on a
million references makes a Python string of each, which alone takes seconds.
These helpers hand the text to Arrow once (without a copy when the column is
Arrow-backed already) and hash it there. The evidence, the network and the
measures all use them.

Examples
--------
>>> positions_in(pd.Series(["C-2", "C-9", None]), pd.Series(["C-1", "C-2"])).tolist()
[1, -1, -1]
>>> isin(pd.Series(["C-2", "C-9"]), ["C-1", "C-2"]).tolist()
[True, False]
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def arrow_text(values) -> pa.Array:
    """Text (a Series, Index or array; Arrow-backed or not) as one Arrow large_string array, nulls for unknown."""
    if isinstance(values, (pd.Series, pd.Index)):
        values = values.array
        if isinstance(values, pd.Categorical) and values.categories.inferred_type in ("string", "empty"):
            # each row taken from its category (few-valued texts held as categories: kinds, gradings)
            categories = arrow_text(values.categories.astype("string"))
            codes = values.codes
            out = categories.take(pa.array(codes, mask=codes < 0))
        elif isinstance(values, pd.arrays.ArrowStringArray) or hasattr(values, "__arrow_array__"):
            out = pa.array(values)
        else:
            out = pa.array(np.asarray(values, dtype=object), from_pandas=True)
    elif isinstance(values, (pa.Array, pa.ChunkedArray)):
        out = values
    else:
        out = pa.array(np.asarray(values, dtype=object), from_pandas=True)
    if isinstance(out, pa.ChunkedArray):
        out = out.combine_chunks()
    if out.type != pa.large_string():
        out = out.cast(pa.large_string())
    return out


def isin(values, among) -> np.ndarray:
    """``values.isin(among)`` for text, hashed in Arrow: a bool array (unknown matches unknown, as in pandas).

    pandas' ``isin`` on Arrow strings makes a Python object of every value of
    ``among``: at a million values that alone takes seconds.
    """
    left = arrow_text(values)
    right = pc.unique(arrow_text(among))
    if len(left) == 0:
        return np.zeros(0, dtype=bool)
    found = pc.is_in(left, value_set=right, skip_nulls=False)
    return found.fill_null(False).to_numpy(zero_copy_only=False).astype(bool, copy=False)


def positions_in(values, among) -> np.ndarray:
    """Where each of ``values`` is in ``among`` (text, its first occurrence), -1 where it is not: hashed in Arrow."""
    left = arrow_text(values)
    if len(left) == 0:
        return np.zeros(0, dtype=np.int64)
    found = pc.index_in(left, value_set=arrow_text(among))
    return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def one_chunk(values: pd.Series) -> pd.Series:
    """An Arrow-backed Series held in one chunk (others as they are), for a column that is taken from often.

    Arrow's ``take`` on a column of several chunks (what ``pd.concat`` of Arrow
    columns gives) joins them first, every time: 14 ms a take on six million
    texts against half a millisecond in one chunk.
    """
    chunked = getattr(values.array, "_pa_array", None)
    if not isinstance(chunked, pa.ChunkedArray) or chunked.num_chunks <= 1:
        return values
    whole = pa.chunked_array([chunked.combine_chunks()], type=chunked.type)
    if isinstance(values.dtype, pd.StringDtype):
        array = type(values.array)(whole, dtype=values.dtype)
    else:
        array = type(values.array)(whole)
    return pd.Series(array, index=values.index, name=values.name)


def text_array(text: pd.Series) -> pa.Array:
    """A Series as text (pandas ``string`` first) in one Arrow large_string array; no copy when Arrow-backed."""
    values = pa.array(text.astype("string").array, type=pa.large_string())
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def text_series(values) -> pd.Series:
    """An Arrow text array (or chunked array) as a ``string[pyarrow]`` Series, no Python string per row."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([values.cast(pa.large_string())])))
