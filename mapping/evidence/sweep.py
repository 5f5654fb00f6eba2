"""The sweep search: pairs of things close in place and in time, without looking at every pair.

Nationally, hundreds of children are missing at any moment, so the searches
join on place and time together (:func:`close_pairs`). Each point (where an
episode started or ended) goes into buckets: a grid cell as wide as the
distance and its neighbours, or, without coordinates, a postcode district, a
postcode or a found-at place name. Within a bucket a sorted sweep
(:func:`interval_join`, ``numpy.searchsorted``) finds the points that start
while another is running. That is O(n log n + k) for n points and k candidate
pairs close in both place and time; pairs that merely overlap in time
somewhere else in the country are never looked at, and there is no Python
loop over episodes or pairs.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from peermap.graph_models.distinct_numbers import distinct_numbers
from peermap.mapping.evidence.episodes import NO_TIME


def interval_join(
    probe_key: np.ndarray,
    probe_start: np.ndarray,
    probe_end: np.ndarray,
    home_key: np.ndarray,
    home_start: np.ndarray,
    max_pairs: int = 500_000,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
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
    keys = distinct_numbers(home_key)  # the buckets that hold anything; probes elsewhere find nothing
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


def close_pairs(
    owner: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    fallback: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    radius_m: float,
    child: np.ndarray,
    n_owners: int,
    least_share: float = 0.0,
    max_pairs: int = 500_000,
) -> tuple[np.ndarray, np.ndarray]:
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

    def keep_pairs(a: np.ndarray, b: np.ndarray, o: np.ndarray, c: np.ndarray, s: np.ndarray, e: np.ndarray) -> None:
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
            for pi, hi in interval_join(
                cell + (dx * np.int64(1 << 31) + dy), p_start, p_reach, cell, p_start, max_pairs
            ):
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
            for pi, hi in interval_join(
                fallback[probes], start[probes], reach[probes], fallback[homes], start[homes], max_pairs
            ):
                keep_pairs(probes[pi], homes[hi], owner, point_child, start, end)
    return _unique_pairs(found, n_owners)


def window_pairs(
    x: np.ndarray,
    y: np.ndarray,
    key: np.ndarray,
    times: np.ndarray,
    window_seconds: float,
    radius_m: float,
    child: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i < j) of rows of different children at the same place (within ``radius_m``, or the same
    ``key`` without coordinates) whose times are at most ``window_seconds`` apart.

    Notes
    -----
    :func:`close_pairs` with each time widened to the interval ``[t, t + window]``:
    two such intervals overlap exactly when the times are within the window.
    """
    n = len(times)
    known = times != NO_TIME
    has_place = known & (~(np.isnan(x) | np.isnan(y)) | (key >= 0))
    rows = np.flatnonzero(has_place)
    if len(rows) < 2:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    width = np.int64(max(window_seconds, 0)) + 1
    return close_pairs(rows, x[rows], y[rows], key[rows], times[rows], times[rows] + width, radius_m, child, n)
