"""The evidence between two people, each kind kept apart, weighted and explained.

"Making correlations between young people missing at the same time or with the
same people" (report, paragraph 45). Every tie between two children rests on
rows of evidence, one row per thing that links them, so that "why are these two
linked?" always has an answer a worker can read out in a meeting:

``overlapping``
    missing at the same time (for at least ``overlap_least_share`` of the time
    either was missing, both were), and close in place (where one went missing
    from or was found is within ``close_in_place_km`` of where the other was,
    or in the same postcode district when a postcode has no coordinates).
    Weighted by the share of their time missing they had in common, capped per
    pair, one row per pair of children counting the ``occasions``: on its own
    it is weak evidence.
``missing_together``
    went missing from the same place (within ``same_place_metres``, or the
    same postcode) within ``missing_together_hours``.
``found_together``
    found at the same place within ``found_together_hours``.
``named_together``
    intelligence naming one child with the other (a ``child`` link).
``shared_associate``
    both linked to the same associate (not a protective, family or
    professional one).
``shared_place``
    both linked to the same place of concern (found at, frequents,
    exploitation location; not where children live).
``linked_associate``
    between a child and an associate: the intelligence linking them.

Intelligence graded unverified weighs ``unverified_factor`` as much and says
"unverified". Protective people are safety, never risk: their links become
ties of type ``safety`` with weight 0; family and professionals are
``context``, also weight 0. Only ``risk`` ties carry weight.

Notes
-----
The pairwise searches join on place and time together (:func:`close_pairs`).
Each episode's places go into buckets (a grid cell as wide as the distance and
its neighbours; a postcode district, a postcode or a found-at place name when
there are no coordinates), and within a bucket a sorted sweep
(:func:`interval_join`, ``numpy.searchsorted``) finds the episodes that start
while another is running. That is O(n log n + k) for n episodes and k candidate pairs close in
both place and time; pairs that merely overlap in time somewhere else in the
country are never looked at. There is no Python loop over episodes or pairs.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from peermap.geo.postcodes import PostcodeIndex
from peermap.graph_models import cells
from peermap.graph_models.arrow_text import arrow_text, isin, positions_in
from peermap.graph_models.dataset import Dataset
from peermap.graph_models.schema import CONCERN_ROLES
from peermap.mapping.associates import SAFETY_ROLES, CONTEXT_ROLES, associate_roles
from peermap.mapping.periods import LONDON, Period
from peermap.mapping.settings import EvidenceSettings

#: Each kind of evidence, in the order the columns of ties.csv give them.
EVIDENCE_KINDS = ("overlapping", "missing_together", "found_together", "named_together",
                  "shared_associate", "shared_place", "linked_associate")

#: The kinds that join two children.
CHILD_KINDS = EVIDENCE_KINDS[:-1]

#: Kinds that rest on recorded episodes (fact), not intelligence.
EPISODE_KINDS = ("overlapping", "missing_together", "found_together")

#: Tie types: risk ties carry weight; safety (protective people) and context (family, professionals) do not.
RISK, SAFETY, CONTEXT = "risk", "safety", "context"

EVIDENCE_COLUMNS = (
    "kind", "a", "b", "weight", "tie_type", "unverified", "first_seen", "last_seen", "occasions",
    "episode_a", "episode_b", "place", "distance_km", "shared_share", "occasion_start", "occasion_end",
    "minutes_apart", "via", "via_key", "via_children", "link_ids", "grading", "handling", "with_during",
    "record_a", "record_b", "record_a_type", "record_b_type", "place_a", "place_b", "more_a", "more_b",
)

#: What ``record_a`` / ``record_b`` point at: nothing, a row of the period's episodes, a row of its links.
NO_RECORD, EPISODE_RECORD, LINK_RECORD = 0, 1, 2
#: Which place of an episode ``place_a`` / ``place_b`` name: where it started, where it ended.
MISSING_FROM, FOUND_AT = 0, 1
_RECORD_COLUMNS = {"record_a": -1, "record_b": -1, "record_a_type": NO_RECORD, "record_b_type": NO_RECORD,
                   "place_a": -1, "place_b": -1, "more_a": 0, "more_b": 0}

_SECOND = np.int64(1)
_NO_TIME = np.iinfo(np.int64).min


# -- the rows of one period ------------------------------------------------------------------------------------
@dataclass
class PeriodRows:
    """The episodes and links of one period, with the children and associates they mention."""

    period: Period
    episodes: pd.DataFrame
    links: pd.DataFrame
    children: pd.DataFrame
    associates: pd.DataFrame


def period_rows(dataset: Dataset, period: Period) -> PeriodRows:
    """Episodes whose ``missing_at`` is in the period, and the links that belong to it.

    A link belongs to the period when the episode it relates to does, or, when
    it names no episode, when it was recorded in the period.

    Notes
    -----
    O(n) vectorised filters; a table wholly inside the period is not copied.
    """
    episodes = _rows_where(dataset.episodes, period.contains(dataset.episodes["missing_at"]))
    links = dataset.links
    has_episode = links["episode_id"].notna().to_numpy(dtype=bool)
    in_period = (has_episode & isin(links["episode_id"], episodes["episode_id"])) | (
        ~has_episode & period.contains(links["recorded_at"]).to_numpy(dtype=bool))
    links = _rows_where(links, in_period)
    refs = dataset.children["ref"]
    mentioned = (isin(refs, episodes["child_ref"]) | isin(refs, links["child_ref"])
                 | isin(refs, links["target_child_ref"].dropna()))
    children = _rows_where(dataset.children, mentioned)
    associates = _rows_where(dataset.associates, isin(dataset.associates["associate_key"],
                                                      links["associate_key"].dropna()))
    return PeriodRows(period, episodes, links, children, associates)


def _rows_where(frame: pd.DataFrame, keep) -> pd.DataFrame:
    """``frame[keep]`` numbered from 0; when every row is kept, a new frame sharing the data (no copy made)."""
    keep = np.asarray(keep, dtype=bool)
    if keep.all():
        return frame.reset_index(drop=True)
    return frame[keep].reset_index(drop=True)


# -- places of episodes ------------------------------------------------------------------------------------------
def _seconds(times: pd.Series) -> np.ndarray:
    """Tz-aware datetimes → int64 seconds since the epoch (UTC); NaT → a sentinel."""
    values = pd.Series(times)
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_convert("UTC").dt.tz_localize(None)
    missing = values.isna().to_numpy()
    out = values.to_numpy(dtype="datetime64[ns]").astype("datetime64[s]").astype(np.int64)
    out[missing] = _NO_TIME
    return out


def _from_seconds(seconds: np.ndarray) -> pd.Series:
    out = pd.Series(pd.to_datetime(np.asarray(seconds, dtype=np.int64), unit="s", utc=True))
    out[np.asarray(seconds) == _NO_TIME] = pd.NaT
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
        """The text of the given rows (``<NA>`` where unknown)."""
        codes = self.codes[rows]
        out = np.where(codes >= 0, self.values[np.maximum(codes, 0)] if len(self.values) else None, None)
        return pd.Series(out, dtype="string")

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
    child: np.ndarray          # code of the child (index into ``child_refs``)
    child_refs: np.ndarray
    start: np.ndarray          # missing_at, seconds
    returned: np.ndarray       # returned_at, seconds (sentinel when still missing)
    end: np.ndarray            # returned_at capped at start + longest_episode_days (for overlaps)
    from_x: np.ndarray
    from_y: np.ndarray
    found_x: np.ndarray
    found_y: np.ndarray
    district: Coded            # postcode district of missing from (rows 0..n-1) then found at (rows n..2n-1)
    from_postcode: Coded
    found_key: Coded           # found_at_postcode, else the places.csv postcode of found_at_place, else its name
    found_place: Coded         # found_at_place as written
    found_postcode: Coded      # found_at_postcode, else the places.csv postcode of found_at_place
    child_text: pa.Array | None = None    # child_refs in Arrow, made when first needed
    episode_text: pa.Array | None = None  # frame["episode_id"] in Arrow, made when first needed

    def found_label(self, rows: np.ndarray) -> pd.Series:
        """What to call where each of these episodes ended: ``Wharton Park (DH1 4QP)``, a postcode or a name."""
        text = self.found_place.at(rows).str.strip()
        postcode = self.found_postcode.at(rows)
        return (text + " (" + postcode + ")").fillna(text).fillna(postcode).astype("string")

    def from_label(self, rows: np.ndarray) -> pd.Series:
        """Where each of these episodes started (else where it ended, else its district)."""
        n = len(self.start)
        return (self.from_postcode.at(rows).fillna(self.found_label(rows)).fillna(self.district.at(rows))
                .fillna(self.district.at(rows + n)).astype("string"))


def episode_table(episodes: pd.DataFrame, places: pd.DataFrame, index: PostcodeIndex | None,
                  settings: EvidenceSettings) -> EpisodeTable:
    """Arrays of the period's episodes for the pairwise searches.

    Notes
    -----
    O(n) hashing of each text column once; every string operation and
    postcode look-up is done on the distinct values only.
    """
    frame = episodes.reset_index(drop=True)
    codes, refs = pd.factorize(frame["child_ref"], sort=True)
    start = _seconds(frame["missing_at"])
    returned = _seconds(frame["returned_at"])
    longest = np.int64(settings.longest_episode_days * 86400)
    open_ = returned == _NO_TIME
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
    names = np.concatenate([_text(pd.Series(from_postcode.values, dtype="string").str.split(" ").str[0]),
                            _text(pd.Series(found_postcode.values, dtype="string").str.split(" ").str[0])])
    district_code, district_values = pd.factorize(names)
    offset = len(from_postcode.values)
    district = np.concatenate([
        np.where(from_postcode.known(), district_code[np.maximum(from_postcode.codes, 0)] if offset else -1, -1),
        np.where(found_postcode.known(), district_code[offset + np.maximum(found_postcode.codes, 0)]
                 if len(found_postcode.values) else -1, -1)])
    return EpisodeTable(frame, codes.astype(np.int64), np.asarray(refs, dtype=object), start, returned, end,
                        take(fx, from_postcode), take(fy, from_postcode), take(gx, found_postcode),
                        take(gy, found_postcode), Coded(district.astype(np.int64), np.asarray(district_values, object)),
                        from_postcode, found_key, found_place, found_postcode)


# -- the sweep ------------------------------------------------------------------------------------------------------
def interval_join(probe_key: np.ndarray, probe_start: np.ndarray, probe_end: np.ndarray,
                  home_key: np.ndarray, home_start: np.ndarray,
                  max_pairs: int = 500_000) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Pairs (probe, home) with the same key and ``probe_start <= home_start < probe_end``.

    Homes are sorted once by (key, start) (not at all when they come so); each
    probe finds its range with two binary searches, and the ranges are expanded
    with ``numpy.repeat``. Pairs are yielded in chunks of at most about
    ``max_pairs``: memory stays bounded, and half a million pairs at a time keeps
    the arrays each chunk's tests work on in the processor's cache (faster, on
    a national year, than chunks of tens of millions).

    Parameters
    ----------
    probe_key, home_key : int64 arrays
        Bucket of each probe and home (a place cell, a district, a postcode...).
    probe_start, probe_end, home_start : int64 arrays
        Times in seconds.

    Yields
    ------
    (probe_index, home_index) arrays of equal length.

    Notes
    -----
    O((p + h) log h + k) for p probes, h homes and k pairs returned.

    Examples
    --------
    >>> pairs = list(interval_join(np.array([1, 1]), np.array([0, 10]), np.array([5, 20]),
    ...                            np.array([1, 1, 2]), np.array([3, 12, 4])))
    >>> [(p.tolist(), h.tolist()) for p, h in pairs]
    [([0, 1], [0, 1])]
    """
    if len(probe_key) == 0 or len(home_key) == 0:
        return
    keys = np.unique(home_key)  # the buckets that hold anything; probes elsewhere find nothing
    hk = np.searchsorted(keys, home_key).astype(np.int64)
    at = np.minimum(np.searchsorted(keys, probe_key), len(keys) - 1)
    useful = np.flatnonzero(keys[at] == probe_key)
    if len(useful) == 0:
        return
    pk = at[useful].astype(np.int64)
    t0 = min(probe_start[useful].min(), home_start.min())
    span = np.int64(max(probe_end[useful].max(), home_start.max()) - t0 + 2)
    if len(keys) * float(span) >= 2.0**62:
        raise ValueError("times span too long to search (check for impossible dates)")
    combined = hk * span + (home_start - t0)
    if len(combined) < 2 or bool(np.all(combined[1:] >= combined[:-1])):
        order, ordered = None, combined  # homes already in (key, start) order: no sort, no gather
    else:
        order = np.argsort(combined, kind="stable")
        ordered = combined[order]
    # probes in the homes' order: the binary searches then walk forward through memory
    needle = pk * span + (probe_start[useful] - t0)
    by_needle = np.argsort(needle, kind="stable")
    useful, pk, needle = useful[by_needle], pk[by_needle], needle[by_needle]
    lo = np.searchsorted(ordered, needle, side="left")
    hi = np.searchsorted(ordered, pk * span + (probe_end[useful] - t0), side="left")
    counts = np.maximum(hi - lo, 0)
    cumulative = np.cumsum(counts)
    first = 0
    while first < len(counts):
        limit = (cumulative[first - 1] if first else 0) + max_pairs
        last = max(int(np.searchsorted(cumulative, limit, side="right")), first + 1)
        c = counts[first:last]
        total = int(c.sum())
        if total:
            probe = np.repeat(useful[first:last], c)
            home = np.repeat(lo[first:last] - (np.cumsum(c) - c), c)
            home += np.arange(total, dtype=np.int64)
            yield probe, (home if order is None else order[home])
        first = last


def _pair_key(i: np.ndarray, j: np.ndarray, n: int) -> np.ndarray:
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    return lo.astype(np.int64) * np.int64(n) + hi


def _unique_pairs(keys: list[np.ndarray], n: int) -> tuple[np.ndarray, np.ndarray]:
    if not keys:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    every = np.concatenate(keys)
    every.sort(kind="quicksort")  # sort-based: numpy's hash-based unique is several times slower here
    unique = every[np.concatenate([[True], every[1:] != every[:-1]])] if len(every) else every
    return unique // n, unique % n


_GRID_NEIGHBOURS = np.array([(dx, dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1)], dtype=np.int64)


def close_pairs(owner: np.ndarray, x: np.ndarray, y: np.ndarray, fallback: np.ndarray, start: np.ndarray,
                end: np.ndarray, radius_m: float, child: np.ndarray, n_owners: int, least_share: float = 0.0,
                max_pairs: int = 500_000) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of owners (i < j) of different children with points close in place and intervals overlapping.

    Each point belongs to an owner (an episode; an episode may have several
    points) and carries a time interval ``[start, end)``. Two points are close
    when both have coordinates and are within ``radius_m`` metres, or when
    either has no coordinates and they share the ``fallback`` code (a postcode
    district, a postcode, a place name; -1 = none). With ``least_share``, the
    intervals must also have at least that share of their union in common.

    Notes
    -----
    Points with coordinates go into grid cells of side ``radius_m`` and probe
    the 3 x 3 cells around them; points without coordinates probe their
    fallback bucket and are found there by every point of it. Within a bucket
    :func:`interval_join` finds the points starting while the probing one
    runs, so only pairs close in both place and time are ever generated;
    candidates are then checked for distance (and share) and deduplicated.
    A share s also narrows the search: the later interval must start within
    the first (1 - s) of the earlier one. The points are sorted once by
    (cell, start) and each of the nine neighbouring cells is searched in turn,
    so the binary searches run over sorted probes; the distance test comes
    before the other tests, which run on the candidates that pass it.
    O(n log n + k) for n points and k candidates.
    """
    owner = np.asarray(owner, dtype=np.int64)
    if len(owner) < 2:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    if least_share > 0:  # the later one must start by end - s x length of the earlier one
        reach = end - np.ceil(least_share * (end - start)).astype(np.int64) + 1
        reach = np.maximum(reach, start + 1)
    else:
        reach = end
    has_xy = ~(np.isnan(x) | np.isnan(y))
    found: list[np.ndarray] = []
    point_child = np.asarray(child)[owner]

    def keep_pairs(a: np.ndarray, b: np.ndarray, o: np.ndarray, c: np.ndarray, s: np.ndarray,
                   e: np.ndarray) -> None:
        """Keep the pairs of points ``a``, ``b`` of different children whose intervals share enough
        (owners ``o``, children ``c``, starts ``s`` and ends ``e`` in the points' order of ``a`` and ``b``)."""
        keep = c[a] != c[b]
        if least_share > 0:
            ea, eb, sa, sb = e[a], e[b], s[a], s[b]
            common = np.minimum(ea, eb) - np.maximum(sa, sb)
            union = np.maximum(ea, eb) - np.minimum(sa, sb)
            keep &= common >= least_share * np.maximum(union, 1)
        found.append(_pair_key(o[a[keep]], o[b[keep]], n_owners))

    p = np.flatnonzero(has_xy)
    if len(p) and radius_m > 0:
        cx = np.floor(x[p] / radius_m).astype(np.int64) + 1
        cy = np.floor(y[p] / radius_m).astype(np.int64) + 1
        cell = cx * np.int64(1 << 31) + cy
        # points in (cell, start) order, and every array the tests read taken in that order once: each
        # neighbour's probes are then already sorted, and each chunk's tests read memory nearly in sequence
        by_cell = np.lexsort((start[p], cell))
        p, cell = p[by_cell], cell[by_cell]
        p_start, p_reach, px, py = start[p], reach[p], x[p], y[p]
        p_owner, p_child, p_end = owner[p], point_child[p], end[p]
        limit = radius_m * radius_m
        for dx, dy in _GRID_NEIGHBOURS:
            for pi, hi in interval_join(cell + (dx * np.int64(1 << 31) + dy), p_start, p_reach, cell, p_start,
                                        max_pairs):
                # close in place: the cheapest test first, the rest on what passes it
                apart = px[pi] - px[hi]
                apart *= apart
                north = py[pi] - py[hi]
                apart += north * north
                close = np.flatnonzero(apart <= limit)
                keep_pairs(pi[close], hi[close], p_owner, p_child, p_start, p_end)
    blind = np.flatnonzero(~has_xy & (fallback >= 0))
    if len(blind):
        every = np.flatnonzero(fallback >= 0)
        for probes, homes in ((blind, every), (every, blind)):
            for pi, hi in interval_join(fallback[probes], start[probes], reach[probes], fallback[homes],
                                        start[homes], max_pairs):
                keep_pairs(probes[pi], homes[hi], owner, point_child, start, end)
    return _unique_pairs(found, n_owners)


def overlapping_episode_pairs(table: EpisodeTable, settings: EvidenceSettings,
                              max_pairs: int = 500_000) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of episodes (i < j) of different children that overlap in time and are close in place.

    Close in place: where one went missing from or was found is within
    ``close_in_place_km`` of where the other went missing from or was found;
    or, where a postcode has no coordinates, the same postcode district. See
    :func:`close_pairs` for the search.
    """
    n = len(table.start)
    if n < 2:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    owner = np.concatenate([np.arange(n), np.arange(n)])
    x = np.concatenate([table.from_x, table.found_x])
    y = np.concatenate([table.from_y, table.found_y])
    district = table.district.codes.copy()
    # found where it started: one place, not two (halves the search for such episodes)
    same = np.concatenate([np.zeros(n, bool), (table.found_x == table.from_x) & (table.found_y == table.from_y)])
    same |= np.concatenate([np.zeros(n, bool), np.isnan(table.found_x) & (district[n:] == district[:n])])
    keep = ~same
    i, j = close_pairs(owner[keep], x[keep], y[keep], district[keep], table.start[owner[keep]],
                       table.end[owner[keep]], settings.close_in_place_km * 1000.0, table.child, n,
                       settings.overlap_least_share, max_pairs)
    overlap = np.minimum(table.end[i], table.end[j]) - np.maximum(table.start[i], table.start[j])
    keep = overlap > 0
    return i[keep], j[keep]


def window_pairs(x: np.ndarray, y: np.ndarray, key: np.ndarray, times: np.ndarray, window_seconds: float,
                 radius_m: float, child: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i < j) of rows of different children at the same place (within ``radius_m``, or the same
    ``key`` without coordinates) whose times are at most ``window_seconds`` apart.

    Notes
    -----
    :func:`close_pairs` with each time widened to the interval ``[t, t + window]``:
    two such intervals overlap exactly when the times are within the window.
    """
    n = len(times)
    known = times != _NO_TIME
    has_place = known & (~(np.isnan(x) | np.isnan(y)) | (key >= 0))
    rows = np.flatnonzero(has_place)
    if len(rows) < 2:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    width = np.int64(max(window_seconds, 0)) + 1
    return close_pairs(rows, x[rows], y[rows], key[rows], times[rows], times[rows] + width, radius_m, child, n)


# -- evidence rows ----------------------------------------------------------------------------------------------
_FLOATS = ("weight", "distance_km", "shared_share", "minutes_apart")
_TIMES = ("first_seen", "last_seen", "occasion_start", "occasion_end")
_FLAGS = ("unverified", "with_during")


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
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
    return pd.DataFrame(data, index=pd.RangeIndex(n) if n != len(frame.index) else frame.index)


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
        return pd.Series(np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")).dt.tz_localize("UTC").dt.tz_convert(
            LONDON).array
    return pd.Series(pa.nulls(n, pa.large_string()).to_pandas(types_mapper=pd.ArrowDtype)).astype("string").array


def _record_dtype(column: str):
    return np.int64 if column in ("record_a", "record_b") else np.int32


def _typed_column(values: pd.Series, column: str):
    if column in _FLOATS:
        return values.to_numpy(dtype=float) if values.dtype == float else \
            pd.to_numeric(values, errors="coerce").astype(float).to_numpy()
    if column in _FLAGS:
        return values.astype("boolean").fillna(False).to_numpy(dtype=bool) if values.dtype != bool else values.to_numpy()
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
    return values.astype(_STRING).array


_STRING = pd.Series([], dtype="string").dtype


def _empty_rows() -> pd.DataFrame:
    return _typed(pd.DataFrame())


def _ordered(a: pd.Series, b: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Child pairs as (smaller ref, larger ref)."""
    a, b = a.astype("string").reset_index(drop=True), b.astype("string").reset_index(drop=True)
    swap = (a > b).fillna(False).to_numpy(dtype=bool)
    return a.where(~swap, b), b.where(~swap, a)


def overlapping_evidence(table: EpisodeTable, homes: pd.DataFrame, settings: EvidenceSettings) -> pd.DataFrame:
    """One row per pair of children missing at the same time close in place, however many times they were.

    Each occasion (a pair of their episodes) weighs ``overlap_weight`` times
    the share of their time missing they had in common, multiplied by
    ``shared_home_factor`` when both went missing from the one postcode where
    both live; the pair's total is capped at ``overlap_most_per_pair``. The
    row names the closest occasion (the largest share) and counts them all
    (``occasions``).

    Notes
    -----
    The occasions are reduced to one row per pair of children with array
    operations before any text is made: O(k log k) for k occasions.
    """
    i, j = overlapping_episode_pairs(table, settings)
    if len(i) == 0:
        return _empty_rows()
    lo, hi = np.maximum(table.start[i], table.start[j]), np.minimum(table.end[i], table.end[j])
    union = np.maximum(table.end[i], table.end[j]) - np.minimum(table.start[i], table.start[j])
    share = (hi - lo) / np.maximum(union, 1)
    codes = table.from_postcode.codes
    both_live = (codes[i] == codes[j]) & (codes[i] >= 0)
    if both_live.any():
        maybe = np.flatnonzero(both_live)
        both_live[maybe] = _both_live_there(pd.Series(table.child_refs[table.child[i[maybe]]], dtype="string"),
                                            pd.Series(table.child_refs[table.child[j[maybe]]], dtype="string"),
                                            table.from_postcode.at(i[maybe]), homes)
    weight = settings.overlap_weight * share * np.where(both_live, settings.shared_home_factor, 1.0)
    # one row per pair of children: the closest occasion speaks for them all
    ci, cj = table.child[i], table.child[j]
    first_child = ci <= cj  # child codes are in reference order
    pair = np.minimum(ci, cj).astype(np.int64) * np.int64(len(table.child_refs)) + np.maximum(ci, cj)
    order = np.lexsort((-share, pair))
    pair_sorted = pair[order]
    head = np.concatenate([[True], pair_sorted[1:] != pair_sorted[:-1]])
    group = np.cumsum(head) - 1
    best = order[head]
    total = np.bincount(group, weights=weight[order])
    occasions = np.bincount(group)
    first = np.full(len(best), np.iinfo(np.int64).max)
    last = np.full(len(best), np.iinfo(np.int64).min)
    np.minimum.at(first, group, lo[order])
    np.maximum.at(last, group, hi[order])
    bi, bj = i[best], j[best]
    keep_order = first_child[best]
    ea, eb = np.where(keep_order, bi, bj), np.where(keep_order, bj, bi)
    rows = pd.DataFrame({
        "kind": "overlapping",
        "a": _child_refs(table, ea),
        "b": _child_refs(table, eb),
        "tie_type": RISK, "weight": np.minimum(total, settings.overlap_most_per_pair), "unverified": False,
        "first_seen": _from_seconds(first), "last_seen": _from_seconds(last),
        "occasion_start": _from_seconds(lo[best]), "occasion_end": _from_seconds(hi[best]),
        "episode_a": _episode_ids(table, ea), "episode_b": _episode_ids(table, eb),
        "place": _where_both_live(both_live[best]),
        "shared_share": share[best], "occasions": occasions,
        "record_a": ea, "record_b": eb, "record_a_type": EPISODE_RECORD, "record_b_type": EPISODE_RECORD,
    })
    rows["distance_km"], rows["place_a"], rows["place_b"] = _closest_places(table, ea, eb)
    return _typed(rows)


def _child_refs(table: EpisodeTable, rows: np.ndarray) -> pd.Series:
    """The child reference of each of these episodes, taken in Arrow (no Python string per row)."""
    if table.child_text is None:
        table.child_text = arrow_text(table.child_refs)
    return _series(pc.take(table.child_text, np.asarray(table.child[rows], dtype=np.int64)))


def _episode_ids(table: EpisodeTable, rows: np.ndarray) -> pd.Series:
    """The ``episode_id`` of each of these episodes, taken in Arrow."""
    if table.episode_text is None:
        table.episode_text = arrow_text(table.frame["episode_id"])
    return _series(pc.take(table.episode_text, np.asarray(rows, dtype=np.int64)))


def _closest_places(table: EpisodeTable, i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The closest of the places of two episodes: its distance in km, and which place of each it is.

    Of the four pairings (where each went missing from or was found), the one
    with the shortest distance; so an explanation names exactly the two places
    its distance is between. Where no pairing has coordinates, the distance is
    NaN and the places are the first pairing in the same postcode district
    (what made the two close, :func:`overlapping_episode_pairs`).
    """
    n = len(table.start)
    best = np.full(len(i), np.inf)
    at_i = np.full(len(i), -1, dtype=np.int32)
    at_j = np.full(len(i), -1, dtype=np.int32)
    district = table.district.codes
    same_district = np.zeros(len(i), dtype=bool)
    for which_i, (ax, ay) in enumerate(((table.from_x, table.from_y), (table.found_x, table.found_y))):
        for which_j, (bx, by) in enumerate(((table.from_x, table.from_y), (table.found_x, table.found_y))):
            d = np.hypot(ax[i] - bx[j], ay[i] - by[j])
            closer = d < best
            best = np.where(closer, d, best)
            at_i[closer], at_j[closer] = which_i, which_j
            di, dj = district[i + which_i * n], district[j + which_j * n]
            first = np.isinf(best) & ~same_district & (di >= 0) & (di == dj)
            at_i[first], at_j[first] = which_i, which_j
            same_district |= first
    best[np.isinf(best)] = np.nan
    return best / 1000.0, at_i, at_j


def _where_both_live(both_live: np.ndarray) -> pd.Series:
    """``place`` of episode evidence: "where both live" when the place is a home of both children, else unknown."""
    return _series(pc.if_else(pa.array(np.asarray(both_live, dtype=bool)),
                              pa.scalar(WHERE_BOTH_LIVE, pa.large_string()), pa.scalar(None, pa.large_string())))


#: The ``place`` of episode evidence from the one postcode where both children live (it weighs less).
WHERE_BOTH_LIVE = "where both live"


def _apart_m(ax: np.ndarray, ay: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    return np.hypot(ax[i] - ax[j], ay[i] - ay[j])


def missing_together_evidence(table: EpisodeTable, homes: pd.DataFrame, settings: EvidenceSettings) -> pd.DataFrame:
    """One row per pair of episodes that started from the same place within the window.

    The same place: within ``same_place_metres``, or the same postcode when it
    has no coordinates. When it is the one postcode where both children live,
    the weight is multiplied by ``shared_home_factor``.
    """
    i, j = window_pairs(table.from_x, table.from_y, table.from_postcode.codes, table.start,
                        settings.missing_together_hours * 3600, settings.same_place_metres, table.child)
    if len(i) == 0:
        return _empty_rows()
    postcode = table.from_postcode.at(i)
    same_postcode = (table.from_postcode.codes[i] == table.from_postcode.codes[j]) & (table.from_postcode.codes[i] >= 0)
    ra = _child_refs(table, i)
    rb = _child_refs(table, j)
    both_live = same_postcode & _both_live_there(ra, rb, postcode, homes)
    a, b = _ordered(ra, rb)
    swap = (ra != a).to_numpy()
    weight = settings.missing_together_weight * np.where(both_live, settings.shared_home_factor, 1.0)
    apart = _apart_m(table.from_x, table.from_y, i, j)
    rows = pd.DataFrame({
        "kind": "missing_together", "a": a, "b": b, "weight": weight, "tie_type": RISK, "unverified": False,
        "first_seen": _from_seconds(np.minimum(table.start[i], table.start[j])),
        "last_seen": _from_seconds(np.maximum(table.start[i], table.start[j])),
        "episode_a": _episode_ids(table, np.where(swap, j, i)), "episode_b": _episode_ids(table, np.where(swap, i, j)),
        "place": _where_both_live(both_live), "distance_km": apart / 1000.0,
        "minutes_apart": np.abs(table.start[i] - table.start[j]) / 60.0,
        "record_a": np.where(swap, j, i), "record_b": np.where(swap, i, j), "record_a_type": EPISODE_RECORD,
        "record_b_type": EPISODE_RECORD, "place_a": MISSING_FROM, "place_b": MISSING_FROM,
    })
    return _typed(rows)


def _both_live_there(ra: pd.Series, rb: pd.Series, postcode: pd.Series, homes: pd.DataFrame) -> np.ndarray:
    """True where ``postcode`` is a home or placement of both children (vectorised membership)."""
    known = pd.MultiIndex.from_frame(homes[["ref", "postcode"]].astype("string"))
    a_lives = pd.MultiIndex.from_arrays([ra, postcode]).isin(known)
    b_lives = pd.MultiIndex.from_arrays([rb, postcode]).isin(known)
    return np.asarray(a_lives & b_lives, dtype=bool)


def found_together_evidence(table: EpisodeTable, settings: EvidenceSettings) -> pd.DataFrame:
    """One row per pair of episodes found at the same place within the window.

    The same place: within ``same_place_metres``, or, without coordinates, the
    same ``found_at_place`` name (or postcode).
    """
    i, j = window_pairs(table.found_x, table.found_y, table.found_key.codes, table.returned,
                        settings.found_together_hours * 3600, settings.same_place_metres, table.child)
    if len(i) == 0:
        return _empty_rows()
    ra = _child_refs(table, i)
    a, b = _ordered(ra, _child_refs(table, j))
    swap = (ra != a).to_numpy()
    apart = _apart_m(table.found_x, table.found_y, i, j)
    rows = pd.DataFrame({
        "kind": "found_together", "a": a, "b": b, "weight": settings.found_together_weight, "tie_type": RISK,
        "unverified": False,
        "first_seen": _from_seconds(np.minimum(table.returned[i], table.returned[j])),
        "last_seen": _from_seconds(np.maximum(table.returned[i], table.returned[j])),
        "episode_a": _episode_ids(table, np.where(swap, j, i)), "episode_b": _episode_ids(table, np.where(swap, i, j)),
        "distance_km": apart / 1000.0, "minutes_apart": np.abs(table.returned[i] - table.returned[j]) / 60.0,
        "record_a": np.where(swap, j, i), "record_b": np.where(swap, i, j), "record_a_type": EPISODE_RECORD,
        "record_b_type": EPISODE_RECORD, "place_a": FOUND_AT, "place_b": FOUND_AT,
    })
    return _typed(rows)


def _grading(links: pd.DataFrame) -> pd.Series:
    """"rthi 2/B" or "police, ungraded": the source and grades of each link, as shown beside it."""
    source = links["source"].astype("string").fillna("source not recorded")
    grade = (links["source_grade"].astype("string").fillna("?") + "/" + links["intel_grade"].astype("string").fillna("?"))
    ungraded = links["source_grade"].isna() & links["intel_grade"].isna()
    return (source + " " + grade.where(~ungraded, "ungraded")).astype("string")


def _link_weight(links: pd.DataFrame, base: float, settings: EvidenceSettings) -> np.ndarray:
    with_during = links["with_during_episode"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    unverified = links["unverified"].to_numpy(dtype=bool)
    return (base * np.where(with_during, settings.with_during_episode_factor, 1.0)
            * np.where(unverified, settings.unverified_factor, 1.0))


def named_together_evidence(links: pd.DataFrame, settings: EvidenceSettings) -> pd.DataFrame:
    """One row per ``child`` link: intelligence naming one child with another.

    A link with role ``protective`` is safety and ``family``/``professional``
    context: kept and explained, never weighed as risk.
    """
    keep = (links["target_type"].eq("child").fillna(False).to_numpy(dtype=bool)
            & links["target_child_ref"].notna().to_numpy()
            & (links["target_child_ref"] != links["child_ref"]).fillna(False).to_numpy(dtype=bool))
    if not keep.any():
        return _empty_rows()
    named = links[keep].reset_index(drop=True)
    a, b = _ordered(named["child_ref"], named["target_child_ref"])
    role = named["role"].astype("string")
    tie_type = np.where(role.isin(SAFETY_ROLES).fillna(False), SAFETY,
                        np.where(role.isin(CONTEXT_ROLES).fillna(False), CONTEXT, RISK))
    weight = np.where(tie_type == RISK, _link_weight(named, settings.named_together_weight, settings), 0.0)
    rows = pd.DataFrame({
        "kind": "named_together", "a": a, "b": b, "weight": weight, "tie_type": tie_type,
        "unverified": named["unverified"].to_numpy(dtype=bool),
        "first_seen": named["recorded_at"], "last_seen": named["recorded_at"],
        "episode_a": named["episode_id"], "link_ids": named["link_id"], "grading": _grading(named),
        "handling": named["handling"], "with_during": named["with_during_episode"].astype("boolean").fillna(False),
        "via": role, "record_a": np.flatnonzero(keep), "record_a_type": LINK_RECORD,
    })
    return _typed(rows)


def associate_link_evidence(links: pd.DataFrame, roles: pd.DataFrame, settings: EvidenceSettings) -> pd.DataFrame:
    """One row per ``associate`` link: the intelligence linking a child and an associate.

    The associate's role (associates.csv, else what the links say; see
    :func:`mapping.associates.associate_roles`) decides the tie type: protective
    people are safety, family and professionals context, everyone else risk.
    """
    keep = (links["target_type"].eq("associate").fillna(False).to_numpy(dtype=bool)
            & links["associate_ref"].notna().to_numpy())
    if not keep.any():
        return _empty_rows()
    linked = links[keep].reset_index(drop=True)
    tie_type = _by_key(linked["associate_key"], roles, "tie_type")
    tie_type[pd.isna(tie_type)] = RISK
    weight = np.where(tie_type == RISK, _link_weight(linked, settings.associate_link_weight, settings), 0.0)
    rows = pd.DataFrame({
        "kind": "linked_associate", "a": linked["child_ref"], "b": linked["associate_ref"], "weight": weight,
        "tie_type": tie_type, "unverified": linked["unverified"].to_numpy(dtype=bool),
        "first_seen": linked["recorded_at"], "last_seen": linked["recorded_at"], "episode_a": linked["episode_id"],
        "via": linked["associate_ref"], "via_key": linked["associate_key"], "link_ids": linked["link_id"],
        "grading": _grading(linked), "handling": linked["handling"],
        "with_during": linked["with_during_episode"].astype("boolean").fillna(False),
        "record_a": np.flatnonzero(keep), "record_a_type": LINK_RECORD,
    })
    return _typed(rows)


#: Roles of a place, as bit flags, so each child's roles of a place combine without a Python loop.
_PLACE_ROLE_BITS = ("found there", "found at", "frequents", "exploitation location")
_ROLE_WORDS = np.array([", ".join(r for i, r in enumerate(_PLACE_ROLE_BITS) if m >> i & 1)
                        for m in range(1 << len(_PLACE_ROLE_BITS))], dtype=object)


def _objects(values) -> np.ndarray:
    out = np.array(pd.Series(values).astype(object).to_numpy(), dtype=object, copy=True)
    out[pd.isna(out)] = None
    return out


def _pair_text(left, right, sep: str) -> pd.Series:
    """``left + sep + right``; just one side where the other is missing or the same (text made in Arrow)."""
    left, right = arrow_text(left), arrow_text(right)
    joined = pc.binary_join_element_wise(left, right, pa.scalar(sep, pa.large_string()))
    differ = pc.fill_null(pc.not_equal(left, right), False)
    return _series(pc.if_else(differ, joined, pc.coalesce(left, right)))


def shared_pairs(rows: pd.DataFrame, kind: str, base: float, settings: EvidenceSettings,
                 cap: float | None = None) -> pd.DataFrame:
    """Pairs of children linked to the same thing (``via_key``): one row per pair and thing.

    ``rows`` has one row per link of a child (``a``) to a thing: ``via_key``,
    ``via`` (its label), ``place`` (the role given, for places), ``unverified``,
    ``first_seen``, ``last_seen``, ``link_ids``, ``grading``, ``handling``, and
    the record it rests on (``record_a``, ``record_a_type``).
    Each child's links to a thing are reduced to the one that speaks for it
    (verified first, then earliest). A thing linked to n children (2 <= n <=
    ``most_children_for_shared``) gives each pair ``base`` x min(1, 1 / ln n),
    times the unverified factor when either side's links are all unverified;
    with ``cap``, each pair's total over all things is capped.

    Notes
    -----
    Everything is done on integer codes, and pairs are generated with
    ``numpy.repeat`` within each thing's block: O(k log k + p) for k links and
    p pairs (at most n^2 / 2 per thing).
    """
    if rows.empty:
        return _empty_rows()
    a_code, a_values = pd.factorize(rows["a"], sort=True)  # code order is reference order
    k_code, k_values = pd.factorize(rows["via_key"])
    unverified = rows["unverified"].to_numpy(dtype=bool)
    first = _seconds(rows["first_seen"])
    last = _seconds(rows["last_seen"])
    order = np.lexsort((first, unverified, a_code, k_code))
    ks, as_ = k_code[order], a_code[order]
    head = np.concatenate([[True], (ks[1:] != ks[:-1]) | (as_[1:] != as_[:-1])])
    group = np.cumsum(head) - 1
    best = order[head]  # per (thing, child), sorted by thing then child
    n_groups = len(best)
    big = np.iinfo(np.int64).max
    g_first = np.full(n_groups, big)
    g_last = np.full(n_groups, np.iinfo(np.int64).min)
    np.minimum.at(g_first, group, np.where(first[order] == _NO_TIME, big, first[order]))
    np.maximum.at(g_last, group, last[order])
    g_first = np.where(g_first == big, _NO_TIME, g_first)
    g_links = np.bincount(group)
    bits = pd.Series(rows["place"].to_numpy(dtype=object)).map(
        {r: 1 << i for i, r in enumerate(_PLACE_ROLE_BITS)}).fillna(0).to_numpy(dtype=np.int64)
    g_roles = np.zeros(n_groups, dtype=np.int64)
    np.bitwise_or.at(g_roles, group, bits[order])
    g_k, g_a = k_code[best], a_code[best]
    g_unverified = unverified[best]
    # children per thing, and the pairs within each thing
    k_head = np.concatenate([[True], g_k[1:] != g_k[:-1]])
    thing = np.cumsum(k_head) - 1
    thing_start = np.flatnonzero(k_head)
    size = np.bincount(thing)[thing]
    rank = np.arange(n_groups) - thing_start[thing]
    partners = np.where((size >= 2) & (size <= settings.most_children_for_shared), size - 1 - rank, 0)
    total = int(partners.sum())
    if total == 0:
        return _empty_rows()
    left = np.repeat(np.arange(n_groups), partners)
    right = left + 1 + (np.arange(total) - np.repeat(np.cumsum(partners) - partners, partners))
    n = size[left].astype(float)
    factor = np.where(g_unverified[left] | g_unverified[right], settings.unverified_factor, 1.0)
    weight = base * np.minimum(1.0, 1.0 / np.log(n)) * factor
    if cap is not None:
        pair = g_a[left].astype(np.int64) * np.int64(len(a_values)) + g_a[right]
        codes, _ = pd.factorize(pair)
        sums = np.bincount(codes, weights=weight)[codes]
        weight = np.where(sums > cap, weight * cap / np.maximum(sums, 1e-12), weight)

    def side(column: str) -> tuple[np.ndarray, np.ndarray]:
        values = _objects(rows[column])[best]
        return values[left], values[right]

    def record_side(column: str, dtype) -> tuple[np.ndarray, np.ndarray]:
        values = rows[column].to_numpy(dtype=dtype)[best]
        return values[left], values[right]

    record_l, record_r = record_side("record_a", np.int64)
    type_l, type_r = record_side("record_a_type", np.int32)
    links_l, links_r = side("link_ids")
    grading_l, grading_r = side("grading")
    handling_l, handling_r = side("handling")
    a_values = np.asarray(a_values, dtype=object)
    out = pd.DataFrame({
        "kind": kind, "a": pd.Series(a_values[g_a[left]], dtype="string"),
        "b": pd.Series(a_values[g_a[right]], dtype="string"), "weight": weight, "tie_type": RISK,
        "unverified": g_unverified[left] & g_unverified[right],
        "first_seen": _from_seconds(np.minimum(g_first[left], g_first[right])),
        "last_seen": _from_seconds(np.maximum(g_last[left], g_last[right])),
        "via": pd.Series(_objects(rows["via"])[best][left], dtype="string"),
        "via_key": pd.Series(np.asarray(k_values, dtype=object)[g_k[left]], dtype="string"),
        "via_children": size[left],
        "place": pd.Series(_ROLE_WORDS[g_roles[left] | g_roles[right]], dtype="string").replace("", pd.NA),
        "link_ids": pd.Series(_pair_text(_with_more(links_l, g_links[left] - 1),
                                         _with_more(links_r, g_links[right] - 1), "; "), dtype="string"),
        "grading": pd.Series(_pair_text(grading_l, grading_r, " and "), dtype="string"),
        "handling": pd.Series(_pair_text(handling_l, handling_r, ";"), dtype="string"),
        "record_a": record_l, "record_b": record_r, "record_a_type": type_l, "record_b_type": type_r,
        "more_a": g_links[left] - 1, "more_b": g_links[right] - 1,
    })
    return _typed(out)


def _with_more(links: np.ndarray, more: np.ndarray) -> np.ndarray:
    out = links.copy()
    pick = pd.notna(links) & (more > 0)
    out[pick] = links[pick] + " and " + more[pick].astype(str).astype(object) + " more"
    return out


def _by_key(keys: pd.Series, table: pd.DataFrame, column: str) -> np.ndarray:
    """``keys.map(table[column])`` (``table`` indexed by unique keys) as an object array, looked up in Arrow."""
    at = positions_in(keys, table.index)
    values = table[column].to_numpy(dtype=object)
    out = np.full(len(at), None, dtype=object)
    out[at >= 0] = values[at[at >= 0]]
    return out


def shared_associate_evidence(associate_rows: pd.DataFrame, roles: pd.DataFrame,
                              settings: EvidenceSettings) -> pd.DataFrame:
    """One row per pair of children linked to the same (risk) associate."""
    risk = associate_rows[associate_rows["tie_type"].eq(RISK).to_numpy(dtype=bool)]
    if risk.empty:
        return _empty_rows()
    rows = shared_pairs(risk.assign(place=pd.NA), "shared_associate", settings.shared_associate_weight, settings)
    rows["place"] = pd.Series(_by_key(rows["via_key"], roles, "role"), index=rows.index).astype(
        "string")  # the associate's role, for the words
    return rows


def concern_places(table: EpisodeTable, links: pd.DataFrame, places: pd.DataFrame,
                   not_of_concern: set[str]) -> pd.DataFrame:
    """Each child's links to places of concern: intelligence (found at, frequents, exploitation location)
    and the places episodes ended at, leaving out where children live.

    Returns one row per (child, place, source row) with ``a``, ``via_key``,
    ``via`` (label), ``place`` (roles), ``unverified``, ``first_seen``,
    ``last_seen``, ``link_ids``, ``grading``, ``handling``.
    """
    is_place = (links["target_type"].eq("place").fillna(False).to_numpy(dtype=bool)
                & links["role"].isin(CONCERN_ROLES).fillna(False).to_numpy(dtype=bool))
    place_links = links[is_place].reset_index(drop=True)
    postcode = place_links["target_postcode"].astype("string").fillna(place_postcodes(place_links["target_ref"], places))
    key = postcode.fillna("name:" + cells.name_key(place_links["target_ref"])).astype("string")
    text = place_links["target_ref"].astype("string").str.strip()
    label = (text + " (" + postcode + ")").where(postcode != text, text).fillna(text).astype("string")
    from_links = pd.DataFrame({
        "a": place_links["child_ref"], "via_key": key, "via": label,
        "place": place_links["role"].astype("string").str.replace("_", " "),
        "unverified": place_links["unverified"].to_numpy(dtype=bool),
        "first_seen": place_links["recorded_at"], "last_seen": place_links["recorded_at"],
        "link_ids": place_links["link_id"], "grading": _grading(place_links), "handling": place_links["handling"],
        "record_a": np.flatnonzero(is_place), "record_a_type": LINK_RECORD,
    })
    found = np.flatnonzero(table.found_key.known() & (table.returned != _NO_TIME))
    finds = pd.DataFrame({
        "a": _child_refs(table, found),
        "via_key": table.found_key.at(found),
        "via": table.found_label(found), "place": "found there",
        "unverified": False, "first_seen": _from_seconds(table.returned[found]),
        "last_seen": _from_seconds(table.returned[found]),
        "link_ids": pd.NA, "grading": "episode record", "handling": pd.NA,
        "record_a": found, "record_a_type": EPISODE_RECORD,
    })
    both = pd.concat([from_links, finds], ignore_index=True)
    both = both[~isin(both["via_key"], pd.Series(sorted(not_of_concern), dtype=object))].reset_index(drop=True)
    # one label per place: the places.csv name where it has one, else the first written
    named = places.dropna(subset=["postcode"]).drop_duplicates("postcode")
    canonical = pd.Series((named["place_name"].astype("string") + " (" + named["postcode"] + ")").to_numpy(),
                          index=named["postcode"].to_numpy())
    codes, keys = pd.factorize(both["via_key"])
    if len(codes):
        first_label = _objects(both["via"])[np.unique(codes, return_index=True)[1]]
        label = pd.Series(keys, dtype="string").map(canonical).astype(object).to_numpy()
        label = np.where(pd.isna(label), first_label, label)
        both["via"] = pd.Series(label[codes], dtype="string")
    return both


def shared_place_evidence(place_rows: pd.DataFrame, settings: EvidenceSettings) -> pd.DataFrame:
    """One row per pair of children linked to the same place of concern.

    The same place means the same postcode (given, or from places.csv). A
    place known only by free text ("the skate park", "the underpass") is not
    pooled: two children's words may name two different places, and the
    sentence "both linked to ..." would not be true of the records.
    """
    place_rows = place_rows[~place_rows["via_key"].str.startswith("name:").fillna(True).to_numpy(dtype=bool)]
    if place_rows.empty:
        return _empty_rows()
    return shared_pairs(place_rows.reset_index(drop=True), "shared_place", settings.shared_place_weight, settings,
                        cap=settings.shared_place_most_per_pair)


REPEATED_KINDS = ("named_together", "linked_associate")


def diminish_repeats(rows: pd.DataFrame, settings: EvidenceSettings) -> pd.DataFrame:
    """Repeated intelligence about the same pair counts less each time: in full, then a half, a third...

    A child missing a hundred times whose every interview names the same
    friend has told us one thing a hundred times, not a hundred things. So
    for ``named_together`` and ``linked_associate``, the k-th piece of evidence
    about a pair (heaviest first) is divided by k when
    ``repeats_count_less`` is set. Episodes (each a separate occasion) are not
    diminished.

    Notes
    -----
    One sort of integer codes: O(k log k).
    """
    if not settings.repeats_count_less or rows.empty:
        return rows
    repeated = isin(rows["kind"], list(REPEATED_KINDS))
    if not repeated.any():
        return rows
    at = np.flatnonzero(repeated)
    # rank within each (kind, a, b), heaviest first, on integer codes: one stable sort, no string comparisons
    kind, a, b = (pd.factorize(rows[column].iloc[at])[0] for column in ("kind", "a", "b"))
    weight = rows["weight"].to_numpy(dtype=float)
    order = np.lexsort((-weight[at], b, a, kind))
    key = np.stack([kind[order], a[order], b[order]])
    head = np.concatenate([[True], np.any(key[:, 1:] != key[:, :-1], axis=0)])
    starts = np.flatnonzero(head)
    rank = np.arange(len(order)) - starts[np.cumsum(head) - 1] + 1
    diminished = weight.copy()
    diminished[at[order]] = weight[at[order]] / rank
    return rows.assign(weight=diminished)


#: Threads that make the kinds of evidence side by side: numpy, Arrow and pandas let go of the
#: interpreter in their array work, so two kinds run at once on two cores (rows come out in the same order).
EVIDENCE_THREADS = max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                                 else os.cpu_count() or 1))


# -- all of it -------------------------------------------------------------------------------------------------
@dataclass
class Evidence:
    """Every row of evidence of one period, and what the rows were made from."""

    rows: pd.DataFrame
    period_rows: PeriodRows
    roles: pd.DataFrame                         # per associate_key: ref, label, role, tie_type, resolved
    place_rows: pd.DataFrame                    # each child's links to places of concern
    episodes: EpisodeTable | None = None
    timings: dict = field(default_factory=dict)


def homes_of(children: pd.DataFrame) -> pd.DataFrame:
    """Where each child lives: (ref, postcode) for home and placement postcodes."""
    parts = [children[["ref", c]].rename(columns={c: "postcode"}) for c in ("home_postcode", "placement_postcode")]
    return pd.concat(parts, ignore_index=True).dropna().drop_duplicates().reset_index(drop=True)


def collect_evidence(dataset: Dataset, period: Period, settings: EvidenceSettings | None = None,
                     postcodes: PostcodeIndex | None = None) -> Evidence:
    """Every kind of evidence between the people of one period.

    Parameters
    ----------
    dataset : the loaded tables (restrict them for an audience first; see
        :func:`exports.audiences.restrict_dataset`).
    period : the period; only its episodes and links count.
    settings : windows, distances and weights (defaults when ``None``).
    postcodes : postcode index for coordinates (the embedded one when ``None``).

    Returns
    -------
    Evidence whose ``rows`` has one row per piece of evidence, columns
    :data:`EVIDENCE_COLUMNS`.

    Notes
    -----
    O(n log n + k) in episodes and links n and evidence rows k.
    """
    import time

    from peermap.geo.postcodes import default_index

    settings = settings or EvidenceSettings()
    index = postcodes if postcodes is not None else default_index()
    timings = {}

    def timed(name, make):
        clock = time.perf_counter()
        made = make()
        timings[name] = time.perf_counter() - clock
        return made

    clock = time.perf_counter()
    rows_of_period = period_rows(dataset, period)
    with ThreadPoolExecutor(EVIDENCE_THREADS) as pool:
        table_made = pool.submit(episode_table, rows_of_period.episodes, dataset.places, index, settings)
        roles = associate_roles(rows_of_period.associates, rows_of_period.links)
        homes = homes_of(dataset.children)
        table = table_made.result()
    # the texts the kinds take from, made once here rather than by each thread that first needs them
    table.child_text = arrow_text(table.child_refs)
    table.episode_text = arrow_text(table.frame["episode_id"])
    timings["prepare"] = time.perf_counter() - clock

    def associates():
        linked = associate_link_evidence(rows_of_period.links, roles, settings)
        return [linked, shared_associate_evidence(linked, roles, settings)]

    def places():
        residential = dataset.places.loc[dataset.places["kind"].eq("residential_home").fillna(False)
                                         .to_numpy(dtype=bool), "postcode"]
        not_of_concern = set(homes["postcode"]) | set(residential.dropna())
        found = concern_places(table, rows_of_period.links, dataset.places, not_of_concern)
        return found, shared_place_evidence(found, settings)

    # the kinds are independent: the longest first, so the others fill the second thread meanwhile
    with ThreadPoolExecutor(EVIDENCE_THREADS) as pool:
        made = {name: pool.submit(timed, name, make) for name, make in (
            ("overlapping", lambda: overlapping_evidence(table, homes, settings)),
            ("shared_place", places),
            ("associates", associates),
            ("found_together", lambda: found_together_evidence(table, settings)),
            ("missing_together", lambda: missing_together_evidence(table, homes, settings)),
            ("named_together", lambda: named_together_evidence(rows_of_period.links, settings)),
        )}
        place_rows, shared_places = made["shared_place"].result()
        parts = [made[name].result() for name in ("overlapping", "missing_together", "found_together",
                                                   "named_together")] + made["associates"].result() + [shared_places]
    # each kind's own time (they overlap), in a fixed order whichever finished first
    timings = {name: timings[name] for name in ("prepare", "overlapping", "missing_together", "found_together",
                                                "named_together", "associates", "shared_place")}
    parts = [p for p in parts if len(p)]
    rows = pd.concat(parts, ignore_index=True) if parts else _empty_rows()
    rows = diminish_repeats(_typed(rows), settings)
    return Evidence(rows, rows_of_period, roles, place_rows, table, timings)


# -- text in Arrow -------------------------------------------------------------------------------------------------
def _arrow(text: pd.Series) -> pa.Array:
    """A text Series as one Arrow large_string array (no copy when it is Arrow-backed already)."""
    values = pa.array(text.astype("string").array, type=pa.large_string())
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def _series(values) -> pd.Series:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([values.cast(pa.large_string())])))
