"""CSV made a column at a time in Arrow, byte for byte what pandas' ``to_csv`` writes for the same frame.

A national ``ties.csv`` is millions of rows and gigabytes of text: pandas
writes it a row at a time through Python's :mod:`csv` module. Here each column
is turned into its cells at once (numbers formatted by numpy as pandas does,
text quoted where Python's :mod:`csv` would quote it, in Arrow's C++), the
cells are joined into lines, and the lines are written straight from Arrow's
buffer, a block of rows at a time.

The cells are pandas' (``index=False``, ``lineterminator="\\n"``, quoting as
:data:`csv.QUOTE_MINIMAL`): a missing value is empty; whole numbers as they are;
floats as numpy prints them (``2.0``, ``1e-05``; cast in Arrow where its text is the same); a cell holding a comma, a
double quote or a newline is quoted, its quotes doubled. A frame with a column
of another kind (lists, dates) is written by pandas itself.

Examples
--------
>>> import io
>>> frame = pd.DataFrame({"a": ["x", 'say "hi", then', None], "n": [1.0, 2.5, float("nan")]})
>>> out = io.BytesIO(); write_frame(frame, out); out.getvalue().decode()
'a,n\\nx,1.0\\n"say ""hi"", then",2.5\\n,\\n'
"""

from __future__ import annotations

import io
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

TEXT = pa.large_string()
#: Rows made into text at a time (bounds the memory the lines take): a national ties.csv's blocks of 100,000,
#: three at once, took 633 MiB above what the analysis holds, blocks of 50,000 took 372 MiB. One run each took
#: the same time, but the bench, in turns, found writing tables 39.2 s against 34.0: likely the smaller blocks.
BLOCK = 50_000
#: Blocks made ahead of the one being written, each in a thread of its own.
AHEAD = 2


def _quoted(cells: pa.Array) -> pa.Array:
    """Cells quoted as Python's csv module quotes them (QUOTE_MINIMAL, lineterminator ``\\n``): those holding
    ``,``, ``"`` or a newline, their quotes doubled."""
    needs = pc.match_substring_regex(cells, r'[,"\n]')
    if not pc.any(needs).as_py():
        return cells
    doubled = pc.replace_substring(cells, '"', '""')
    quoted = pc.binary_join_element_wise(pa.scalar('"', TEXT), doubled, pa.scalar('"', TEXT), pa.scalar("", TEXT))
    return pc.if_else(needs, quoted, cells)


def _numbers(values: np.ndarray, missing: np.ndarray | None) -> pa.Array:
    """Numbers as pandas writes them (numpy's ``str`` of each), missing ones empty.

    Whole numbers and booleans are cast in Arrow. Floats too where Arrow's shortest text is numpy's
    (both write the shortest digits that read back the same; they differ only in when they switch to an
    exponent, and in ``2`` for ``2.0``): a float numpy writes with an exponent (below 1e-4, from 1e16),
    one Arrow writes with one, and NaN and infinity are given numpy's own text.
    """
    if values.dtype == bool:
        text = pc.if_else(pa.array(values), pa.scalar("True", TEXT), pa.scalar("False", TEXT))
    elif values.dtype.kind in "iu":
        text = pa.array(values).cast(TEXT)
    else:
        values = values.astype(np.float64, copy=False)
        text = pa.array(values).cast(TEXT)
        size = np.abs(values)
        with np.errstate(invalid="ignore"):
            exponent = ((size < 1e-4) & (values != 0)) | (size >= 1e16) | ~np.isfinite(values)
        exponent |= pc.match_substring_regex(text, "[en]").to_numpy(zero_copy_only=False)
        whole = pc.invert(pc.match_substring(text, "."))  # "2" -> "2.0", as numpy writes it
        text = pc.if_else(whole, pc.binary_join_element_wise(text, pa.scalar(".0", TEXT), pa.scalar("", TEXT)), text)
        if exponent.any():
            text = pc.replace_with_mask(text, pa.array(exponent), pa.array(values[exponent].astype(str), TEXT))
    if missing is not None and missing.any():
        text = pc.if_else(pa.array(missing), pa.scalar("", TEXT), text)
    return text


def column_cells(column: pd.Series) -> pa.Array | None:
    """A column's cells as text, quoted where needed; ``None`` when pandas must write it (a kind not handled)."""
    dtype = column.dtype
    if isinstance(dtype, pd.StringDtype) or (
        pd.api.types.is_object_dtype(dtype) and pd.api.types.infer_dtype(column) in ("string", "empty")
    ):
        text = pa.array(column.array, TEXT, from_pandas=True)
        if isinstance(text, pa.ChunkedArray):
            text = text.combine_chunks()
        return _quoted(text.fill_null(""))
    if pd.api.types.is_object_dtype(dtype):
        return None
    if pd.api.types.is_bool_dtype(dtype) and not isinstance(dtype, pd.api.extensions.ExtensionDtype):
        return _numbers(column.to_numpy(), None)
    if isinstance(dtype, pd.api.extensions.ExtensionDtype):
        if not (pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_float_dtype(dtype)):
            return None
        missing = column.isna().to_numpy(dtype=bool)
        if pd.api.types.is_integer_dtype(dtype):
            values = column.to_numpy(dtype=np.int64, na_value=0)
        else:  # pandas writes str() of each Python float: the same text as numpy's
            values = column.to_numpy(dtype=np.float64, na_value=np.nan)
        return _numbers(values, missing)
    if pd.api.types.is_integer_dtype(dtype):
        return _numbers(column.to_numpy(), None)
    if pd.api.types.is_float_dtype(dtype):
        values = column.to_numpy()
        return _numbers(values, np.isnan(values))
    return None


def _handled(column: pd.Series) -> bool:
    """Whether :func:`column_cells` writes this column as pandas would (text, numbers, booleans)."""
    dtype = column.dtype
    if pd.api.types.is_object_dtype(dtype):
        return pd.api.types.infer_dtype(column) in ("string", "empty")
    return column_cells(column.iloc[:0]) is not None


def _header(columns) -> bytes:
    return (",".join(_quoted(pa.array([str(c) for c in columns], TEXT)).to_pylist()) + "\n").encode()


@dataclass(frozen=True)
class Blocks:
    """A table whose rows are made as they are written, a block at a time: its ``columns``, its number of rows
    and ``rows(start, stop)`` giving those rows as a frame (a national ``ties.csv``'s rows are never all made
    at once). :func:`write_frame` and the writers of :mod:`exports.manifest` take one where they take a frame.

    >>> def rows(start, stop):
    ...     return pd.DataFrame({"n": range(start, stop), "square": [i * i for i in range(start, stop)]})
    >>> table = Blocks(["n", "square"], 3, rows)
    >>> out = io.BytesIO(); write_frame(table, out); out.getvalue().decode()
    'n,square\\n0,0\\n1,1\\n2,4\\n'
    """

    columns: list
    length: int
    rows: Callable[[int, int], pd.DataFrame]
    #: blocks made ahead of the one being written (default :data:`AHEAD`), or a function saying how many now
    #: (asked before each block): 1 leaves a core to other work
    ahead: int | Callable[[], int] | None = None

    def __len__(self) -> int:
        return self.length

    @classmethod
    def of(cls, frame: pd.DataFrame) -> "Blocks":
        """A frame's rows, a block at a time."""
        return cls(list(frame.columns), len(frame), lambda start, stop: frame.iloc[start:stop])


def _prepared_blocks(table: Blocks, prepare) -> Iterator[pd.DataFrame]:
    """Each block of ``table`` as ``prepare`` makes it, in order; the next :data:`AHEAD` (or ``table.ahead``) are
    made in threads of their own while the caller writes this one (NumPy and Arrow let go of the interpreter:
    on a national ``ties.csv`` the words of two blocks are made while the cells of the one before are, and
    making the words is the longer part)."""
    starts = list(range(0, len(table), BLOCK))

    def make(start: int) -> pd.DataFrame:
        return prepare(table.rows(start, min(len(table), start + BLOCK)))

    def ahead() -> int:
        wanted = table.ahead() if callable(table.ahead) else table.ahead
        return max(1, min(AHEAD, AHEAD if wanted is None else wanted))  # at least one, at most AHEAD

    with ThreadPoolExecutor(AHEAD, thread_name_prefix="next CSV block") as pool:
        pending, asked = deque(), 0

        def top_up() -> None:
            nonlocal asked
            while len(pending) < ahead() and asked < len(starts):
                pending.append(pool.submit(make, starts[asked]))
                asked += 1

        top_up()
        for _ in range(len(starts)):
            block = pending.popleft().result()
            top_up()
            yield block
            del block


def write_frame(frame: pd.DataFrame | Blocks, handle, prepare=None) -> None:
    """Write ``frame`` as CSV into the binary file ``handle``, as ``frame.to_csv(index=False, lineterminator="\\n")``.

    ``prepare``, when given, turns each block of rows into the rows written (what
    ``prepare(frame)`` would give, a block at a time): a column's whole new text
    is never held at once.

    Notes
    -----
    O(n) in cells, a block of :data:`BLOCK` rows at a time (and :data:`AHEAD` more being made); pandas itself for
    a frame of one column (it quotes a lone empty cell), and for a block with
    a column of another kind.
    """
    prepare = prepare or (lambda rows: rows)
    if len(frame.columns) < 2:
        text = io.TextIOWrapper(handle, encoding="utf-8", newline="", write_through=True)
        whole = frame.rows(0, len(frame)) if isinstance(frame, Blocks) else frame
        prepare(whole).to_csv(text, index=False, lineterminator="\n")
        text.detach()
        return
    table = frame if isinstance(frame, Blocks) else Blocks.of(frame)
    handle.write(_header(table.columns))
    comma, newline = pa.scalar(",", TEXT), pa.scalar("\n", TEXT)
    for block in _prepared_blocks(table, prepare):
        if not all(_handled(block[c]) for c in block.columns):
            text = io.TextIOWrapper(handle, encoding="utf-8", newline="", write_through=True)
            block.to_csv(text, index=False, header=False, lineterminator="\n")
            text.detach()
            continue
        cells = [column_cells(block[c]) for c in block.columns]
        lines = pc.binary_join_element_wise(*cells, comma)
        lines = pc.binary_join_element_wise(lines, newline, pa.scalar("", TEXT))
        offsets = pa.array([0, len(lines)], pa.int64())
        handle.write(pc.binary_join(pa.LargeListArray.from_arrays(offsets, lines), pa.scalar("", TEXT))[0].as_buffer())
        del block, cells, lines
