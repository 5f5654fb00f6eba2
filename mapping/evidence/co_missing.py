"""Co-missing: young people missing at the same time or with the same people (DESIGN.md).

Three kinds of evidence rest on the recorded episodes, each found here and put
into words here (its sentence, named in :mod:`.kinds`):

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

Episodes from the one postcode where both children live weigh
``shared_home_factor`` as much: children who live together leave from the
same door. The pairs come from the sweep search (:mod:`.sweep`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from peermap.graph_models.arrow_text import text_series
from peermap.mapping.evidence.episodes import NO_TIME, EpisodeTable, from_seconds
from peermap.mapping.evidence.rows import (
    EPISODE_RECORD,
    FOUND_AT,
    MISSING_FROM,
    RISK,
    empty_rows,
    ordered_pairs,
    typed_rows,
)
from peermap.mapping.evidence.sweep import close_pairs, window_pairs
from peermap.mapping.evidence.words import (
    EMPTY,
    EvidenceRecords,
    column_of,
    distance_text,
    int_text,
    joined,
    minutes_text,
    or_empty,
    when,
)
from peermap.mapping.settings import EvidenceSettings


def overlapping_episode_pairs(
    table: EpisodeTable, settings: EvidenceSettings, max_pairs: int = 500_000
) -> tuple[np.ndarray, np.ndarray]:
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
    i, j = close_pairs(
        owner[keep],
        x[keep],
        y[keep],
        district[keep],
        table.start[owner[keep]],
        table.end[owner[keep]],
        settings.close_in_place_km * 1000.0,
        table.child,
        n,
        settings.overlap_least_share,
        max_pairs,
    )
    overlap = np.minimum(table.end[i], table.end[j]) - np.maximum(table.start[i], table.start[j])
    keep = overlap > 0
    return i[keep], j[keep]


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
        return empty_rows()
    lo, hi = np.maximum(table.start[i], table.start[j]), np.minimum(table.end[i], table.end[j])
    union = np.maximum(table.end[i], table.end[j]) - np.minimum(table.start[i], table.start[j])
    share = (hi - lo) / np.maximum(union, 1)
    codes = table.from_postcode.codes
    both_live = (codes[i] == codes[j]) & (codes[i] >= 0)
    if both_live.any():
        maybe = np.flatnonzero(both_live)
        both_live[maybe] = _both_live_there(
            pd.Series(table.child_refs[table.child[i[maybe]]], dtype="string"),
            pd.Series(table.child_refs[table.child[j[maybe]]], dtype="string"),
            table.from_postcode.at(i[maybe]),
            homes,
        )
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
    lo, hi, share, both_live = lo[best], hi[best], share[best], both_live[best]
    # the occasions' own arrays (tens of millions on a national year) are let go of before the rows are made
    del i, j, union, weight, ci, cj, first_child, pair, order, pair_sorted, head, group, bi, bj, keep_order
    rows = pd.DataFrame(
        {
            "kind": "overlapping",
            "a": table.children_at(ea),
            "b": table.children_at(eb),
            "tie_type": RISK,
            "weight": np.minimum(total, settings.overlap_most_per_pair),
            "unverified": False,
            "first_seen": from_seconds(first),
            "last_seen": from_seconds(last),
            "occasion_start": from_seconds(lo),
            "occasion_end": from_seconds(hi),
            "episode_a": table.episode_ids_at(ea),
            "episode_b": table.episode_ids_at(eb),
            "place": _where_both_live(both_live),
            "shared_share": share,
            "occasions": occasions,
            "record_a": ea,
            "record_b": eb,
            "record_a_type": EPISODE_RECORD,
            "record_b_type": EPISODE_RECORD,
        }
    )
    rows["distance_km"], rows["place_a"], rows["place_b"] = _closest_places(table, ea, eb)
    return typed_rows(rows)


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
    return text_series(
        pc.if_else(
            pa.array(np.asarray(both_live, dtype=bool)),
            pa.scalar(WHERE_BOTH_LIVE, pa.large_string()),
            pa.scalar(None, pa.large_string()),
        )
    )


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
    i, j = window_pairs(
        table.from_x,
        table.from_y,
        table.from_postcode.codes,
        table.start,
        settings.missing_together_hours * 3600,
        settings.same_place_metres,
        table.child,
    )
    if len(i) == 0:
        return empty_rows()
    postcode = table.from_postcode.at(i)
    same_postcode = (table.from_postcode.codes[i] == table.from_postcode.codes[j]) & (table.from_postcode.codes[i] >= 0)
    ra = table.children_at(i)
    rb = table.children_at(j)
    both_live = same_postcode & _both_live_there(ra, rb, postcode, homes)
    a, b = ordered_pairs(ra, rb)
    swap = (ra != a).to_numpy()
    weight = settings.missing_together_weight * np.where(both_live, settings.shared_home_factor, 1.0)
    apart = _apart_m(table.from_x, table.from_y, i, j)
    rows = pd.DataFrame(
        {
            "kind": "missing_together",
            "a": a,
            "b": b,
            "weight": weight,
            "tie_type": RISK,
            "unverified": False,
            "first_seen": from_seconds(np.minimum(table.start[i], table.start[j])),
            "last_seen": from_seconds(np.maximum(table.start[i], table.start[j])),
            "episode_a": table.episode_ids_at(np.where(swap, j, i)),
            "episode_b": table.episode_ids_at(np.where(swap, i, j)),
            "place": _where_both_live(both_live),
            "distance_km": apart / 1000.0,
            "minutes_apart": np.abs(table.start[i] - table.start[j]) / 60.0,
            "record_a": np.where(swap, j, i),
            "record_b": np.where(swap, i, j),
            "record_a_type": EPISODE_RECORD,
            "record_b_type": EPISODE_RECORD,
            "place_a": MISSING_FROM,
            "place_b": MISSING_FROM,
        }
    )
    return typed_rows(rows)


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
    i, j = window_pairs(
        table.found_x,
        table.found_y,
        table.found_key.codes,
        table.returned,
        settings.found_together_hours * 3600,
        settings.same_place_metres,
        table.child,
    )
    if len(i) == 0:
        return empty_rows()
    ra = table.children_at(i)
    a, b = ordered_pairs(ra, table.children_at(j))
    swap = (ra != a).to_numpy()
    apart = _apart_m(table.found_x, table.found_y, i, j)
    rows = pd.DataFrame(
        {
            "kind": "found_together",
            "a": a,
            "b": b,
            "weight": settings.found_together_weight,
            "tie_type": RISK,
            "unverified": False,
            "first_seen": from_seconds(np.minimum(table.returned[i], table.returned[j])),
            "last_seen": from_seconds(np.maximum(table.returned[i], table.returned[j])),
            "episode_a": table.episode_ids_at(np.where(swap, j, i)),
            "episode_b": table.episode_ids_at(np.where(swap, i, j)),
            "distance_km": apart / 1000.0,
            "minutes_apart": np.abs(table.returned[i] - table.returned[j]) / 60.0,
            "record_a": np.where(swap, j, i),
            "record_b": np.where(swap, i, j),
            "record_a_type": EPISODE_RECORD,
            "record_b_type": EPISODE_RECORD,
            "place_a": FOUND_AT,
            "place_b": FOUND_AT,
        }
    )
    return typed_rows(rows)


# -- in words ----------------------------------------------------------------------------------------------------------
def overlapping_sentences(rows: pd.DataFrame, records: EvidenceRecords, police: bool) -> pa.Array:
    """``missing at the same time: C-A missing ... and C-B missing ... (60% of their time missing shared), ...``."""
    ea, eb = column_of(rows, "record_a", np.int64), column_of(rows, "record_b", np.int64)
    at_a, at_b = column_of(rows, "place_a", np.int32), column_of(rows, "place_b", np.int32)
    a, b = records.episode_child(ea), records.episode_child(eb)
    times = column_of(rows, "occasions", np.int64)
    occasions = when(times > 1, joined(" on ", int_text(times), " occasions (the closest shown)"))
    shared = _shared_text(records, ea, eb)
    verb = pa.array(["went missing from", "was found at"], pa.large_string())
    verb_a, verb_b = pc.take(verb, np.maximum(at_a, 0)), pc.take(verb, np.maximum(at_b, 0))
    km = column_of(rows, "distance_km", float)
    district = records.episode_district(ea, at_a)
    apart = pc.coalesce(
        distance_text(km),
        joined("both in postcode district ", district),
        pa.scalar("in the same postcode district", pa.large_string()),
    )
    place_a, place_b = or_empty(records.episode_place(ea, at_a)), or_empty(records.episode_place(eb, at_b))
    same_place = np.asarray(pc.fill_null(pc.equal(place_a, place_b), False).to_numpy(zero_copy_only=False), bool)
    same_place &= np.asarray(pc.not_equal(place_a, EMPTY).to_numpy(zero_copy_only=False), bool)
    both = pc.take(pa.array(["went missing from", "were found at"], pa.large_string()), np.maximum(at_a, 0))
    where = pc.if_else(
        pa.array(same_place & (at_a == at_b)),
        joined("both ", both, " ", place_a),
        pc.if_else(
            pa.array(same_place),
            joined(a, " ", verb_a, " ", place_a, " and ", b, " ", verb_b, " the same place"),
            joined(a, " ", verb_a, " ", place_a, " and ", b, " ", verb_b, " ", place_b, ", ", apart),
        ),
    )
    return joined(
        "missing at the same time",
        occasions,
        ": ",
        a,
        " missing ",
        records.episode_span(ea),
        " and ",
        b,
        " missing ",
        records.episode_span(eb),
        " (",
        shared,
        "), ",
        where,
        _both_live(rows),
    )


def _shared_text(records: EvidenceRecords, ea: np.ndarray, eb: np.ndarray) -> pa.Array:
    """``40% of their time missing shared``, worked out from the times the sentence shows (not the capped
    times the weight uses), or ``one of them still missing`` when a share cannot be worked out from them."""
    start_a, start_b = records.start[ea], records.start[eb]
    end_a, end_b = records.returned[ea], records.returned[eb]
    open_ = (end_a == NO_TIME) | (end_b == NO_TIME)
    overlap = np.minimum(end_a, end_b) - np.maximum(start_a, start_b)
    union = np.maximum(end_a, end_b) - np.minimum(start_a, start_b)
    share = np.where(open_, 0.0, np.clip(overlap, 0, None) / np.maximum(union, 1))
    percent = joined(int_text(np.floor(share * 100 + 0.5)), "% of their time missing shared")  # half up, as SCHEMA.md
    return pc.if_else(pa.array(open_), pa.scalar("one of them still missing", pa.large_string()), percent)


def _both_live(rows: pd.DataFrame) -> pa.Array:
    return when(rows["place"].eq(WHERE_BOTH_LIVE).fillna(False).to_numpy(dtype=bool), ", where both live")


def _together(rows: pd.DataFrame, records: EvidenceRecords, verb: str, at: int) -> pa.Array:
    ea, eb = column_of(rows, "record_a", np.int64), column_of(rows, "record_b", np.int64)
    where = np.full(len(rows), at, dtype=np.int32)
    a, b = records.episode_child(ea), records.episode_child(eb)
    place_a, place_b = records.episode_place(ea, where), records.episode_place(eb, where)
    km = column_of(rows, "distance_km", float)
    same = np.asarray(pc.fill_null(pc.equal(place_a, place_b), False).to_numpy(zero_copy_only=False), dtype=bool)
    apart = when(~same & ~np.isnan(km), joined(", ", or_empty(distance_text(km))))
    preposition = " from " if at != FOUND_AT else " at "
    other_place = pc.if_else(pa.array(same), pa.scalar("the same place", pa.large_string()), or_empty(place_b))
    return joined(
        verb,
        " ",
        minutes_text(column_of(rows, "minutes_apart", float)),
        ": ",
        a,
        preposition,
        or_empty(place_a),
        " on ",
        or_empty(records.episode_time(ea, where)),
        " and ",
        b,
        preposition,
        other_place,
        " on ",
        or_empty(records.episode_time(eb, where)),
        apart,
        _both_live(rows),
    )


def missing_together_sentences(rows: pd.DataFrame, records: EvidenceRecords, police: bool) -> pa.Array:
    """``went missing 45 minutes apart: C-A from DH1 1AB on ... and C-B from DH1 1AD on ..., 78 m apart``."""
    return _together(rows, records, "went missing", MISSING_FROM)


def found_together_sentences(rows: pd.DataFrame, records: EvidenceRecords, police: bool) -> pa.Array:
    """``found 10 minutes apart: C-A at Wharton Park (DH1 3EB) on ... and C-B at the same place on ...``."""
    return _together(rows, records, "found", FOUND_AT)
