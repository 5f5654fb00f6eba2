"""Postcode districts as areas: their outlines, and the hot-spot areas counted by district (the board's table).

Worked out in British National Grid metres from the postcode index; what the
board may see of the table (its suppression) is decided in ``exports/board.py``.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from peermap.graph_models.postcode_format import postcode_area, postcode_districts


def district_shapes(index, districts) -> gpd.GeoDataFrame:
    """Outline (convex hull of every postcode of the district in the index) and centre, in BNG."""
    districts = sorted(set(districts))
    frames = []
    for letters in sorted({postcode_area(d) for d in districts} - {None}):
        table = index.area(letters)
        if len(table):
            frames.append(table.reset_index()[["postcode", "easting", "northing"]])
    if not frames:
        return gpd.GeoDataFrame({"district": []}, geometry=gpd.GeoSeries([], crs="EPSG:27700"))
    every = pd.concat(frames, ignore_index=True).drop_duplicates("postcode")
    every["district"] = postcode_districts(every["postcode"].astype(str))
    every = every[every["district"].isin(districts)].sort_values("district", kind="stable")
    codes, names = pd.factorize(every["district"], sort=True)
    points = shapely.points(every[["easting", "northing"]].to_numpy(float))
    hulls = shapely.convex_hull(shapely.multipoints(points, indices=codes))
    outline = shapely.buffer(hulls, 250, quad_segs=4)  # a district of one postcode is still an area
    centre = every.groupby("district")[["easting", "northing"]].mean().reindex(names)
    return gpd.GeoDataFrame(
        {"district": list(names), "centre_e": centre["easting"].to_numpy(), "centre_n": centre["northing"].to_numpy()},
        geometry=list(outline),
        crs="EPSG:27700",
    )


#: The trend words a district's areas are counted by (an area with no earlier period has "no trend").
TREND_WORDS = ("intensifying", "new", "persistent", "steady", "diminishing", "no trend")


def trend_column(word: str) -> str:
    """The property counting a district's areas with a trend word: ``trend_new``, ``trend_no_trend``."""
    return "trend_" + word.replace(" ", "_")


def district_table(result) -> pd.DataFrame:
    """The hot-spot areas counted by postcode district (the board's table, before its suppression).

    Index ``district``; columns ``areas``, ``children``, ``episodes``,
    ``clusters``, ``adults_of_concern`` (whole numbers), ``trend_<word>`` (how
    many of its areas have each of :data:`TREND_WORDS`: :func:`trend_column`), ``last_seen``,
    ``contains_childrens_home``, ``clusters_meet``.
    """
    areas = result.areas
    counted = result.mentions[result.mentions["counted"]]
    if areas.empty:
        return pd.DataFrame(
            columns=[
                "areas",
                "children",
                "episodes",
                "clusters",
                "adults_of_concern",
                *[trend_column(w) for w in TREND_WORDS],
            ]
        )
    district_of = areas.set_index("area")["district"]
    m = counted.assign(district=district_of.reindex(counted["area"]).to_numpy())
    g = areas.groupby("district")
    table = pd.DataFrame(
        {
            "areas": g.size(),
            "children": m.groupby("district")["child_ref"].nunique(),
            "episodes": m.dropna(subset=["episode_id"]).groupby("district")["episode_id"].nunique(),
            "clusters": g["clusters"].agg(lambda s: len(set().union(*map(set, s)))),
            "adults_of_concern": g["adults_of_concern"].agg(lambda s: len(set().union(*map(set, s)))),
            "last_seen": g["last_seen"].max(),
            "contains_childrens_home": g["contains_childrens_home"].any(),
            "clusters_meet": g["clusters_meet"].any(),
        }
    ).fillna({"children": 0, "episodes": 0})
    words = areas["trend"].astype(object).where(areas["trend"].notna(), "no trend")
    for word in TREND_WORDS:
        table[trend_column(word)] = words.eq(word).groupby(areas["district"]).sum().reindex(table.index).fillna(0)
    for column in (
        "areas",
        "children",
        "episodes",
        "clusters",
        "adults_of_concern",
        *[trend_column(w) for w in TREND_WORDS],
    ):
        table[column] = table[column].astype(np.int64)
    table.index.name = "district"
    return table
