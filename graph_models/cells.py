"""Turning text cells into typed values, column at a time.

Each parser takes a pandas Series of text (empty string = unknown) and returns
the typed Series, with ``NA``/``NaT`` wherever a cell is empty or unreadable.
Callers tell the two apart with :func:`blank`: a cell that is not blank but
parsed to ``NA`` is unreadable. All of it is vectorised, so a national file of
a million rows parses in seconds.

Datetimes follow SCHEMA.md: ISO 8601; without an offset a datetime is local
time in Europe/London, so durations across the clocks changing are real
elapsed hours; a local time skipped in spring moves forward by an hour, and
one that happens twice in autumn is taken as the first (BST).

SCHEMA.md: a date outside 1900-2100 is not read (an optional one is blanked
with a warning, a required one rejects its row). Checking the year before
parsing also keeps every value inside what a nanosecond timestamp can hold
(1677-2262), so no cell can stop a run.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from peermap.graph_models.local_time import LOCAL_TIME_ZONE as LONDON
from peermap.graph_models.local_time import LOCAL_TIMES

_SPACES = r"[ \t\r\n\f\v]+"  # what \s means here, spelled so that Arrow's regex engine runs it
_TRUE = {"yes", "true", "y", "1"}
_FALSE = {"no", "false", "n", "0"}

#: Excel's day zero for date serials (1900 date system, with its leap-year bug).
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")

#: The years SCHEMA.md reads; a date outside them is unreadable.
FIRST_YEAR, LAST_YEAR = 1900, 2100
_FIRST_DAY, _DAY_AFTER = pd.Timestamp(f"{FIRST_YEAR}-01-01"), pd.Timestamp(f"{LAST_YEAR + 1}-01-01")

_OFFSET = r"(?:Z|[+-]\d{2}(?::?\d{2})?)$"
_ISO_DATETIME = r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?$"


def blank(values: pd.Series) -> pd.Series:
    """True where a cell is empty (or only spaces): the value is unknown."""
    return values.isna() | (values.astype("string").str.strip() == "")


def text(values: pd.Series) -> pd.Series:
    """Trimmed text, empty cells as ``NA``."""
    return blank_as_missing(values.astype("string").str.strip())


def blank_as_missing(values: pd.Series) -> pd.Series:
    """Text with its empty cells as ``NA`` (``values`` already trimmed, of the ``string`` type)."""
    return values.mask(values == "")


def localise(naive: pd.Series) -> pd.Series:
    """Naive local times → tz-aware Europe/London, by SCHEMA.md's clock rules."""
    naive = pd.to_datetime(naive).astype("datetime64[ns]")
    return naive.dt.tz_localize(
        LONDON,
        ambiguous=np.ones(len(naive), dtype=bool),  # True = the first (BST) of the two
        nonexistent=pd.Timedelta(hours=1),  # the skipped hour moves forward by an hour
    )


def _in_years(raw: pd.Series) -> pd.Series:
    """True where a text starting ``YYYY`` (four digits: the callers' patterns make sure) has a year
    SCHEMA.md reads (1900-2100). Compared as text: four digits sort as their numbers do, and text
    comparison runs in Arrow, five times faster than making numbers."""
    year = raw.str.slice(0, 4)
    return ((year >= str(FIRST_YEAR)) & (year <= str(LAST_YEAR))).fillna(False).astype(bool)


def excel_serial(values: pd.Series) -> pd.Series:
    """Excel date serials (days since 1899-12-30, fraction = time of day) → naive datetimes, 1900-2100 only."""
    days = pd.to_numeric(values, errors="coerce")
    first = (_FIRST_DAY - _EXCEL_EPOCH).days
    after = (_DAY_AFTER - _EXCEL_EPOCH).days
    days = days.where((days >= first) & (days < after))
    # Excel keeps times to the millisecond at best; to the nearest second is what a form holds
    return _EXCEL_EPOCH + pd.to_timedelta((days * 86400).round(), unit="s")


def datetimes(values: pd.Series, *, excel: bool = False) -> pd.Series:
    """ISO 8601 datetimes (or dates) → tz-aware Europe/London; unreadable → ``NaT``.

    With ``excel=True`` a bare number is read as an Excel date serial. Each distinct text is read once
    (a national year's links hold two million times, a fraction of them distinct).
    """
    return on_distinct(values.astype("string").str.strip(), lambda raw: _datetimes(raw, excel))


def on_distinct(values: pd.Series, fn) -> pd.Series:
    """``fn(values)`` worked out once per distinct value and spread back, in ``fn``'s type (missing stays
    missing): for a vectorised function over millions of cells that hold far fewer distinct values."""
    codes, distinct = pd.factorize(values)
    done = fn(pd.Series(distinct))
    return pd.Series(done.array.take(codes, allow_fill=True), index=values.index, dtype=done.dtype)


def _datetimes(raw: pd.Series, excel: bool) -> pd.Series:
    """:func:`datetimes` of trimmed texts."""
    out = pd.Series(pd.NaT, index=raw.index, dtype=LOCAL_TIMES)
    iso = raw.str.match(_ISO_DATETIME).fillna(False).astype(bool)
    outside = iso & ~_in_years(raw)
    iso &= ~outside
    has_offset = iso & raw.str.contains(_OFFSET, regex=True).fillna(False).astype(bool)
    # a bare date matches the offset pattern through its day ("-01"); it has none
    has_offset &= raw.str.len() > 10
    if has_offset.any():
        aware = pd.to_datetime(raw[has_offset], format="ISO8601", utc=True, errors="coerce")
        out[has_offset] = aware.dt.tz_convert(LONDON)
    local = iso & ~has_offset
    if local.any():
        naive = pd.to_datetime(raw[local].str.replace(" ", "T", n=1), format="ISO8601", errors="coerce")
        ok = naive.notna()
        out[local[local].index[ok.to_numpy()]] = localise(naive[ok])
    if excel:
        serial = ~iso & ~outside & raw.str.match(r"^\d+(?:\.\d+)?$").fillna(False).astype(bool)
        if serial.any():
            naive = excel_serial(raw[serial])
            ok = naive.notna()
            out[serial[serial].index[ok.to_numpy()]] = localise(naive[ok])
    return out


def dates(values: pd.Series, *, allow_month: bool = False, excel: bool = False) -> pd.Series:
    """``YYYY-MM-DD`` dates (``YYYY-MM`` too when ``allow_month``) → naive midnight datetimes.

    Impossible dates (30 February) and dates outside 1900 to today give ``NaT``.
    With ``excel=True`` a bare number is read as an Excel date serial.
    """
    raw = values.astype("string").str.strip()
    if allow_month:
        raw = raw.mask(raw.str.match(r"^\d{4}-\d{2}$").fillna(False).astype(bool), raw + "-01")
    full = raw.str.match(r"^\d{4}-\d{2}-\d{2}$").fillna(False).astype(bool) & _in_years(raw)
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    out[full] = pd.to_datetime(raw[full], format="%Y-%m-%d", errors="coerce")
    if excel:
        serial = raw.str.match(r"^\d+(?:\.\d+)?$").fillna(False).astype(bool) & ~full
        out[serial] = excel_serial(raw[serial]).dt.normalize()
    today = pd.Timestamp(dt.date.today())
    return out.where((out >= pd.Timestamp("1900-01-01")) & (out <= today))


def booleans(values: pd.Series) -> pd.Series:
    """``yes``/``no`` (also true/false, y/n, 1/0, any case) → nullable boolean."""
    low = values.astype("string").str.strip().str.lower()
    out = pd.Series(pd.NA, index=values.index, dtype="boolean")
    out[low.isin(_TRUE).fillna(False).astype(bool)] = True
    out[low.isin(_FALSE).fillna(False).astype(bool)] = False
    return out


def _arrow(values) -> pa.Array:
    """Text values as an Arrow string array (zero-copy for pandas' Arrow-backed strings)."""
    array = pa.array(pd.Series(values, dtype="string").array)
    return array.cast(pa.large_string())


def isin(values: pd.Series, known) -> pd.Series:
    """Vectorised membership of text ``values`` in ``known``, in Arrow's C++ (pandas' own isin is slow on text)."""
    found = pc.is_in(_arrow(values), value_set=_arrow(known))
    return pd.Series(found.to_numpy(zero_copy_only=False), index=values.index).fillna(False).astype(bool)


def lookup(values: pd.Series, keys, targets) -> pd.Series:
    """``values`` looked up in ``keys`` → the matching ``targets`` (``NA`` where absent), vectorised.

    A hash join in Arrow: much faster than ``Series.map(dict)`` on millions of text cells.
    """
    positions = pc.index_in(_arrow(values), value_set=_arrow(keys))
    found = pc.take(_arrow(targets), positions)
    return pd.Series(
        pd.array(found.to_pylist() if len(found) < 1000 else found, dtype="string"), index=values.index, dtype="string"
    )


def choices(values: pd.Series, allowed: tuple[str, ...]) -> pd.Series:
    """Case-insensitive match to one of ``allowed``, returned in its canonical spelling."""
    low = values.astype("string").str.strip().str.lower()
    return lookup(low, [a.lower() for a in allowed], allowed)


def integers(values: pd.Series, low: int, high: int) -> pd.Series:
    """Whole numbers within ``[low, high]`` → nullable Int64."""
    num = pd.to_numeric(values.astype("string").str.strip(), errors="coerce")
    ok = num.notna() & (num == num.round()) & (num >= low) & (num <= high)
    return num.where(ok).astype("Int64")


def id_list(values: pd.Series) -> pd.Series:
    """A ``;``-separated list cell → tuple of trimmed non-empty items."""
    cells = values.astype("string").fillna("").tolist()
    return pd.Series(
        [tuple(item.strip() for item in cell.split(";") if item.strip()) for cell in cells],
        index=values.index,
        dtype=object,
    )


def name_key(values: pd.Series) -> pd.Series:
    """Key for comparing names case- and space-insensitively (``"Bus Station"`` → ``"busstation"``)."""
    return values.astype("string").str.lower().str.replace(_SPACES, "", regex=True)


def normalised_ref(values: pd.Series) -> pd.Series:
    """SCHEMA.md's normalised ``target_ref``: lower case, single spaces, trimmed."""
    return values.astype("string").str.strip().str.lower().str.replace(_SPACES, " ", regex=True)
