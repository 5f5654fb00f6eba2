"""Each hot-spot area's trend against earlier periods: new, intensifying, diminishing, persistent, steady.

Areas are found afresh in every period (:func:`geo.hotspots.build_areas`), so
an area this month is matched to last month's by *overlap*: the earlier areas
whose outlines share some ground with it (touching edges do not count). Its
earlier episodes are the distinct episodes of those matched areas; it was
*present* in an earlier period when it matched any area there.

The words, for an area with ``e`` episodes now and ``p`` in the previous period:

============  =====================================================================
``new``       no matching area in the previous period (no finds there then)
intensifying  matched in the previous period and ``e >= 1.5 × p`` (and ``e > p``)
diminishing   matched in the previous period and ``e <= p / 2`` (and ``e < p``)
persistent    present in at least 3 of the last 4 periods (this one included)
``steady``    none of these
============  =====================================================================

Precedence, when more than one fits (:data:`PRECEDENCE`):
``intensifying`` and ``diminishing`` come first, because change since the
last period is what a weekly review acts on; ``persistent`` comes next and
beats ``new``, so an area that was there two and three periods ago, quiet last
period and back now, reads as the long-running place it is rather than as new;
then ``new``; then ``steady``. Nothing is lost by the order: ``periods_present``
(e.g. 3 of 4) and ``previous_episodes`` travel with every area.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

#: The trend words, first match wins.
PRECEDENCE = ("intensifying", "diminishing", "persistent", "new", "steady")
#: At least this many times the previous period's episodes is intensifying.
INTENSIFYING = 1.5
#: At most this share of the previous period's episodes is diminishing.
DIMINISHING = 0.5
#: Present in at least this many of the periods looked at (this one included) is persistent.
PERSISTENT_MIN = 3


def match_by_overlap(current: gpd.GeoDataFrame, earlier: gpd.GeoDataFrame) -> pd.DataFrame:
    """Pairs (``area``, ``label``) of a current area and an earlier one whose outlines overlap.

    Overlap means a shared area greater than zero: outlines that only touch
    do not match. Both frames are in the same projected CRS (BNG).

    Notes
    -----
    A spatial index (``geopandas.sjoin``) finds candidate pairs in
    O((a + b) log b); only those are intersected.
    """
    if current.empty or earlier.empty:
        return pd.DataFrame({"area": pd.Series([], dtype=object), "label": pd.Series([], dtype="int64")})
    pairs = gpd.sjoin(current[["area", "geometry"]], earlier[["label", "geometry"]], predicate="intersects")
    if pairs.empty:
        return pd.DataFrame({"area": pd.Series([], dtype=object), "label": pd.Series([], dtype="int64")})
    mine = current.geometry.to_numpy()[current.index.get_indexer(pairs.index)]
    theirs = earlier.geometry.to_numpy()[earlier.index.get_indexer(pairs["index_right"])]
    shared = shapely.area(shapely.intersection(mine, theirs))
    return pairs.loc[shared > 0, ["area", "label"]].reset_index(drop=True)


def classify(episodes, previous_episodes, previous_present, periods_present) -> np.ndarray:
    """The trend word of each area from its counts (vectorised; see the module docstring).

    Examples
    --------
    >>> classify([6, 2, 5, 5, 5], [3, 5, 5, 0, 5], [True, True, True, False, True], [2, 2, 4, 3, 2]).tolist()
    ['intensifying', 'diminishing', 'persistent', 'persistent', 'steady']
    >>> classify([4], [0], [False], [1]).tolist()
    ['new']
    """
    e = np.asarray(episodes, float)
    p = np.asarray(previous_episodes, float)
    before = np.asarray(previous_present, bool)
    present = np.asarray(periods_present, int)
    rules = {
        "intensifying": before & (e >= INTENSIFYING * p) & (e > p),
        "diminishing": before & (e <= DIMINISHING * p) & (e < p),
        "persistent": present >= PERSISTENT_MIN,
        "new": ~before & (e > 0),
    }
    out = np.full(len(e), "steady", dtype=object)
    chosen = np.zeros(len(e), bool)
    for word in PRECEDENCE[:-1]:
        hit = rules[word] & ~chosen
        out[hit] = word
        chosen |= hit
    out[(e == 0) & ~before] = None  # nothing now and nothing before: no trend (an area that stopped earlier)
    return out


def area_trends(
    current: gpd.GeoDataFrame, history: list[tuple[gpd.GeoDataFrame, pd.DataFrame]], current_periods: int | None = None
) -> pd.DataFrame:
    """Each current area's trend against the earlier periods.

    Parameters
    ----------
    current : GeoDataFrame
        This period's areas: ``area``, ``episodes``, ``geometry``.
    history : list of (areas, episodes)
        One entry per earlier period, the previous one first: that period's
        areas (``label``, ``geometry``) and its counted episodes (``label``,
        ``episode_id``), as :func:`geo.hotspots.build_areas` makes them.
    current_periods : int, optional
        How many periods the window holds (this one included); shown in
        ``periods_present`` as "3 of 4".

    Returns
    -------
    pandas.DataFrame indexed by ``area``
        ``trend``, ``previous_episodes`` (distinct episodes of the matched
        areas in the previous period; null when there is no history),
        ``periods_present`` (e.g. ``"3 of 4"``).

    Notes
    -----
    O(a log a) per earlier period for a areas (spatial index), plus one merge
    of the matched areas' episodes.
    """
    n_periods = current_periods or (len(history) + 1)
    areas = current["area"].to_numpy()
    present = np.ones(len(areas), np.int64)
    previous = np.zeros(len(areas), np.int64)
    before = np.zeros(len(areas), bool)
    for k, (then, then_episodes) in enumerate(history):
        pairs = match_by_overlap(current, then)
        hit = pd.Index(areas).isin(pairs["area"].unique())
        present += hit
        if k == 0:
            before = hit
            eps = pairs.merge(then_episodes.dropna(subset=["episode_id"]), on="label")
            counts = eps.drop_duplicates(["area", "episode_id"]).groupby("area").size()
            previous = counts.reindex(areas, fill_value=0).to_numpy()
    if history:
        trend = classify(current["episodes"].to_numpy(), previous, before, present)
        previous_out = pd.array(previous, dtype="Int64")
    else:
        trend = np.full(len(areas), None, dtype=object)  # no earlier period looked at: no trend
        previous_out = pd.array([pd.NA] * len(areas), dtype="Int64")
    return pd.DataFrame(
        {
            "trend": pd.array(trend, dtype="string"),
            "previous_episodes": previous_out,
            "periods_present": [f"{k} of {n_periods}" for k in present],
        },
        index=pd.Index(areas, name="area"),
    )
