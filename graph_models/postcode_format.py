"""How a UK postcode is written: its one normal spelling, its area and its district (outward code).

The one home of these rules: loading (SCHEMA.md's postcode columns), places,
maps and the board's districts all use them. Coordinates are in
``geo/postcodes.py``.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from peermap.graph_models.cells import on_distinct

#: A UK postcode once spaces are removed: outward code (area letters, district)
#: then inward code (sector digit, unit letters). GIR 0AA is the one oddity.
_POSTCODE = re.compile(r"^(?:([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})|(GIR)(0AA))$")
_AREA = re.compile(r"^([A-Z]{1,2})[0-9]")


def normalise_postcode(value: object) -> str | None:
    """Return a postcode in the standard ``DH1 1AB`` form, or ``None`` if it is not one.

    Any spacing and case is accepted: ``dh11ab``, ``DH1  1AB`` and ``Dh1 1ab``
    all give ``DH1 1AB``.

    Examples
    --------
    >>> normalise_postcode("dh11ab")
    'DH1 1AB'
    >>> normalise_postcode(" ne4 5ab ")
    'NE4 5AB'
    >>> normalise_postcode("not a postcode") is None
    True
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = re.sub(r"\s+", "", str(value)).upper()
    match = _POSTCODE.match(text)
    if not match:
        return None
    outward = match.group(1) or match.group(3)
    inward = match.group(2) or match.group(4)
    return f"{outward} {inward}"


#: A postcode already as :func:`normalise_postcode` writes it.
_NORMAL = r"[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}|GIR 0AA"


def normalise_postcodes(values: pd.Series) -> pd.Series:
    """Vectorised :func:`normalise_postcode`: malformed values become ``<NA>``.

    Each distinct spelling is normalised once: a national year's four million
    postcode cells hold a few hundred thousand.
    """
    return on_distinct(values.astype("string"), _normalised)


def _normalised(distinct: pd.Series) -> pd.Series:
    """:func:`normalise_postcodes` of distinct texts; one already normal (most, all of an index) is kept."""
    done = distinct.str.fullmatch(_NORMAL).fillna(False).to_numpy(dtype=bool)
    out = distinct.where(done)
    if not done.all():
        text = distinct[~done].str.replace(r"[ \t\r\n\f\v]+", "", regex=True).str.upper()
        ok = text.str.match(r"^(?:[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}|GIR0AA)$").fillna(False).astype(bool)
        out[~done] = text.str.replace(r"^(.+)([0-9][A-Z]{2})$", r"\1 \2", regex=True).where(ok)
    return out


def postcode_area(postcode: str) -> str | None:
    """The letters that open a postcode (``DH`` of ``DH1 1AB``), or ``None``."""
    match = _AREA.match(postcode or "")
    return match.group(1) if match else None


def postcode_district(postcode: str) -> str:
    """The outward code of a normalised postcode (``DH1`` of ``DH1 1AB``)."""
    return postcode.split(" ")[0]


def postcode_districts(postcodes: pd.Series) -> pd.Series:
    """Vectorised :func:`postcode_district` over normalised postcodes (``<NA>`` stays ``<NA>``).

    >>> postcode_districts(pd.Series(["DH1 1AB", None], dtype="string")).tolist()
    ['DH1', <NA>]
    """
    # everything before the first space, by one regular expression in Arrow: a national index is millions of rows
    return postcodes.astype("string[pyarrow]").str.replace(r" .*$", "", regex=True).astype("string")
