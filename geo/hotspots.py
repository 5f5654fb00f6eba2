"""Hot spots: places of concern grouped into small areas, ranked, with Getis-Ord Gi*.

A *place of concern* is a placed postcode where, in the period, a child was
found (``found_at``: an episode's ``found_at_postcode``/``found_at_place`` or a
``found_at`` link), is said to go (``frequents``) or to be exploited
(``exploitation_location``). Homes and placements never count (see
:func:`geo.places.at_home`): a child found at home, at a friend's home or at a
children's home is not a hot spot of risk.

Grouping, on British National Grid metres (EPSG:27700):

1. **Radius** (:attr:`HotspotSettings.radius_m`, 250 m): places are joined when one is within
   250 m of another, and areas grow through such chains (the groups of DBSCAN
   with ``eps=250``, ``min_samples=1``: a single place where many children are
   found is an area of its own, never "noise"; found as the connected components
   of the pairs a k-d tree gives, :func:`join_within`).
2. **Size cap** (:attr:`HotspotSettings.max_width_m`, 1 km): a group whose places spread over
   more than 800 m (1 km less the 100 m drawn around each edge,
   :attr:`HotspotSettings.buffer_m`) is cut into discs of 400 m radius, each centred on the
   place with most children around it (nearer ones weighing more), busiest
   first: no two places of one area are more than 800 m apart, and an area
   sits on a concentration of places rather than being cut through it. A
   road with a place every 100 m for 3 km becomes four areas, not one.
3. **Outline**: the convex hull of the area's places, drawn 100 m wider, so an
   area is never wider than 1 km.

Each area's measures come from the period's mentions of concern at its places:
distinct ``children`` (children placed in the same children's home counted
once: living together is not being missing together, and one home's
residents at their nearest bus stop is that home's pattern, not a hot spot;
``children_all`` counts every child), distinct ``episodes``, ``mentions``
(records), ``last_seen``. Areas are ranked by children, then episodes, then
the most recent ``last_seen``. Each area also carries the peer clusters of those
children (``clusters``; ``clusters_meet`` when two or more), the adults of
concern named in the same episodes or interviews (``adults_of_concern``), the
children's homes inside it (``contains_childrens_home``: the area is shown,
but its measures never include the home), and a Gi* z-score and p-value.

Gi* (Getis and Ord): distinct children per 500 m grid cell (:attr:`HotspotSettings.cell_m`)
over the cells with a place of concern and the ring of cells around them,
binary queen contiguity with each cell its own neighbour, computed by
``esda.G_Local(star=True, transform="B", permutations=0)``; an area takes the
value of its cell with most children. With fewer than :attr:`HotspotSettings.gi_min_cells`
cells, or fewer than :attr:`HotspotSettings.gi_min_occupied` occupied ones, or no variation,
the numbers do not allow it and ``gi_z``/``gi_p`` are null. ``gi_p`` is esda's
``p_norm``: the one-sided normal p-value of ``|z|``.

References
----------
Getis, A. and Ord, J. K. (1992) The analysis of spatial association by use of
distance statistics. Geographical Analysis 24(3).
Ord, J. K. and Getis, A. (1995) Local spatial autocorrelation statistics:
distributional issues and an application. Geographical Analysis 27(4).
Ester, M. et al. (1996) A density-based algorithm for discovering clusters
(DBSCAN). KDD-96.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import Iterator

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from peermap.geo.emerging import emerging, sentence, series_of
from peermap.geo.places import (
    CONCERN_ROLES,
    HOME_KINDS,
    ROLES,
    Homes,
    at_home,
    home_mentions,
    homes_of,
    locate,
    place_mentions,
    place_table,
    role_table,
)
from peermap.geo.postcodes import PostcodeIndex, default_index
from peermap.geo.trends import area_trends
from peermap.graph_models.distinct_numbers import distinct_numbers
from peermap.graph_models.local_time import LOCAL_TIMES
from peermap.mapping.periods import LOOKBACK_MONTHS, lookback_window, time_bins

BNG = "EPSG:27700"


@dataclass(frozen=True)
class HotspotSettings:
    """How places are grouped into hot-spot areas, and when an area's Gi* score is worked out.

    Distances are straight lines in metres on the British National Grid.

    Parameters
    ----------
    radius_m : float, default 250
        Two places of concern within this many metres of each other (about
        three minutes' walk) join one hot-spot area, and so does a place within
        this distance of any place already in it (single linkage): a run of
        shops along one street is one area.
    max_width_m : float, default 1000
        No area is wider than this, its outline included: a chain of places
        across a whole town is cut into areas of at most a kilometre, small
        enough to patrol or to name in a meeting.
    buffer_m : float, default 100
        An area's outline is drawn this far around its places, so an area of
        one place is still a shape on the map.
    cell_m : float, default 500
        The side of the square grid cells the Getis-Ord Gi* score is worked
        out over: each cell counts the distinct children found, frequenting or
        exploited there, and a cell together with its eight neighbours is
        compared with the whole grid.
    gi_min_cells : int, default 30
        Gi* is worked out only when the grid (the cells with children and the
        ring of empty cells around them) has at least this many cells; with
        fewer, a score would rest on too little to say whether a place stands
        out, and the area shows no score rather than a misleading one.
    gi_min_occupied : int, default 3
        ... and only when at least this many cells have a child in them.
    min_children : int, default 1
        An area is "active" in a month (or week) of its series when at least
        this many children were found, frequenting or exploited there in it;
        the emerging patterns (new, persistent, historical, ...) are read from
        the months it was active.
    trend_alpha : float, default 0.05
        A rise or fall in an area's children month by month counts as a real
        trend (intensifying, diminishing) when a Mann-Kendall test's p-value,
        adjusted for the number of areas tested (Benjamini-Hochberg), is
        below this: with hundreds of areas, some would look like trends by
        chance alone.
    """

    radius_m: float = 250.0
    max_width_m: float = 1000.0
    buffer_m: float = 100.0
    cell_m: float = 500.0
    gi_min_cells: int = 30
    gi_min_occupied: int = 3
    min_children: int = 1
    trend_alpha: float = 0.05

    def as_dict(self) -> dict:
        """The settings by name, for the manifest (so a pack says how it was made)."""
        return asdict(self)


DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


# -- grouping ----------------------------------------------------------------------------------------------------
def _peel(xy: np.ndarray, weight: np.ndarray, max_span_m: float) -> np.ndarray:
    """Cut one over-wide group into discs of radius ``max_span_m / 2`` around its busiest places.

    Each place scores the weight (children) around it within the radius, each
    neighbour weighted by ``1 - (d / radius)²`` so that nearer counts more (an
    Epanechnikov kernel density). Repeatedly, the place with the highest score
    becomes a centre and every place left within the radius joins its area;
    the scores are then updated for what was taken. Any two places of an area
    are at most ``max_span_m`` apart, and an area sits on a concentration of
    places rather than being cut through it. Ties go to the first place
    (places come in postcode order), so it is deterministic.
    """
    import scipy.sparse as sp
    from scipy.spatial import cKDTree

    n = len(xy)
    radius = max_span_m / 2
    pairs = cKDTree(xy).query_pairs(radius, output_type="ndarray")
    rows = np.concatenate([pairs[:, 0], pairs[:, 1], np.arange(n)])
    cols = np.concatenate([pairs[:, 1], pairs[:, 0], np.arange(n)])
    d = np.hypot(*(xy[rows] - xy[cols]).T)
    kernel = np.clip(1 - (d / radius) ** 2, 0, None)
    near = sp.csr_array((kernel, (rows, cols)), shape=(n, n))
    near.sort_indices()
    indptr, indices, data = near.indptr, near.indices, near.data
    score = np.bincount(rows, weights=weight[cols] * kernel, minlength=n)
    alive = np.ones(n, bool)
    labels = np.full(n, -1, np.int64)
    area = 0
    while alive.any():
        centre = int(np.argmax(np.where(alive, score, -np.inf)))
        members = indices[indptr[centre] : indptr[centre + 1]]
        members = members[alive[members]]
        labels[members] = area
        alive[members] = False
        # the places taken no longer add to their neighbours' scores
        spans = [np.arange(indptr[m], indptr[m + 1]) for m in members]
        edges = np.concatenate(spans)
        np.subtract.at(score, indices[edges], np.repeat(weight[members], [len(e) for e in spans]) * data[edges])
        area += 1
    return labels


def join_within(xy: np.ndarray, radius_m: float) -> np.ndarray:
    """A group label per point: points at most ``radius_m`` apart are joined, and groups grow through chains of
    them (single linkage cut at the radius; the groups of DBSCAN with ``min_samples=1``).

    The connected components of the pairs SciPy's k-d tree finds within the radius, in O(n log n + p) for n
    points and p pairs: the groups scikit-learn's DBSCAN gives, several times faster on a national year's
    places (``benchmarks/bench_hotspots.py`` times both; the grouping runs for the period and again for each
    earlier period of the trend).

    Examples
    --------
    >>> join_within(np.array([[0.0, 0.0], [250.0, 0.0], [500.0, 0.0], [900.0, 0.0]]), 250).tolist()
    [0, 0, 0, 1]
    """
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components
    from scipy.spatial import cKDTree

    n = len(xy)
    pairs = cKDTree(xy).query_pairs(radius_m, output_type="ndarray")
    joined = sp.coo_array((np.ones(len(pairs), bool), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    return connected_components(joined, directed=False)[1].astype(np.int64)


def group_places(
    easting,
    northing,
    weights=None,
    *,
    radius_m: float = HotspotSettings.radius_m,
    max_width_m: float = HotspotSettings.max_width_m,
    buffer_m: float = HotspotSettings.buffer_m,
) -> np.ndarray:
    """Group points (BNG metres) into compact areas: joined within ``radius_m`` (:func:`join_within`), then a
    size cap.

    Parameters
    ----------
    easting, northing : array-like of float
        One point per place (distinct postcodes).
    weights : array-like of float, optional
        How much each place weighs when an over-wide group is cut (distinct
        children there); 1 each by default.
    radius_m : float
        Points this close join one area, and areas grow through chains of them.
    max_width_m, buffer_m : float
        No two points of an area end up more than ``max_width_m - 2 * buffer_m``
        apart, so the outline drawn ``buffer_m`` around them is at most
        ``max_width_m`` wide. A group wider than that is cut into discs around
        its busiest places (:func:`_peel`).

    Returns
    -------
    numpy.ndarray of int
        An area label per point, 0 to k-1, numbered in order of first point.

    Examples
    --------
    >>> group_places([0, 100, 5000], [0, 0, 0]).tolist()
    [0, 0, 1]
    >>> chain = group_places(np.arange(0, 3001, 100), np.zeros(31))
    >>> len(set(chain.tolist()))
    4

    Notes
    -----
    Joining is O(n log n) with a k-d tree for n points; only groups whose
    bounding box is wider than the cap are cut, each in O(g·d + k·g) for g
    places with d neighbours each, cut into k areas.
    """
    xy = np.column_stack([np.asarray(easting, float), np.asarray(northing, float)])
    if len(xy) == 0:
        return np.empty(0, np.int64)
    weight = np.ones(len(xy)) if weights is None else np.asarray(weights, float)
    labels = join_within(xy, radius_m)
    max_span = max_width_m - 2 * buffer_m
    frame = pd.DataFrame({"label": labels, "x": xy[:, 0], "y": xy[:, 1]})
    box = frame.groupby("label").agg(x0=("x", "min"), x1=("x", "max"), y0=("y", "min"), y1=("y", "max"))
    diagonal = np.hypot(box["x1"] - box["x0"], box["y1"] - box["y0"])
    wide = box.index[diagonal.to_numpy() > max_span].to_numpy()
    if len(wide):
        next_label = int(labels.max()) + 1
        order = np.argsort(labels, kind="stable")
        starts = np.searchsorted(labels[order], wide)
        ends = np.searchsorted(labels[order], wide, side="right")
        for s, e in zip(starts, ends):
            members = order[s:e]
            sub = _peel(xy[members], weight[members], max_span)
            labels[members] = next_label + sub
            next_label += int(sub.max()) + 1
    _, first = np.unique(labels, return_index=True)
    renumber = np.empty(labels.max() + 1, np.int64)
    renumber[labels[np.sort(first)]] = np.arange(len(first))
    return renumber[labels]


def outlines(easting, northing, labels, *, buffer_m: float = HotspotSettings.buffer_m) -> np.ndarray:
    """Each area's outline: the convex hull of its points drawn ``buffer_m`` wider (shapely polygons)."""
    labels = np.asarray(labels)
    if len(labels) == 0:
        return np.empty(0, dtype=object)
    coords = np.column_stack([np.asarray(easting, float), np.asarray(northing, float)])
    order = np.argsort(labels, kind="stable")
    points = shapely.multipoints(coords[order], indices=labels[order])
    return shapely.buffer(shapely.convex_hull(points), buffer_m, quad_segs=8)


# -- Gi* ---------------------------------------------------------------------------------------------------------
def queen_adjacency(ix, iy):
    """Binary queen contiguity between grid cells given by integer column ``ix`` and row ``iy``, each cell its
    own neighbour (Gi*), as a ``scipy.sparse.csr_array`` over cells ``0..n-1``.

    Vectorised: the eight neighbours of every cell are found with one sorted look-up each.
    """
    import scipy.sparse as sp

    ix = np.asarray(ix, np.int64)
    iy = np.asarray(iy, np.int64)
    n = len(ix)
    span = int(iy.max() - iy.min()) + 3 if n else 1
    key = (ix - (ix.min() if n else 0) + 1) * span + (iy - (iy.min() if n else 0) + 1)
    order = np.argsort(key)
    sorted_key = key[order]
    focal, neighbour = [], []
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            if dx == 0 and dy == 0:
                focal.append(np.arange(n))
                neighbour.append(np.arange(n))
                continue
            want = key + dx * span + dy
            pos = np.minimum(np.searchsorted(sorted_key, want), n - 1)
            hit = sorted_key[pos] == want
            focal.append(np.flatnonzero(hit))
            neighbour.append(order[pos[hit]])
    focal = np.concatenate(focal) if focal else np.empty(0, np.int64)
    neighbour = np.concatenate(neighbour) if neighbour else np.empty(0, np.int64)
    return sp.csr_array((np.ones(len(focal)), (focal, neighbour)), shape=(n, n))


class _GridWeights:
    """A study grid's binary weights in the form esda's ``G_Local`` reads: ``sparse`` (each cell its own
    neighbour already, so esda adds no diagonal), ``n`` and a binary ``transform``.

    libpysal's ``Graph`` holds its weights as pandas frames: building one, adding the diagonal and turning it
    back into a sparse matrix took most of Gi*'s time on a national year (a grid per month of the look-back).
    The statistic and its p-values are still esda's own (``G_Local.calc``).
    """

    transformation = "B"

    def __init__(self, sparse):
        self.sparse, self.n = sparse, sparse.shape[0]

    def transform(self, transformation: str) -> "_GridWeights":
        if transformation.upper() != "B":
            raise ValueError("the study grid's weights are binary")
        return self


def gi_star(ix, iy, values) -> tuple[np.ndarray, np.ndarray]:
    """Getis-Ord Gi* z-scores and p-values of ``values`` on the grid cells ``(ix, iy)``, by esda.

    Binary queen contiguity, each cell counted as its own neighbour (Gi*, not
    Gi). Returns ``(z, p)`` with esda's ``Zs`` and ``p_norm`` (one-sided normal
    p-value of ``|z|``); NaN where undefined (no variation, or a cell whose
    neighbourhood is the whole grid).

    Examples
    --------
    >>> ix, iy = np.divmod(np.arange(36), 6)
    >>> values = np.zeros(36); values[14] = 9
    >>> z, p = gi_star(ix, iy, values)
    >>> int(np.argmax(z)) in (7, 8, 9, 13, 14, 15, 19, 20, 21)
    True

    Notes
    -----
    O(n) for n cells: esda computes the statistic with one sparse product
    (``permutations=0``: no simulation, analytical moments only).
    """
    import warnings

    from esda.getisord import G_Local

    values = np.asarray(values, float)
    if len(values) < 2 or np.all(values == values[0]):
        nan = np.full(len(values), np.nan)
        return nan, nan.copy()
    weights = _GridWeights(queen_adjacency(ix, iy))
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore")
        result = G_Local(values, weights, transform="B", star=True, permutations=0)
    return np.asarray(result.Zs, float), np.asarray(result.p_norm, float)


def study_grid(ix, iy, values) -> pd.DataFrame:
    """The grid Gi* runs on: the occupied cells and the ring of empty cells around them.

    Parameters
    ----------
    ix, iy : array-like of int
        Column and row of each occupied cell (``floor(metres / cell side)``).
    values : array-like of float
        The value of each occupied cell.

    Returns
    -------
    pandas.DataFrame
        ``ix``, ``iy``, ``value`` (zero on the ring), sorted by column then row.
    """
    ix, iy = np.asarray(ix, np.int64), np.asarray(iy, np.int64)
    values = np.asarray(values, float)
    if len(ix) == 0:
        return pd.DataFrame({"ix": ix, "iy": iy, "value": values})
    # each cell as one whole number (column-major, so sorting the numbers sorts by column then row)
    x0, y0 = ix.min() - 1, iy.min() - 1
    height = int(iy.max() - y0) + 2
    shifts = np.array([(dx, dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1)])
    ring = ((ix[:, None] + shifts[:, 0] - x0) * height + (iy[:, None] + shifts[:, 1] - y0)).ravel()
    cells = distinct_numbers(ring)
    occupied = (ix - x0) * height + (iy - y0)
    order = np.argsort(occupied, kind="stable")
    at = np.searchsorted(occupied[order], cells).clip(max=len(order) - 1)
    hit = occupied[order][at] == cells
    value = np.where(hit, values[order][at], 0.0)
    return pd.DataFrame({"ix": cells // height + x0, "iy": cells % height + y0, "value": value})


# -- areas -------------------------------------------------------------------------------------------------------


def concern_mentions(located: pd.DataFrame, homes: Homes) -> pd.DataFrame:
    """The placed mentions that count toward areas: concern roles, not at a home.

    Adds ``unit_code``, what an area's ``children`` counts: the child, or for
    a child placed in a children's home, that home (see :func:`build_areas`).
    """
    concern = [ROLES.index(r) for r in CONCERN_ROLES]
    sub = located[np.isin(located["role_code"].to_numpy(), concern)]
    sub = sub[~at_home(sub, homes).to_numpy(bool)].reset_index(drop=True)
    # children placed in one children's home count once: unit = the home, else the child
    home_codes, _ = pd.factorize(pd.Series(homes.resident_of, dtype="string"))
    child = sub["child_code"].to_numpy()
    home = np.append(home_codes, -1)[child]
    sub["unit_code"] = np.where(home >= 0, len(homes.resident_of) + home, child)
    return sub


def _distinct(labels: np.ndarray, codes: np.ndarray, n: int) -> np.ndarray:
    """Distinct non-negative ``codes`` per label ``0..n-1`` (one sort, no Python loop)."""
    keep = codes >= 0
    if not keep.any():
        return np.zeros(n, np.int64)
    width = int(codes.max()) + 1
    pairs = distinct_numbers(labels[keep].astype(np.int64) * width + codes[keep])
    return np.bincount(pairs // width, minlength=n)


def build_areas(
    counted: pd.DataFrame, settings: HotspotSettings | None = None, measured: np.ndarray | None = None
) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """Group the counted mentions' places into areas and measure each (unranked).

    Returns the areas (``label``, ``geometry`` in BNG, ``easting``/``northing``
    of the centre, ``places``, ``children``, ``episodes``, ``mentions``,
    ``unverified``, ``first_seen``, ``last_seen``) and the area label of every
    mention. With ``measured`` (a mask of the mentions), the areas are drawn
    from every mention (the look-back window: areas held fixed) but measured on
    the masked ones only (the period); areas with none measure 0.
    """
    s = settings or HotspotSettings()
    if counted.empty:
        empty = gpd.GeoDataFrame({"label": pd.Series([], dtype="int64")}, geometry=gpd.GeoSeries([], crs=BNG))
        for c in ("easting", "northing"):
            empty[c] = pd.Series([], dtype=float)
        for c in ("places", "children", "children_all", "episodes", "mentions", "unverified"):
            empty[c] = pd.Series([], dtype="int64")
        for c in ("first_seen", "last_seen"):
            empty[c] = pd.Series([], dtype=LOCAL_TIMES)
        return empty, np.empty(0, np.int64)
    codes, _ = pd.factorize(counted["pc_code"])
    _, first = np.unique(codes, return_index=True)
    e = counted["easting"].to_numpy(float)
    n = counted["northing"].to_numpy(float)
    units = counted["unit_code"].to_numpy()
    weight = _distinct(codes, units, len(first)).astype(float)
    place_label = group_places(
        e[first], n[first], weight, radius_m=s.radius_m, max_width_m=s.max_width_m, buffer_m=s.buffer_m
    )
    label = place_label[codes]
    k = int(place_label.max()) + 1
    geometry = outlines(e[first], n[first], place_label, buffer_m=s.buffer_m)
    mask = np.ones(len(counted), bool) if measured is None else np.asarray(measured, bool)
    lab = label[mask]
    seen = counted["seen_at"][mask]
    g = seen.groupby(lab, sort=True)
    areas = pd.DataFrame(
        {
            "places": np.bincount(place_label, minlength=k),
            "mentions": np.bincount(lab, minlength=k),
            "unverified": np.bincount(lab, weights=counted["unverified"].to_numpy(float)[mask], minlength=k).astype(
                np.int64
            ),
            "first_seen": g.min().reindex(range(k)).to_numpy(),
            "last_seen": g.max().reindex(range(k)).to_numpy(),
            "children": _distinct(lab, units[mask], k),
            "children_all": _distinct(lab, counted["child_code"].to_numpy()[mask], k),
            "episodes": _distinct(lab, counted["ep_code"].to_numpy()[mask], k),
            "easting": np.bincount(label, weights=e, minlength=k) / np.bincount(label, minlength=k),
            "northing": np.bincount(label, weights=n, minlength=k) / np.bincount(label, minlength=k),
        }
    )
    areas.index.name = "label"
    out = gpd.GeoDataFrame(areas.reset_index(), geometry=list(geometry), crs=BNG)
    return out, label


def _rank(areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Rank by distinct children, then episodes, then most recent; the centre breaks exact ties."""
    seen = areas["last_seen"]
    # seconds since the epoch, larger is more recent; an area with nothing in the period sorts last
    last = (seen - pd.Timestamp(0, tz="UTC")).dt.total_seconds().fillna(-np.inf).to_numpy()
    window = areas["window_children"].to_numpy() if "window_children" in areas else np.zeros(len(areas), np.int64)
    order = np.lexsort(
        (
            areas["northing"].to_numpy(),
            areas["easting"].to_numpy(),
            -window,
            -last,
            -areas["episodes"].to_numpy(),
            -areas["children"].to_numpy(),
        )
    )
    ranked = areas.iloc[order].reset_index(drop=True)
    ranked.insert(0, "rank", np.arange(1, len(ranked) + 1))
    ranked.insert(1, "area", [f"H{r}" for r in ranked["rank"]])
    return ranked


def _lists(labels, values, order, numeric: bool = False) -> pd.Series:
    """Sorted distinct ``values`` per label as tuples, indexed by ``order`` (empty tuple where none).

    With ``numeric``, the values are whole numbers (cluster numbers), sorted as
    numbers and kept as ints (``(4, 12)``, never ``("12.0", "4.0")``).
    One sort and one split: no per-group pandas call, so 100,000 areas take well under a second.
    """
    order = pd.Index(order)
    if numeric:
        value = pd.array(pd.to_numeric(pd.Series(values, dtype=object), errors="coerce"), dtype="Int64")
    else:
        value = pd.Series(values, dtype="string").to_numpy()
    frame = pd.DataFrame({"label": np.asarray(labels), "value": value})
    frame = frame.dropna().drop_duplicates().sort_values(["label", "value"], kind="stable")
    if numeric:
        frame["value"] = frame["value"].astype(np.int64).astype(object)
    out = pd.Series([()] * len(order), index=order, dtype=object)
    if frame.empty:
        return out
    lab = frame["label"].to_numpy()
    starts = np.flatnonzero(np.r_[True, lab[1:] != lab[:-1]])
    chunks = np.split(frame["value"].to_numpy(dtype=object), starts[1:])
    found = pd.Series([tuple(c) for c in chunks], index=lab[starts], dtype=object)
    hit = np.asarray(order.isin(found.index), bool)
    values = np.empty(len(order), dtype=object)
    values[:] = [()] * len(order)
    values[hit] = found.reindex(order[hit]).to_numpy()
    return pd.Series(values, index=order, dtype=object)


def _adults_of_concern(dataset, include_handling_c: bool, given) -> pd.DataFrame:
    """Associate links to adults of concern: ``associate_ref``, ``episode_id``, ``rthi_id``."""
    links = dataset.links
    is_assoc = links["target_type"].eq("associate").fillna(False).astype(bool)
    if not include_handling_c:
        is_assoc &= ~links["handling"].eq("C").fillna(False).astype(bool)
    lk = links[is_assoc]
    if given is None:
        refs = set(lk.loc[lk["role"].eq("adult_of_concern").fillna(False).astype(bool), "associate_ref"].dropna())
        assoc = dataset.associates
        refs |= set(assoc.loc[assoc["role"].eq("adult_of_concern").fillna(False).astype(bool), "ref"].dropna())
    else:
        refs = set(given)
    lk = lk[lk["associate_ref"].isin(pd.Index(sorted(refs), dtype="string")).fillna(False).astype(bool)]
    return lk[["associate_ref", "episode_id", "rthi_id"]]


def _link_adults(m: pd.DataFrame, aoc: pd.DataFrame, labels: pd.Index) -> pd.Series:
    """Adults of concern named in the same episode or interview as an area's mentions."""
    pairs = []
    for column in ("episode_id", "rthi_id"):
        right = aoc.loc[aoc[column].notna(), [column, "associate_ref"]].drop_duplicates()
        named = m[column].isin(pd.Index(right[column].unique())).fillna(False).to_numpy(bool)
        left = m.loc[named, ["label", column]].drop_duplicates()
        if len(left) and len(right):
            pairs.append(left.merge(right, on=column)[["label", "associate_ref"]])
    if not pairs:
        return pd.Series([()] * len(labels), index=labels, dtype=object)
    joined = pd.concat(pairs)
    return _lists(joined["label"].to_numpy(), joined["associate_ref"], labels)


def _gi_per_area(m: pd.DataFrame, s: HotspotSettings) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Gi* over the study grid (distinct children per cell), and each area's value (its busiest cell)."""
    cols = pd.DataFrame(
        {
            "label": m["label"].to_numpy(),
            "ix": np.floor(m["easting"].to_numpy() / s.cell_m).astype(np.int64),
            "iy": np.floor(m["northing"].to_numpy() / s.cell_m).astype(np.int64),
            "child_ref": m["unit_code"].to_numpy(),
        }
    )
    per_cell = cols[["ix", "iy", "child_ref"]].drop_duplicates().groupby(["ix", "iy"]).size().reset_index()
    grid = study_grid(per_cell["ix"], per_cell["iy"], per_cell[0])
    occupied = per_cell
    enough = len(grid) >= s.gi_min_cells and len(occupied) >= s.gi_min_occupied
    if enough:
        z, p = gi_star(grid["ix"], grid["iy"], grid["value"])
    else:
        z = p = np.full(len(grid), np.nan)
    grid["gi_z"], grid["gi_p"] = z, p
    busiest = cols.drop_duplicates(["label", "ix", "iy", "child_ref"]).groupby(["label", "ix", "iy"]).size()
    busiest = (
        busiest.rename("n").reset_index().sort_values(["label", "n", "ix", "iy"], ascending=[True, False, True, True])
    )
    busiest = busiest.drop_duplicates("label").merge(grid, on=["ix", "iy"], how="left")
    return busiest.set_index("label")[["gi_z", "gi_p"]], grid


def _time_of_day(m: pd.DataFrame, areas: pd.DataFrame) -> pd.DataFrame:
    """Episodes per area by day of week and hour of day (when the child was there, local time)."""
    columns = ["area", "rank", "weekday", "day", "hour", "episodes"]
    with_ep = m[m["ep_code"].to_numpy() >= 0].sort_values("seen_at").drop_duplicates(["label", "ep_code"])
    if with_ep.empty:
        return pd.DataFrame(
            {
                c: pd.Series([], dtype="int64" if c in ("rank", "weekday", "hour", "episodes") else "string")
                for c in columns
            }
        )
    t = with_ep["seen_at"]
    frame = pd.DataFrame(
        {"label": with_ep["label"].to_numpy(), "weekday": t.dt.day_of_week.to_numpy(), "hour": t.dt.hour.to_numpy()}
    )
    counts = frame.groupby(["label", "weekday", "hour"]).size().rename("episodes").reset_index()
    lookup = areas.set_index("label")[["area", "rank"]]
    counts = counts.join(lookup, on="label")
    counts["day"] = np.array(DAYS, dtype=object)[counts["weekday"].to_numpy()]
    return counts.sort_values(["rank", "weekday", "hour"], ignore_index=True)[columns]


def _peaks(time_of_day: pd.DataFrame, areas: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(index=areas["area"])
    if time_of_day.empty:
        out["peak_day"] = pd.Series(pd.NA, index=out.index, dtype="string")
        out["peak_hour"] = pd.Series(pd.NA, index=out.index, dtype="Int64")
        return out
    by_day = time_of_day.groupby(["area", "weekday"])["episodes"].sum().reset_index()
    by_day = by_day.sort_values(["area", "episodes", "weekday"], ascending=[True, False, True])
    by_hour = time_of_day.groupby(["area", "hour"])["episodes"].sum().reset_index()
    by_hour = by_hour.sort_values(["area", "episodes", "hour"], ascending=[True, False, True])
    day = by_day.drop_duplicates("area").set_index("area")["weekday"]
    hour = by_hour.drop_duplicates("area").set_index("area")["hour"]
    out["peak_day"] = day.reindex(out.index).map(lambda d: DAYS[int(d)], na_action="ignore").astype("string")
    out["peak_hour"] = hour.reindex(out.index).astype("Int64")
    return out


def _by_place(located: pd.DataFrame, role: str, kinds: pd.DataFrame) -> pd.DataFrame:
    """Children, episodes and last date per placed postcode for one role (missing-from, safe places)."""
    columns = [
        "place",
        "postcode",
        "district",
        "kind",
        "home",
        "children",
        "episodes",
        "mentions",
        "last_seen",
        "easting",
        "northing",
        "lon",
        "lat",
    ]
    sub = located[located["role"].eq(role).fillna(False).to_numpy(bool)]
    if sub.empty:
        return pd.DataFrame(columns=columns)
    roles = role_table(sub)
    out = roles.merge(kinds, on="postcode", how="left")
    out = out.sort_values(["episodes", "children", "postcode"], ascending=[False, False, True], ignore_index=True)
    return out[columns]


def _place_tables(mentions: pd.DataFrame, listed: pd.DataFrame, homes: Homes) -> tuple[pd.DataFrame, ...]:
    """The period's place roles and places (:func:`geo.places.role_table`, :func:`geo.places.place_table`), and
    the places episodes start from and the safe places (:func:`_by_place`): all read the placed mentions only."""
    roles = role_table(mentions)
    places = place_table(mentions, roles, listed, homes)
    kinds = places[["postcode", "place", "district", "kind", "home", "easting", "northing", "lon", "lat"]].copy()
    return roles, places, _by_place(mentions, "missing_from", kinds), _by_place(mentions, "safe_place", kinds)


def _widths(outlines) -> np.ndarray:
    """Each area's width in metres: the diameter of the smallest circle around its outline, to 0.1 m."""
    return np.round(shapely.minimum_bounding_radius(outlines) * 2, 1) if len(outlines) else np.empty(0)


def _times_of_day(m: pd.DataFrame, m_all: pd.DataFrame, areas: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`_time_of_day` of the period and of the look-back window (the same when the window is the period)."""
    period = _time_of_day(m, areas)
    return period, period.copy() if len(m_all) == len(m) else _time_of_day(m_all, areas)


@dataclass
class PlacesResult:
    """Everything :func:`analyse_places` finds for one period.

    Attributes
    ----------
    period : mapping.periods.Period or None
    areas : geopandas.GeoDataFrame
        Hot-spot areas in rank order, BNG polygons (``rank``, ``area``, ``name`` (for people: a public
        ``places.csv`` place, or the nearest town or village and postcode sector; unique),
        ``children``, ``children_all``, ``episodes``, ``mentions``,
        ``unverified``, ``first_seen``, ``last_seen``, ``places``,
        ``postcodes``, ``place_names``, ``district``, ``clusters``,
        ``n_clusters``, ``clusters_meet``, ``adults_of_concern``,
        ``n_adults_of_concern``, ``contains_childrens_home``,
        ``childrens_homes``, ``episodes_from_childrens_homes``, ``gi_z``,
        ``gi_p``, ``peak_day``, ``peak_hour``, ``trend``,
        ``previous_episodes``, ``periods_present``, ``width_m``, ``lon``,
        ``lat``, ``easting``, ``northing``).
    places : geopandas.GeoDataFrame
        One row per placed postcode (see :func:`geo.places.place_table`), BNG
        points, with the ``area`` its mentions of concern count toward.
    place_roles : pandas.DataFrame
        Children and episodes per place and role.
    missing_from : pandas.DataFrame
        Places episodes start from (children's homes, family homes, ...), most
        episodes first.
    safe_places : pandas.DataFrame
        Places recorded as safe, shown apart, never counted as risk.
    time_of_day : pandas.DataFrame
        Episodes per area by weekday (0 = Monday) and hour, local time.
    time_of_day_window : pandas.DataFrame
        The same over the look-back window.
    unplaced : pandas.DataFrame
        Names and postcodes that could not be placed, with the reason.
    mentions : pandas.DataFrame
        Every placed mention in the period, ``counted`` where it counts toward
        an area (its ``area``), for drill-down and district counts.
    gi_grid : pandas.DataFrame
        The grid cells Gi* ran on (``ix``, ``iy``, ``value``, ``gi_z``, ``gi_p``).
    includes_handling_c : bool
        Whether police-only intelligence (handling ``C``) went into it.
    window : mapping.periods.Period or None
        The look-back window the areas were drawn over (``None`` with no period).
    lookback : int or None
        Its length in months.
    bins : list of mapping.periods.TimeBin
        The bins of each area's ``series``, oldest first.
    """

    period: object
    areas: gpd.GeoDataFrame
    places: gpd.GeoDataFrame
    place_roles: pd.DataFrame
    missing_from: pd.DataFrame
    safe_places: pd.DataFrame
    time_of_day: pd.DataFrame
    time_of_day_window: pd.DataFrame
    unplaced: pd.DataFrame
    mentions: pd.DataFrame
    gi_grid: pd.DataFrame
    includes_handling_c: bool = True
    settings: HotspotSettings = field(default_factory=HotspotSettings)
    postcodes: PostcodeIndex | None = None
    window: object = None
    lookback: int | None = None
    bins: list = field(default_factory=list)

    @cached_property
    def orientation(self):
        """Towns, villages and postcode-district outlines around the data (:mod:`geo.orientation`), made once."""
        from peermap.geo.orientation import orientation

        districts = set(self.places["district"].dropna()) | set(self.areas["district"].dropna())
        return orientation(self.postcodes if self.postcodes is not None else default_index(), districts)


def _periods(period, history_periods: int, covers_from: str | None = None) -> list:
    """The period and the earlier ones its trend looks at, back to the one where the data's coverage starts
    (``covers_from``, ISO date): a period that ends before it holds no data yet; it is unknown, not a period with
    nothing in it, so it is left out (in the data's first period there is no trend)."""
    if period is None:
        return [None]
    out = [period]
    for _ in range(max(history_periods, 1) - 1):
        earlier = out[-1].previous()
        if covers_from is not None and earlier.end.isoformat() < covers_from:
            break
        out.append(earlier)
    return out


def _in(period, times: pd.Series) -> np.ndarray:
    if period is None:
        return np.ones(len(times), bool)
    return period.contains(times).to_numpy(bool)


@contextmanager
def _second_thread() -> Iterator[ThreadPoolExecutor]:
    """A second thread for the parts of the hot spots that read only what is made already.

    Those parts (the links to adults of concern, the earlier periods' mentions placed, the place tables, the
    areas' widths, the time of day) spend most of their time in pandas' hashing, Arrow and shapely, which let
    go of the interpreter lock: on a national year they run on the second core while the areas are drawn and
    measured. Each is given what it reads and nothing changes that meanwhile, so the result is the one made
    one after the other. On an error or Ctrl-C the part under way is waited for; those not started are not.
    """
    with ThreadPoolExecutor(1, thread_name_prefix="hot spots beside") as beside:
        try:
            yield beside
        except BaseException:
            beside.shutdown(cancel_futures=True)
            raise


def analyse_places(
    dataset,
    period,
    postcodes: PostcodeIndex | None = None,
    cluster_of=None,
    adults_of_concern=None,
    history_periods: int = 4,
    *,
    include_handling_c: bool = True,
    settings: HotspotSettings | None = None,
    lookback: int | None = LOOKBACK_MONTHS,
    covers_from: str | None = None,
) -> PlacesResult:
    """Places, hot-spot areas, missing-from places, safe places and trends for one period.

    Parameters
    ----------
    dataset : graph_models.dataset.Dataset
    period : mapping.periods.Period or None
        Mentions count when their episode's ``missing_at`` (or, for a link
        with no episode, its ``recorded_at``) is in it; ``None`` = everything
        (and no trend).
    postcodes : PostcodeIndex, optional
        The embedded Code-Point Open index when ``None``.
    cluster_of : mapping of child ref → cluster id, optional
        From the peer-network analysis; each area lists its children's clusters.
    adults_of_concern : iterable of associate refs, optional
        From the peer-network analysis; by default the associates any link or
        ``associates.csv`` gives the role ``adult_of_concern``.
    history_periods : int, default 4
        Periods looked at for the trend, this one included (see :mod:`geo.trends`), but none that ends
        before the data's first episode: in the data's first period no area is "new", there is no trend.
    include_handling_c : bool, default True
        False leaves out police-only intelligence (handling ``C``): use it for
        the ``meeting`` and ``board`` audiences.
    settings : HotspotSettings, optional
        Radius, size cap, outline and grid (the documented defaults).
    lookback : int or None, default 12
        Months ending with the period's last day over which the areas are drawn and held fixed, and each
        area's ``series`` and ``pattern`` are worked out (:mod:`geo.emerging`). The areas listed are those
        with something in the period, and those that stopped in it (``historical``). ``None``: the areas
        of the period alone, no series (the board's one fixed period).
    covers_from : str, optional
        ISO date where the data's coverage starts (default: its first episode); bins before it are unknown.

    Returns
    -------
    PlacesResult

    Examples
    --------
    >>> from peermap.mapping.periods import Period
    >>> result = analyse_places(dataset, Period.from_month("2023-03"))  # doctest: +SKIP
    >>> result.areas[["rank", "children", "episodes", "trend"]].head(3)  # doctest: +SKIP

    Notes
    -----
    Vectorised throughout: O(m log m) for m mentions (about three per
    episode), plus a k-d tree on the distinct places of concern and esda on the
    grid cells. The grouping is repeated for each earlier period of the trend.
    """
    with _second_thread() as beside:  # parts that read only what is made already go beside (_second_thread)
        s = settings or HotspotSettings()
        index = postcodes if postcodes is not None else default_index()
        homes = homes_of(dataset)
        coverage = covers_from or dataset.coverage_start()
        periods = _periods(period, history_periods, coverage)
        window = lookback_window(period, lookback) if period is not None and lookback else period
        bins = time_bins(period, lookback, coverage) if period is not None and lookback else []
        concern = beside.submit(_adults_of_concern, dataset, include_handling_c, adults_of_concern)
        raw = place_mentions(dataset, include_handling_c=include_handling_c)
        keep = _in(window, raw["at"]).copy()
        for p in periods:
            keep |= _in(p, raw["at"])
        raw = raw[keep].reset_index(drop=True)
        now = _in(period, raw["at"])
        # the period's mentions are placed together with the homes of the children missing in it
        missing_now = dataset.episodes.loc[_in(period, dataset.episodes["missing_at"]), "child_ref"].unique()
        homes_now = home_mentions(dataset, missing_now)
        earlier_placed = beside.submit(locate, raw[~now], dataset.places, index) if (~now).any() else None
        located_now = locate(pd.concat([raw[now], homes_now], ignore_index=True), dataset.places, index)
        mentions = located_now.mentions
        tables = beside.submit(_place_tables, mentions, dataset.places, homes)
        earlier = earlier_placed.result().mentions if earlier_placed is not None else mentions.iloc[:0]

        # areas are drawn once over the look-back window and held fixed; measured on the period
        combined = _with_window(
            mentions, earlier[_in(window, earlier["at"])] if window is not None else earlier.iloc[:0]
        )
        counted_all = concern_mentions(combined, homes)
        in_period = counted_all["in_period"].to_numpy(bool)
        counted = counted_all[in_period].reset_index(drop=True)
        areas, labels_all = build_areas(counted_all, s, measured=in_period)
        m_all = counted_all.assign(label=labels_all)
        emerging = _emerging(m_all, areas, bins, s)
        for column in emerging.columns:
            areas[column] = emerging[column].to_numpy()
        # the areas of the period, and those that stopped in it (historical): the rest were busy only earlier
        shown = (areas["mentions"].to_numpy() > 0) | areas["pattern"].eq("historical").fillna(False).to_numpy(bool)
        areas = _rank(areas[shown].reset_index(drop=True))
        widths = beside.submit(_widths, areas.geometry.values)
        m_all = m_all[np.isin(labels_all, areas["label"].to_numpy())]
        m = m_all[m_all["in_period"].to_numpy(bool)]
        times = beside.submit(_times_of_day, m, m_all, areas[["label", "area", "rank"]].copy())
        labels = labels_all[in_period]
        area_of_label = areas.set_index("label")["area"]
        idx = areas["label"]

        pairs = m_all.drop_duplicates(["label", "pc_code"])[["label", "postcode_placed"]]
        areas["postcodes"] = _lists(pairs["label"].to_numpy(), pairs["postcode_placed"], idx).map(";".join).to_numpy()
        roles, places, missing_from, safe_places = tables.result()
        named = places if window is None or len(combined) == len(mentions) else _listed_names(combined, dataset, homes)
        listed = named.set_index("postcode")["listed_name"].reindex(pairs["postcode_placed"])
        areas["place_names"] = _lists(pairs["label"].to_numpy(), listed, idx).map("; ".join).to_numpy()
        areas["district"] = _mode_district(pairs, idx)
        areas["name"] = _names(areas, m_all, dataset.places, homes)
        child_codes, children = pd.factorize(m["child_ref"])
        m = m.copy(deep=False)  # a column added, m_all unchanged: nothing copied (copy on write)
        if cluster_of is not None and len(children):
            cluster = pd.Series(pd.Index(children).map(pd.Series(cluster_of)), dtype=object).to_numpy()
            m["cluster"] = pd.Series(np.append(cluster, None)[child_codes], index=m.index, dtype=object)
        else:
            m["cluster"] = None
        areas["clusters"] = _lists(m["label"].to_numpy(), m["cluster"], idx, numeric=True).to_numpy()
        areas["n_clusters"] = areas["clusters"].map(len)
        areas["clusters_meet"] = areas["n_clusters"] >= 2
        aoc = concern.result()
        areas["adults_of_concern"] = _link_adults(m, aoc, idx).to_numpy()
        areas["n_adults_of_concern"] = areas["adults_of_concern"].map(len)
        areas = _childrens_homes(areas, homes, index)
        ep = m.loc[m["ep_code"].to_numpy() >= 0].drop_duplicates(["label", "ep_code"])[["label", "episode_id"]]
        started = dataset.episodes.set_index("episode_id")["missing_from_postcode"]
        from_home = started.reindex(pd.Index(ep["episode_id"].unique())).isin(homes.childrens)
        ep_home = from_home.reindex(ep["episode_id"]).fillna(False).to_numpy(bool)
        areas["episodes_from_childrens_homes"] = (
            np.bincount(ep["label"].to_numpy()[ep_home], minlength=int(idx.max()) + 1)[idx.to_numpy()]
            if len(areas)
            else []
        )
        gi, grid = _gi_or_none(m, s)
        areas["gi_z"] = gi["gi_z"].reindex(idx).astype(float).to_numpy()
        areas["gi_p"] = gi["gi_p"].reindex(idx).astype(float).to_numpy()
        window_gi = gi if len(m_all) == len(m) else _gi_or_none(m_all, s)[0]  # the window is the period's: the same
        areas["window_gi_z"] = window_gi["gi_z"].reindex(idx).astype(float).to_numpy()
        areas["window_gi_p"] = window_gi["gi_p"].reindex(idx).astype(float).to_numpy()
        areas["gi_z_bins"] = _gi_by_bin(m_all, bins, idx, s)
        time_of_day, time_of_day_window = times.result()
        peaks = _peaks(time_of_day, areas)
        areas["peak_day"] = peaks["peak_day"].to_numpy()
        areas["peak_hour"] = peaks["peak_hour"].array

        # trend against the earlier periods, matching areas by overlap
        history = []
        for p in periods[1:]:
            sub = earlier[_in(p, earlier["at"])]
            counted_then = concern_mentions(sub, homes)
            then, then_labels = build_areas(counted_then, s)
            ep_codes = counted_then["ep_code"].to_numpy()
            then_eps = pd.DataFrame({"label": then_labels[ep_codes >= 0], "episode_id": ep_codes[ep_codes >= 0]})
            history.append((then, then_eps))
        trends = area_trends(areas, history, current_periods=len(periods))
        areas = areas.join(trends, on="area")

        areas["width_m"] = widths.result()
        centre = gpd.GeoSeries(gpd.points_from_xy(areas["easting"], areas["northing"]), crs=BNG).to_crs(4326)
        areas["lon"], areas["lat"] = centre.x.to_numpy(), centre.y.to_numpy()
        areas = areas.drop(columns=["label"])
        lead = [
            "rank",
            "area",
            "name",
            "children",
            "children_all",
            "episodes",
            "mentions",
            "unverified",
            "clusters",
            "n_clusters",
            "clusters_meet",
            "adults_of_concern",
            "n_adults_of_concern",
            "last_seen",
            "first_seen",
            "trend",
            "previous_episodes",
            "periods_present",
            "pattern",
            "pattern_sentence",
            "series",
            "window_children",
            "window_episodes",
            "mk_tau",
            "mk_s",
            "mk_p",
            "mk_p_adjusted",
            "gi_z",
            "gi_p",
            "window_gi_z",
            "window_gi_p",
            "gi_z_bins",
            "contains_childrens_home",
            "childrens_homes",
            "episodes_from_childrens_homes",
            "peak_day",
            "peak_hour",
            "places",
            "postcodes",
            "place_names",
            "district",
            "width_m",
            "easting",
            "northing",
            "lon",
            "lat",
            "geometry",
        ]
        areas = gpd.GeoDataFrame(areas[lead], geometry="geometry", crs=BNG)

        area_names = area_of_label.reindex(labels).to_numpy()
        mentions = _mark_counted(mentions, counted["mention_id"].to_numpy(), area_names)
        area_of_place = pd.Series(area_names, index=counted["postcode_placed"].to_numpy())
        area_of_place = area_of_place[~area_of_place.index.duplicated()]
        places["area"] = area_of_place.reindex(places["postcode"]).astype("string").to_numpy()
        places = gpd.GeoDataFrame(places, geometry=gpd.points_from_xy(places["easting"], places["northing"]), crs=BNG)
        return PlacesResult(
            period=period,
            areas=areas,
            places=places,
            place_roles=roles,
            missing_from=missing_from,
            safe_places=safe_places,
            time_of_day=time_of_day,
            time_of_day_window=time_of_day_window,
            unplaced=located_now.unplaced,
            mentions=mentions,
            gi_grid=grid,
            includes_handling_c=include_handling_c,
            settings=s,
            postcodes=index,
            window=window,
            lookback=lookback if period is not None and lookback else None,
            bins=bins,
        )


def _with_window(mentions: pd.DataFrame, window_only: pd.DataFrame) -> pd.DataFrame:
    """The period's placed mentions (``in_period``) and the rest of the look-back window's, with one set of
    postcode codes and mention ids (each was placed on its own)."""
    if window_only.empty:
        return mentions.assign(in_period=True)
    shift = int(mentions["mention_id"].max()) + 1 if len(mentions) else 0
    out = pd.concat(
        [
            mentions.assign(in_period=True),
            window_only.assign(in_period=False, mention_id=window_only["mention_id"] + shift),
        ],
        ignore_index=True,
    )
    out["pc_code"] = pd.factorize(out["postcode_placed"])[0]
    return out


def _listed_names(combined: pd.DataFrame, dataset, homes: Homes) -> pd.DataFrame:
    """``postcode`` → ``listed_name`` over the whole window (the areas' places are the window's).

    The ``listed_name`` :func:`geo.places.place_table` gives, looked up for the window's distinct postcodes
    only: a place's ``places.csv`` name depends on its postcode alone (not on ``homes`` or its mentions), so
    no place table of the whole window is built for it.
    """
    from peermap.geo.places import listed_names

    _, names, _ = listed_names(dataset.places)
    postcodes = pd.Series(pd.unique(combined["postcode_placed"].array), dtype="string")
    return pd.DataFrame({"postcode": postcodes, "listed_name": postcodes.map(names).astype("string")})


def _gi_or_none(m: pd.DataFrame, s: HotspotSettings) -> tuple[pd.DataFrame, pd.DataFrame]:
    if len(m):
        return _gi_per_area(m, s)
    return pd.DataFrame(columns=["gi_z", "gi_p"]), pd.DataFrame(columns=["ix", "iy", "value", "gi_z", "gi_p"])


def _bin_of(times: pd.Series, bins: list) -> np.ndarray:
    """Each time's bin (-1: in none, or in a bin before the data's coverage)."""
    out = np.full(len(times), -1, np.int64)
    for k, b in enumerate(bins):
        if b.covered:
            out[b.period.contains(times).to_numpy(bool)] = k
    return out


def _emerging(m_all: pd.DataFrame, areas: pd.DataFrame, bins: list, s: HotspotSettings) -> pd.DataFrame:
    """Each fixed area's series over the bins, its window counts, pattern, sentence and trend test."""
    n, k = len(areas), len(bins)
    labels = m_all["label"].to_numpy() if len(m_all) else np.empty(0, np.int64)
    units = m_all["unit_code"].to_numpy() if len(m_all) else np.empty(0, np.int64)
    out = pd.DataFrame(index=range(n))
    out["window_children"] = _distinct(labels, units, n)
    out["window_episodes"] = _distinct(labels, m_all["ep_code"].to_numpy() if len(m_all) else labels, n)
    if k == 0:
        for c in ("pattern", "pattern_sentence"):
            out[c] = pd.array([None] * n, dtype="string")
        out["series"] = [()] * n
        for c in ("mk_tau", "mk_s", "mk_p", "mk_p_adjusted"):
            out[c] = np.nan
        return out
    covered = np.array([b.covered for b in bins], bool)
    counts = series_of(labels, _bin_of(m_all["at"], bins), units, n, k)
    found = emerging(counts, covered, s.min_children, s.trend_alpha)
    unit = "week" if bins[-1].period.days <= 7 else "month"
    words = [b.words for b in bins]
    # most areas share a series (and with it a pattern): each distinct one is made into words once
    distinct, series = {}, []
    for row in counts.tolist():
        key = tuple(row)
        known = distinct.get(key)
        if known is None:
            known = distinct[key] = tuple(v if c else None for v, c in zip(row, covered))
        series.append(known)
    out["series"] = series
    out["pattern"] = pd.array(found["pattern"], dtype="string")
    said = {}
    for key in zip(found["pattern"], series):
        if key not in said:
            said[key] = sentence(key[0], list(key[1]), words, unit)
    out["pattern_sentence"] = [said[key] for key in zip(found["pattern"], series)]
    for c in ("mk_tau", "mk_s", "mk_p", "mk_p_adjusted"):
        out[c] = found[c].to_numpy()
    return out


def _gi_by_bin(m_all: pd.DataFrame, bins: list, labels: pd.Index, s: HotspotSettings) -> list:
    """Gi* of each area in each covered bin (None where the bin's grid is too small, as for the period's).

    The mentions are sorted by bin once and each bin's Gi* reads its slice of the four columns it needs
    (label, easting, northing, unit), so the window's frame is not copied once per bin.
    """
    z = np.full((len(labels), len(bins)), np.nan)
    if len(m_all) and len(bins):
        which = _bin_of(m_all["at"], bins)
        order = np.argsort(which, kind="stable")  # by bin, each bin's mentions in their order
        bounds = np.searchsorted(which[order], np.arange(len(bins) + 1))
        slim = {c: m_all[c].to_numpy() for c in ("label", "easting", "northing", "unit_code")}
        for k in range(len(bins)):
            rows = order[bounds[k] : bounds[k + 1]]
            if len(rows):
                gi, _ = _gi_per_area(pd.DataFrame({c: v[rows] for c, v in slim.items()}), s)
                z[:, k] = gi["gi_z"].reindex(labels).astype(float).to_numpy()
    return [tuple(None if np.isnan(v) else round(float(v), 3) for v in row) for row in z]


def _mark_counted(mentions: pd.DataFrame, mention_ids: np.ndarray, areas: np.ndarray) -> pd.DataFrame:
    """Flag the mentions that count toward an area (``counted``) and name that ``area``."""
    out = mentions.copy(deep=False)  # columns added, the mentions unchanged: nothing copied (copy on write)
    where = pd.Index(mention_ids).get_indexer(out["mention_id"])
    out["counted"] = where >= 0
    out["area"] = pd.Series(np.append(np.asarray(areas, dtype=object), None)[where], index=out.index, dtype="string")
    return out


def _mode_district(pairs: pd.DataFrame, labels: pd.Index) -> np.ndarray:
    """Each area's postcode district: the one most of its places are in (ties: first by name)."""
    district = pairs["postcode_placed"].str.extract(r"^(\S+)", expand=False)
    counts = pd.DataFrame({"label": pairs["label"].to_numpy(), "district": district.to_numpy()}).value_counts()
    counts = counts.reset_index().sort_values(["label", "count", "district"], ascending=[True, False, True])
    return counts.drop_duplicates("label").set_index("label")["district"].reindex(labels).astype("string").to_numpy()


def _names(areas: pd.DataFrame, m_all: pd.DataFrame, listed: pd.DataFrame, homes: Homes) -> np.ndarray:
    """Each area's name for people (:func:`geo.orientation.area_names`): its public ``places.csv`` place with
    most children (never a home, never free text), else the nearest town or village and its postcode sector."""
    from peermap.geo.orientation import area_names

    if areas.empty:
        return np.empty(0, dtype=object)
    counts = m_all[["label", "postcode_placed", "unit_code"]].drop_duplicates()
    counts = counts.groupby(["label", "postcode_placed"]).size().rename("children").reset_index()
    counts["sector"] = counts["postcode_placed"].str.slice(0, -2).str.strip()
    sector = counts.groupby(["label", "sector"])["children"].sum().reset_index()
    sector = sector.sort_values(["label", "children", "sector"], ascending=[True, False, True])
    sector = sector.drop_duplicates("label").set_index("label")["sector"].reindex(areas["label"])
    kind = listed["kind"].astype("string")
    public = listed[kind.notna().to_numpy(bool) & ~kind.isin(HOME_KINDS).fillna(False).to_numpy(bool)]
    public = public[~public["postcode"].isin(homes.childrens).fillna(False).to_numpy(bool)]
    public = public.dropna(subset=["postcode", "place_name"]).drop_duplicates("postcode")
    named = counts.merge(public[["postcode", "place_name"]], left_on="postcode_placed", right_on="postcode")
    named = named.sort_values(["label", "children", "place_name"], ascending=[True, False, True])
    place = named.drop_duplicates("label").set_index("label")["place_name"].reindex(areas["label"])
    names = area_names(areas["easting"], areas["northing"], sector.to_numpy(), place.to_numpy())
    return names.to_numpy(dtype=object)


def _childrens_homes(areas: gpd.GeoDataFrame, homes: Homes, index: PostcodeIndex) -> gpd.GeoDataFrame:
    """Flag areas whose outline contains a children's home (shown, never counted)."""
    areas["contains_childrens_home"] = False
    areas["childrens_homes"] = [()] * len(areas)
    if areas.empty or len(homes.childrens) == 0:
        return areas
    where = index.lookup(homes.childrens)
    if where.empty:
        return areas
    points = gpd.GeoDataFrame(
        {"postcode": where["postcode"].astype(str)},
        geometry=gpd.points_from_xy(where["easting"], where["northing"]),
        crs=BNG,
    )
    hits = gpd.sjoin(points, areas[["area", "geometry"]], predicate="within")
    lists = hits.groupby("area")["postcode"].agg(lambda s: tuple(sorted(set(s))))
    areas["childrens_homes"] = areas["area"].map(lists).map(lambda v: v if isinstance(v, tuple) else ()).to_numpy()
    areas["contains_childrens_home"] = areas["childrens_homes"].map(len) > 0
    return areas
