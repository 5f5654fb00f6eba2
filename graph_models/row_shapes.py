"""Splitting a CSV file into rows of the header's shape, and rejecting the rows that are not.

SCHEMA.md, "Bad input": a row with more or fewer fields than the header is
rejected as a whole, with its original text; it never shifts other columns
and never becomes an index. A quote that is never closed rejects only the
line where it opens: the lines after it are read again and load or are
rejected on their own. A file is never silently shortened.

How, at national size (two million rows):

1. **Fast path.** Arrow's CSV reader splits the file into records, in
   threads (pandas' C reader when Arrow refuses it, as it does a line of
   spaces: one field where the header has more). numpy then
   counts each physical line's commas and quotes in the bytes, and the two are
   held against each other: every record must span the physical lines its line
   breaks say and have exactly the header's number of fields (the commas on its
   lines, less those inside its cells, plus one). A record that spans several
   lines is read again by Python's strict csv reader and checked as in 3.
2. **Careful path**, only when something in 1 is off: the file is read again
   record by record with Python's csv reader. A record of the wrong shape is
   rejected whole; a quote never closed rejects the line it opens on, and
   reading starts again on the next physical line.
3. **A quote taken as never closed.** A quoted cell may hold line breaks (a
   note over two lines), so a quote that runs on is only known to be wrong by
   what it does to its record. It is taken as never closed when it runs to the
   end of the file, when it closes badly (a quote followed by anything but a
   comma or the end of the line), when a line break lands in a column that is
   not free text (an ID, a date, a choice), or when a line inside the record
   would on its own be a whole row: the sign of a stray quote that has
   swallowed the rows after it. A record over several lines whose quotes look
   right but whose number of fields is wrong is rejected whole, like any
   other.

A line with nothing in it (or only commas and spaces) is not a row: it is
neither read nor rejected.

Examples
--------
>>> found = split_records(b'001,Amy\\n002,Ben,extra\\n003,"Cal\\n', "children.csv", 2, (False, True))
>>> found.frame.index.tolist(), [p.line for p in found.problems], found.read
([2], [3, 4], 3)
"""

from __future__ import annotations

import csv
import io
import warnings
from dataclasses import dataclass
from typing import Iterator, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from peermap.graph_models.rejects import REJECTED, DataFolderError, Problem

csv.field_size_limit(10_000_000)

#: Bytes of the file looked at in one numpy pass (bounds the memory of the line counts).
_BLOCK = 1 << 24
#: Bytes of the file Arrow's reader hands to one thread at a time.
_ARROW_BLOCK = 1 << 22

UNCLOSED_QUOTE = (
    "a quote opened on this line is never closed: this line is left out and the lines after it are read on their own"
)
BADLY_CLOSED_QUOTE = (
    "a quoted cell on this line is closed by a quote followed by something other than a comma: "
    "its cells cannot be told apart, so the whole row is left out"
)


@dataclass
class Records:
    """The rows of one file: text cells in columns ``0 .. width-1``, indexed by the line each starts on.

    ``problems`` are the rows rejected for their shape or their quotes; ``read``
    counts the rows read (those in ``frame`` and those rejected).
    """

    frame: pd.DataFrame
    problems: list[Problem]

    @property
    def read(self) -> int:
        return len(self.frame) + len(self.problems)


def header_fields(data: bytes, file: str) -> tuple[list[str], int]:
    """The header's names (line 1) and the byte offset where line 2 starts."""
    cut = len(data)
    for mark in (b"\n", b"\r"):
        at = data.find(mark)
        if at >= 0:
            cut = min(cut, at)
    end = cut + (2 if data[cut : cut + 2] == b"\r\n" else 1 if cut < len(data) else 0)
    line = data[:cut].decode("utf-8")
    if _open_quote_at_end(line):
        raise DataFolderError(f"{file}: line 1 (the header) has a quote that is never closed")
    return next(csv.reader([line]), []), end


def split_records(
    body: bytes, file: str, width: int, free_text: Sequence[bool], *, first_line: int = 2, careful: bool = False
) -> Records:
    """Split ``body`` (UTF-8 text after the header) into rows of ``width`` fields.

    Parameters
    ----------
    body : the file's bytes after its header line.
    file : the name reported in rejects.
    width : the header's number of fields.
    free_text : for each column, whether it is free text (may hold line breaks).
    first_line : the physical line ``body`` starts on.
    careful : skip the fast path (the tests compare both).
    """
    frame = None if careful else _fast(body, width, free_text, first_line)
    if frame is not None:
        return Records(frame, [])
    return _careful(body, file, width, free_text, first_line)


# -- the fast path ----------------------------------------------------------------------------


def _line_starts(buf: np.ndarray) -> np.ndarray:
    """Byte offset of each physical line (lines end at ``\\n``; a final line may lack one)."""
    ends = np.flatnonzero(buf == 10)
    starts = np.concatenate([[0], ends + 1])
    return starts[:-1] if starts[-1] == len(buf) else starts


def _per_line(buf: np.ndarray, starts: np.ndarray, byte: int) -> np.ndarray:
    """How many times ``byte`` occurs on each line, a block of lines at a time."""
    counts = np.zeros(len(starts), dtype=np.int64)
    cuts = np.unique(np.concatenate([np.searchsorted(starts, np.arange(0, len(buf), _BLOCK)), [len(starts)]]))
    for first, last in zip(cuts[:-1], cuts[1:]):
        low = starts[first]
        high = starts[last] if last < len(starts) else len(buf)
        hits = np.flatnonzero(buf[low:high] == byte)
        bounds = np.append(starts[first:last] - low, high - low)
        counts[first:last] = np.diff(np.searchsorted(hits, bounds))
    return counts


def _read_arrow(body: bytes, width: int) -> pd.DataFrame | None:
    """Arrow's CSV reader over the rows, every cell text; ``None`` when it refuses the file (a row with
    another number of fields, a line of spaces among them). Several times faster than pandas' C reader on a
    national file: it reads in threads and makes Arrow strings without a Python string per cell. It closes a
    quote left open at the end of the file, which :func:`_fast` checks for."""
    names = [str(c) for c in range(width)]
    try:
        table = pa_csv.read_csv(
            pa.py_buffer(body),
            read_options=pa_csv.ReadOptions(column_names=names, block_size=_ARROW_BLOCK),
            parse_options=pa_csv.ParseOptions(newlines_in_values=b'"' in body, ignore_empty_lines=False),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    text = pd.StringDtype("pyarrow")
    return pd.DataFrame({c: pd.Series(pd.array(table.column(c).combine_chunks(), dtype=text)) for c in range(width)})


def _read_c(body: bytes, width: int) -> pd.DataFrame | None:
    """pandas' C reader over the rows; ``None`` when it refuses the file (too many fields, a quote to the end)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)  # index_col=False cutting a long first row
            return pd.read_csv(
                io.BytesIO(body),
                header=None,
                names=range(width),
                index_col=False,
                dtype="string",
                keep_default_na=False,
                na_filter=False,
                skip_blank_lines=False,
                engine="c",
                encoding="utf-8",
            )
    except (pd.errors.ParserError, pd.errors.ParserWarning, pd.errors.EmptyDataError):
        return None


def _blank_rows(frame: pd.DataFrame) -> np.ndarray:
    """Rows whose every cell is empty or spaces; each column looked at only where the columns before it were
    blank (after the first, almost no rows)."""
    blank = np.ones(len(frame), dtype=bool)
    for column in frame.columns:
        rows = np.flatnonzero(blank)
        if not len(rows):
            break
        values = frame[column] if len(rows) == len(frame) else frame[column].iloc[rows]
        blank[rows] = (values.str.strip() == "").to_numpy(dtype=bool)
    return blank


def _fast(body: bytes, width: int, free_text: Sequence[bool], first_line: int) -> pd.DataFrame | None:
    """The fast readers' rows when they check out against the file's bytes; ``None`` sends the file the careful
    way."""
    if b"\r" in body and body.count(b"\r") != body.count(b"\r\n"):
        return None  # lines ending in a lone carriage return (old Mac): rare, read carefully
    if body.startswith(b"\xef\xbb\xbf"):
        return None  # a byte-order mark opening the rows: the fast readers drop it, the careful path keeps it
    buf = np.frombuffer(body, dtype=np.uint8)
    starts = _line_starts(buf)
    if len(starts) == 0:
        return _empty(width)
    frame = _read_arrow(body, width)
    if frame is None:
        frame = _read_c(body, width)
    if frame is None:
        return None
    quotes = _per_line(buf, starts, ord('"')) if b'"' in body else np.zeros(len(starts), dtype=np.int64)
    if quotes.any():
        spans = np.ones(len(frame), dtype=np.int64)
        for column in frame.columns:
            values = frame[column]
            if values.str.contains("\n", regex=False).any():
                spans += values.str.count("\n").to_numpy(dtype=np.int64)
    else:
        spans = np.ones(len(frame), dtype=np.int64)
    if int(spans.sum()) != len(starts):
        return None
    first = np.concatenate([[0], np.cumsum(spans)[:-1]])
    commas_before = np.concatenate([[0], np.cumsum(_per_line(buf, starts, ord(",")))])
    fields = commas_before[first + spans] - commas_before[first] + 1
    if quotes.any():
        quotes_before = np.concatenate([[0], np.cumsum(quotes)])
        quoted = np.flatnonzero(quotes_before[first + spans] - quotes_before[first] > 0)
        if len(quoted):
            inside = frame.iloc[quoted]
            fields[quoted] -= sum(inside[c].str.count(",").to_numpy(dtype=np.int64) for c in inside.columns)
    blank = _blank_rows(frame)
    if ((fields != width) & ~blank).any():
        return None
    if quotes.any() and _closed_badly(body, buf, starts):
        return None
    spanning = spans > 1  # blank ones too: a quote closed badly after a line break rejects the line it opens on
    if quotes.any():  # Arrow closes a quote left open at the end of the file: its record is read again strictly
        spanning[-1] = True
    for row in np.flatnonzero(spanning):
        low = starts[first[row]]
        end = first[row] + spans[row]
        high = starts[end] if end < len(starts) else len(buf)
        lines = list(io.StringIO(body[low:high].decode("utf-8"), newline=""))
        if _strict_record(lines) != frame.iloc[row].tolist() or not _spans_rightly(
            frame.iloc[row].tolist(), lines, width, free_text
        ):
            return None
    frame.index = pd.Index(first_line + first, name="line")
    return frame[~blank]


def _closed_badly(body: bytes, buf: np.ndarray, starts: np.ndarray) -> bool:
    """Whether a line holds a quoted cell closed badly (``"Smith" Jr``), which the fast readers read leniently.

    Only the lines with a quote that neither starts a cell nor is followed by a
    comma, a quote or the line's end can (a few, even in a file with every cell
    quoted); each of those is read by :func:`_quotes_of`.
    """
    at = np.flatnonzero(buf == ord('"'))
    before = np.where(at > 0, buf[np.maximum(at - 1, 0)], ord(","))
    after = np.where(at + 1 < len(buf), buf[np.minimum(at + 1, len(buf) - 1)], ord(","))
    line_of = np.searchsorted(starts, at, side="right") - 1
    # the second, fourth... quote of a line closes a cell (or doubles a quote): a comma before it is inside the
    # cell ("a," b), so it is looked at too
    _, first_of_line = np.unique(line_of, return_index=True)
    rank = np.arange(len(at)) - np.repeat(first_of_line, np.diff(np.append(first_of_line, len(at))))
    odd = (~np.isin(before, [ord(","), 10]) | (rank % 2 == 1)) & ~np.isin(after, [ord(","), ord('"'), 13, 10])
    # a quote inside a cell that is not quoted (5ft 10") puts the count out: its line is looked at too
    odd |= (rank % 2 == 0) & ~np.isin(before, [ord(","), 10, ord('"')])
    for line in np.unique(line_of[odd]):
        end = starts[line + 1] if line + 1 < len(starts) else len(buf)
        if _quotes_of(body[starts[line] : end].decode("utf-8")) == "bad":
            return True
    return False


def _empty(width: int) -> pd.DataFrame:
    return pd.DataFrame(
        {c: pd.Series([], dtype="string") for c in range(width)}, index=pd.Index([], dtype=np.int64, name="line")
    )


# -- the careful path -------------------------------------------------------------------------


def _strict_record(lines: list[str]) -> list[str] | None:
    """The one record ``lines`` hold, read strictly (RFC 4180 quotes); ``None`` if they are not exactly one."""
    reader = csv.reader(iter(lines), strict=True)
    try:
        record = next(reader)
    except (csv.Error, StopIteration):
        return None
    return record if reader.line_num == len(lines) else None


def _quotes_of(line: str) -> str:
    """How the quotes of ``line``, read alone, end: ``"open"`` (a quoted cell runs past the line's end),
    ``"bad"`` (a quoted cell closed by a quote followed by something other than a comma) or ``"ok"``."""
    text = line.rstrip("\r\n")
    quoted, at_start, i = False, True, 0
    while i < len(text):
        char = text[i]
        if quoted:
            if char == '"':
                if text[i + 1 : i + 2] == '"':
                    i += 1
                elif i + 1 < len(text) and text[i + 1] != ",":
                    return "bad"
                else:
                    quoted, at_start = False, False
        elif char == '"' and at_start:
            quoted = True
        else:
            at_start = char == ","
        i += 1
    return "open" if quoted else "ok"


def _open_quote_at_end(line: str) -> bool:
    """Whether ``line``, read alone, leaves a quoted cell open at its end."""
    return _quotes_of(line) == "open"


def _spans_rightly(record: list[str], lines: list[str], width: int, free_text: Sequence[bool]) -> bool:
    """Whether a record over several lines is what it looks like: a quoted cell holding line breaks.

    Its line breaks must be in free-text columns, and no line inside it may be
    a whole row on its own (the line that closes a cell of the first column
    starts with the end of that cell, so it is not taken for one). Its number
    of fields is checked apart: a record of the wrong shape whose quotes look
    right is rejected whole.
    """
    # a cell past the header's last column is not the contract's: the record is rejected whole for its shape
    fixed = [i < len(free_text) and not free_text[i] for i in range(len(record))]
    if any(("\n" in cell or "\r" in cell) and fixed[i] for i, cell in enumerate(record)):
        return False
    for line in lines[1:]:
        text = line.rstrip("\r\n")
        if '"' in text.split(",", 1)[0][1:]:
            continue  # the line that closes a cell of the first column: its start belongs to that cell
        if len(next(csv.reader([text]), [])) == width:
            return False  # a whole row inside a quoted cell: a stray quote swallowed it
    return True


def _wrong_shape(fields: int, width: int) -> str:
    return f"row has {fields} field{'s' if fields != 1 else ''}, the header has {width}: the whole row is left out"


def _line_text(line: str) -> str:
    return line.rstrip("\r\n")


def _lines_from(lines: list[str], start: int) -> Iterator[str]:
    for i in range(start, len(lines)):
        yield lines[i]


def _careful(body: bytes, file: str, width: int, free_text: Sequence[bool], first_line: int) -> Records:
    """Record by record: wrong shapes rejected whole; after a quote never closed, start again a line on."""
    lines = list(io.StringIO(body.decode("utf-8"), newline=""))
    rows: list[list[str]] = []
    starts: list[int] = []
    problems: list[Problem] = []

    def reject(at: int, text: str, reason: str) -> None:
        problems.append(Problem(file, first_line + at, "", REJECTED, reason, text))

    position = 0
    while position < len(lines):
        reader = csv.reader(_lines_from(lines, position), strict=True)
        used = 0  # lines taken by the records read so far in this pass
        restart = None
        try:
            for record in reader:
                at, span = position + used, reader.line_num - used
                used = reader.line_num
                if not any(cell.strip() for cell in record):
                    continue
                if span > 1 and not _spans_rightly(record, lines[at : at + span], width, free_text):
                    reject(at, _line_text(lines[at]), UNCLOSED_QUOTE)
                    restart = at + 1
                    break
                if len(record) != width:
                    reject(at, "".join(lines[at : at + span]).rstrip("\r\n"), _wrong_shape(len(record), width))
                    continue
                rows.append(record)
                starts.append(first_line + at)
        except csv.Error:
            at = position + used
            line = lines[at]
            if reader.line_num - used <= 1 and _quotes_of(line) == "bad":
                reject(at, _line_text(line), BADLY_CLOSED_QUOTE)  # within one line: its cells cannot be told apart
            else:
                reject(at, _line_text(line), UNCLOSED_QUOTE)
            restart = at + 1
        position = len(lines) if restart is None else restart
    if not rows:
        return Records(_empty(width), problems)
    columns = {c: pd.array(list(values), dtype="string") for c, values in enumerate(zip(*rows))}
    return Records(pd.DataFrame(columns, index=pd.Index(starts, dtype=np.int64, name="line")), problems)
