"""Evidence rows: one row per piece of evidence, with the same columns whatever its kind.

Every kind of evidence (:mod:`.kinds`) makes rows of :data:`EVIDENCE_COLUMNS`,
each column of one type, so the kinds go into one table that the network, the
sentences and the files read alike. A row says which two people it joins
(``a``, ``b``), how much it weighs and whether it is risk, safety or context
(``tie_type``), and which records it rests on (``record_a``, ``record_b``: a
row of the period's episodes or of its links).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from peermap.graph_models.arrow_text import arrow_text, one_chunk, text_series
from peermap.mapping.periods import LONDON

#: Tie types: risk ties carry weight; safety (protective people) and context (family, professionals) do not.
RISK, SAFETY, CONTEXT = "risk", "safety", "context"

#: The columns of every evidence row.
EVIDENCE_COLUMNS = (
    "kind",
    "a",
    "b",
    "weight",
    "tie_type",
    "unverified",
    "first_seen",
    "last_seen",
    "occasions",
    "episode_a",
    "episode_b",
    "place",
    "distance_km",
    "shared_share",
    "occasion_start",
    "occasion_end",
    "minutes_apart",
    "via",
    "via_key",
    "via_children",
    "link_ids",
    "grading",
    "handling",
    "with_during",
    "record_a",
    "record_b",
    "record_a_type",
    "record_b_type",
    "place_a",
    "place_b",
    "more_a",
    "more_b",
)

#: What ``record_a`` / ``record_b`` point at: nothing, a row of the period's episodes, a row of its links.
NO_RECORD, EPISODE_RECORD, LINK_RECORD = 0, 1, 2
#: Which place of an episode ``place_a`` / ``place_b`` name: where it started, where it ended.
MISSING_FROM, FOUND_AT = 0, 1
_RECORD_COLUMNS = {
    "record_a": -1,
    "record_b": -1,
    "record_a_type": NO_RECORD,
    "record_b_type": NO_RECORD,
    "place_a": -1,
    "place_b": -1,
    "more_a": 0,
    "more_b": 0,
}

#: Text columns of few values (a kind's name, risk/safety/context, gradings, handling codes), held as codes
#: of a few categories: a national year's 6 million rows would otherwise hold each word again.
CODED = ("kind", "tie_type", "grading", "handling")
_FLOATS = ("weight", "distance_km", "shared_share", "minutes_apart")
_TIMES = ("first_seen", "last_seen", "occasion_start", "occasion_end")
_FLAGS = ("unverified", "with_during")


def typed_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Evidence rows with every column of :data:`EVIDENCE_COLUMNS`, each of its one type.

    A column already of its type is kept as it is, and a column a kind does not
    have is filled with its "unknown" in one array operation: a meeting-sized
    kind of evidence costs a millisecond here, not a conversion per column.
    """
    n = len(frame)
    data = {}
    for column in EVIDENCE_COLUMNS:
        if column in frame:
            data[column] = _typed_column(frame[column], column)
        else:
            data[column] = _unknown_column(column, n)
    return _coded(pd.DataFrame(data, index=pd.RangeIndex(n) if n != len(frame.index) else frame.index))


def _coded(rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` with the :data:`CODED` columns as categories (read as text by ``eq``, ``isin`` and Arrow)."""
    for column in CODED:
        rows[column] = rows[column].astype("category")
    return rows


#: Rows of a kind up to which :func:`concat_rows` takes its columns out at once: ``DataFrame.pop`` costs half
#: a millisecond a column (a meeting pack joins the kinds 25 times). A larger kind's columns are popped one at
#: a time as they are joined, which lets go of each as it goes: taken at once, the columns of one type share
#: one block, held until the last of them is joined (470 MB more at the peak of a national year's evidence).
TAKEN_AT_ONCE_UP_TO = 100_000


def concat_rows(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """The kinds' rows in one table of :data:`EVIDENCE_COLUMNS`, each of its type: what
    ``typed_rows(pd.concat(parts, ignore_index=True))`` gives, made a column at a time, each column let go
    of as it is joined (the list ``parts`` is emptied; a larger kind's frame loses its evidence columns), so
    the rows are never held twice (gigabytes on a national year). A part of up to :data:`TAKEN_AT_ONCE_UP_TO`
    rows has its columns taken out of it at once; above that many rows in all, the columns go into the frame
    one by one (:func:`_frame_of`)."""
    kept = [(len(p), dict(p.items()) if len(p) <= TAKEN_AT_ONCE_UP_TO else p) for p in parts if len(p)]
    parts.clear()  # the kinds' frames go: their columns are let go of one by one as they are joined
    if not kept:
        return empty_rows()
    rows = sum(n for n, _ in kept)
    data = {}
    for column in EVIDENCE_COLUMNS:
        pieces = [pd.Series(_typed_column(c.pop(column), column)) if column in c else None for _, c in kept]
        known = next((piece.dtype for piece in pieces if piece is not None), None)
        for i, (n, _) in enumerate(kept):  # a kind without the column: its unknown, in the type the others gave it
            if pieces[i] is None:
                unknown = pd.Series(_unknown_column(column, n))
                pieces[i] = unknown if known is None or unknown.dtype == known else unknown.astype(known)
        data[column] = one_chunk(pd.concat(pieces, ignore_index=True))  # the words take rows from it by block
        del pieces
    del kept  # and what no evidence column takes
    return _coded(pd.DataFrame(data) if rows <= TAKEN_AT_ONCE_UP_TO else _frame_of(data))


def _frame_of(data: dict) -> pd.DataFrame:
    """The columns of ``data`` as a frame, each put in on its own and let go of from ``data`` as it goes.

    ``pd.DataFrame(data)`` stacks the columns of one type into one block, a copy of them all made while
    ``data`` still holds them: 350 MiB more at the peak of a national year's evidence (5,825 MiB against
    5,476, one run each), for the same frame, value for value and type for type.
    """
    n = len(next(iter(data.values())))
    frame = pd.DataFrame(index=pd.RangeIndex(n))
    for column in list(data):
        frame[column] = data.pop(column)
    return frame


def _unknown_column(column: str, n: int):
    if column in _FLOATS:
        return np.full(n, np.nan)
    if column in _FLAGS:
        return np.zeros(n, dtype=bool)
    if column == "occasions":
        return np.ones(n, dtype=np.int64)
    if column in _RECORD_COLUMNS:
        return np.full(n, _RECORD_COLUMNS[column], dtype=_record_dtype(column))
    if column == "via_children":
        return pd.arrays.IntegerArray(np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool))
    if column in _TIMES:
        return (
            pd.Series(np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]"))
            .dt.tz_localize("UTC")
            .dt.tz_convert(LONDON)
            .array
        )
    return pd.Series(pa.nulls(n, pa.large_string()).to_pandas(types_mapper=pd.ArrowDtype)).astype("string").array


def _record_dtype(column: str):
    return np.int64 if column in ("record_a", "record_b") else np.int32


def _typed_column(values: pd.Series, column: str):
    if column in _FLOATS:
        return (
            values.to_numpy(dtype=float)
            if values.dtype == float
            else pd.to_numeric(values, errors="coerce").astype(float).to_numpy()
        )
    if column in _FLAGS:
        return (
            values.astype("boolean").fillna(False).to_numpy(dtype=bool) if values.dtype != bool else values.to_numpy()
        )
    if column == "via_children":
        return pd.to_numeric(values, errors="coerce").astype("Int64").array
    if column == "occasions":
        return pd.to_numeric(values, errors="coerce").fillna(1).to_numpy(dtype=np.int64)
    if column in _RECORD_COLUMNS:
        dtype = _record_dtype(column)
        if values.dtype == dtype:
            return values.to_numpy()
        return pd.to_numeric(values, errors="coerce").fillna(_RECORD_COLUMNS[column]).to_numpy(dtype=dtype)
    if column in _TIMES:
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            return values.dt.tz_convert(LONDON).array if str(values.dtype.tz) != LONDON else values.array
        return pd.to_datetime(values, utc=True).dt.tz_convert(LONDON).array
    if values.dtype == _STRING:
        return values.array
    if isinstance(values.dtype, pd.CategoricalDtype) and values.cat.categories.inferred_type in ("string", "empty"):
        return text_series(arrow_text(values)).array  # a kind's CODED columns, already categories
    return values.astype(_STRING).array


_STRING = pd.Series([], dtype="string").dtype


def empty_rows() -> pd.DataFrame:
    """No evidence: the columns and their types, no row."""
    return typed_rows(pd.DataFrame())


def ordered_pairs(a: pd.Series, b: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Child pairs as (smaller ref, larger ref)."""
    a, b = a.astype("string").reset_index(drop=True), b.astype("string").reset_index(drop=True)
    swap = (a > b).fillna(False).to_numpy(dtype=bool)
    return a.where(~swap, b), b.where(~swap, a)
