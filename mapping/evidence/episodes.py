"""The episode table: one period's episodes as arrays, for the searches that pair them.

Who (a code per child), when (seconds since the epoch, so times compare as
integers) and where (British National Grid metres where the postcode is known,
else the postcode district, the postcode or the name of the place found at),
each text column held once as codes into its distinct values (:class:`Coded`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from peermap.geo.postcodes import PostcodeIndex
from peermap.graph_models import cells
from peermap.graph_models.arrow_text import arrow_text, text_series
from peermap.graph_models.postcode_format import postcode_districts
from peermap.mapping.periods import LONDON
from peermap.mapping.settings import EvidenceSettings

#: An unknown time (no ``returned_at``: still missing), in seconds.
NO_TIME = np.iinfo(np.int64).min


def seconds_of(times: pd.Series) -> np.ndarray:
    """Tz-aware datetimes → int64 seconds since the epoch (UTC); NaT → a sentinel."""
    values = pd.Series(times)
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_convert("UTC").dt.tz_localize(None)
    missing = values.isna().to_numpy()
    out = values.to_numpy(dtype="datetime64[ns]").astype("datetime64[s]").astype(np.int64)
    out[missing] = NO_TIME
    return out


def from_seconds(seconds: np.ndarray) -> pd.Series:
    """Seconds since the epoch (the sentinel: NaT) → local (Europe/London) datetimes."""
    out = pd.Series(pd.to_datetime(np.asarray(seconds, dtype=np.int64), unit="s", utc=True))
    out[np.asarray(seconds) == NO_TIME] = pd.NaT
    return out.dt.tz_convert(LONDON)


def place_postcodes(names: pd.Series, places: pd.DataFrame) -> pd.Series:
    """The places.csv postcode of each place name (compared case- and space-insensitively), else NA."""
    lookup = pd.Series(places["postcode"].to_numpy(), index=places["name_key"].to_numpy())
    lookup = lookup[~lookup.index.duplicated()]
    return cells.name_key(names).map(lookup).astype("string")


def _coordinates_of(values: np.ndarray, index: PostcodeIndex | None) -> tuple[np.ndarray, np.ndarray]:
    """Easting and northing of each distinct postcode (NaN when unknown or no index)."""
    if index is None or len(values) == 0:
        return np.full(len(values), np.nan), np.full(len(values), np.nan)
    return index.coordinates(values)


_TEXT = pa.large_string()


@dataclass
class Coded:
    """A column of text held as integer codes (-1 = unknown) into its distinct values.

    The searches bucket by the codes; the words are made only for the rows an
    explanation needs (:meth:`at`), so a million rows never become a million
    Python strings.
    """

    codes: np.ndarray
    values: np.ndarray

    @classmethod
    def of(cls, values) -> "Coded":
        codes, uniques = pd.factorize(np.asarray(values, dtype=object))
        return cls(codes.astype(np.int64), np.asarray(uniques, dtype=object))

    def at(self, rows: np.ndarray) -> pd.Series:
        """The text of the given rows (``<NA>`` where unknown), taken in Arrow (no Python string per row)."""
        codes = self.codes[rows]
        taken = pc.take(self._arrow_values, pa.array(codes, mask=codes < 0))
        return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([taken], _TEXT)))

    @functools.cached_property
    def _arrow_values(self) -> pa.Array:
        return pa.array(self.values, _TEXT, from_pandas=True)

    def known(self) -> np.ndarray:
        return self.codes >= 0


def _text(column: pd.Series) -> np.ndarray:
    """A text column as an object array with ``None`` for unknown."""
    values = np.array(column.astype(object).to_numpy(), dtype=object, copy=True)
    values[pd.isna(values)] = None
    return values


@dataclass
class EpisodeTable:
    """One period's episodes as arrays: who, when (seconds), and where (BNG metres, districts, place keys)."""

    frame: pd.DataFrame
    child: np.ndarray  # code of the child (index into ``child_refs``)
    child_refs: np.ndarray
    start: np.ndarray  # missing_at, seconds
    returned: np.ndarray  # returned_at, seconds (sentinel when still missing)
    end: np.ndarray  # returned_at capped at start + longest_episode_days (for overlaps)
    from_x: np.ndarray
    from_y: np.ndarray
    found_x: np.ndarray
    found_y: np.ndarray
    district: Coded  # postcode district of missing from (rows 0..n-1) then found at (rows n..2n-1)
    from_postcode: Coded
    found_key: Coded  # found_at_postcode, else the places.csv postcode of found_at_place, else its name
    found_place: Coded  # found_at_place as written
    found_postcode: Coded  # found_at_postcode, else the places.csv postcode of found_at_place
    child_text: pa.Array | None = None  # child_refs in Arrow, made when first needed
    episode_text: pa.Array | None = None  # frame["episode_id"] in Arrow, made when first needed

    def found_label(self, rows: np.ndarray) -> pd.Series:
        """What to call where each of these episodes ended: ``Wharton Park (DH1 4QP)``, a postcode or a name."""
        text = self.found_place.at(rows).str.strip()
        postcode = self.found_postcode.at(rows)
        return (text + " (" + postcode + ")").fillna(text).fillna(postcode).astype("string")

    def children_at(self, rows: np.ndarray) -> pd.Series:
        """The child reference of each of these episodes, taken in Arrow (no Python string per row)."""
        if self.child_text is None:
            self.child_text = arrow_text(self.child_refs)
        return text_series(pc.take(self.child_text, np.asarray(self.child[rows], dtype=np.int64)))

    def episode_ids_at(self, rows: np.ndarray) -> pd.Series:
        """The ``episode_id`` of each of these episodes, taken in Arrow."""
        if self.episode_text is None:
            self.episode_text = arrow_text(self.frame["episode_id"])
        return text_series(pc.take(self.episode_text, np.asarray(rows, dtype=np.int64)))


def episode_table(
    episodes: pd.DataFrame, places: pd.DataFrame, index: PostcodeIndex | None, settings: EvidenceSettings
) -> EpisodeTable:
    """Arrays of the period's episodes for the pairwise searches.

    Notes
    -----
    O(n) hashing of each text column once; every string operation and
    postcode look-up is done on the distinct values only.
    """
    frame = episodes.reset_index(drop=True)
    codes, refs = pd.factorize(frame["child_ref"], sort=True)
    start = seconds_of(frame["missing_at"])
    returned = seconds_of(frame["returned_at"])
    longest = np.int64(settings.longest_episode_days * 86400)
    open_ = returned == NO_TIME
    end = np.where(open_, start + longest, np.minimum(returned, start + longest))

    from_postcode = Coded.of(_text(frame["missing_from_postcode"]))
    found_place = Coded.of(_text(frame["found_at_place"]))
    named = _text(place_postcodes(pd.Series(found_place.values, dtype="string"), places))  # per distinct name
    name_keys = _text("name:" + cells.name_key(pd.Series(found_place.values, dtype="string")))
    given = _text(frame["found_at_postcode"])
    place_code = found_place.codes
    from_name = np.where(place_code >= 0, named[np.maximum(place_code, 0)] if len(named) else None, None)
    found_pc = np.where(pd.isna(given), from_name, given)
    found_postcode = Coded.of(found_pc)
    by_name = np.where(place_code >= 0, name_keys[np.maximum(place_code, 0)] if len(name_keys) else None, None)
    found_key = Coded.of(np.where(pd.isna(found_pc), by_name, found_pc))

    fx, fy = _coordinates_of(from_postcode.values, index)
    gx, gy = _coordinates_of(found_postcode.values, index)

    def take(values: np.ndarray, coded: Coded) -> np.ndarray:
        out = np.full(len(coded.codes), np.nan)
        known = coded.known()
        out[known] = values[coded.codes[known]]
        return out

    # districts of the distinct postcodes, then one code space for both columns
    names = np.concatenate(
        [
            _text(postcode_districts(pd.Series(from_postcode.values, dtype="string"))),
            _text(postcode_districts(pd.Series(found_postcode.values, dtype="string"))),
        ]
    )
    district_code, district_values = pd.factorize(names)
    offset = len(from_postcode.values)
    district = np.concatenate(
        [
            np.where(from_postcode.known(), district_code[np.maximum(from_postcode.codes, 0)] if offset else -1, -1),
            np.where(
                found_postcode.known(),
                district_code[offset + np.maximum(found_postcode.codes, 0)] if len(found_postcode.values) else -1,
                -1,
            ),
        ]
    )
    return EpisodeTable(
        frame,
        codes.astype(np.int64),
        np.asarray(refs, dtype=object),
        start,
        returned,
        end,
        take(fx, from_postcode),
        take(fy, from_postcode),
        take(gx, found_postcode),
        take(gy, found_postcode),
        Coded(district.astype(np.int64), np.asarray(district_values, object)),
        from_postcode,
        found_key,
        found_place,
        found_postcode,
    )
