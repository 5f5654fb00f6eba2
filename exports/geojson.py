"""``hotspots.geojson`` and ``places.geojson`` (SCHEMA.md "What comes out"), for one audience.

Both are RFC 7946 FeatureCollections in WGS84 (longitude, latitude; exterior
rings counter-clockwise, every ring closed), with three members beside the
features: ``classification`` (``OFFICIAL-SENSITIVE``), ``audience`` and
``attribution`` (the coordinates come from Code-Point Open).

What each audience gets (DESIGN.md, "Audiences and what leaves the tool"):

``police``
    Every area and place, with cluster ids, adults of concern and the
    references of the children counted, and place names as written.
``meeting``
    The same areas and places, by reference only: no raw IDs and no names
    other than the analyst's ``places.csv`` names (free-text place names can
    hold a person's name, so a place not in ``places.csv`` is shown by its
    postcode). The result must have been made without police-only
    intelligence (``analyse_places(..., include_handling_c=False)``).
``board``
    Counts by postcode district only: one feature per district with hot-spot
    areas (its outline the district's as :mod:`geo.orientation` draws it: the
    Voronoi cells of its postcodes, so districts never overlap; its ``name``
    its code and largest town or village, ``DH8 Consett``) and one point per
    district and place role; every count a number,
    and each one suppressed (SCHEMA.md, "The board audience") ``null`` with
    ``<field>_suppressed: true``; no references, no places. Also made
    without police-only intelligence.

``worker`` gets neither file (its one page is a child's peer map).
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from peermap.exports.audiences import FOLDER_AUDIENCES
from peermap.exports.board import small
from peermap.exports.feature_text import feature_chunks, write_features
from peermap.geo.districts import TREND_WORDS, district_shapes, trend_column
from peermap.geo.hotspots import DAYS
from peermap.geo.places import ROLES
from peermap.geo.postcodes import bng_to_wgs84
from peermap.graph_models.postcode_format import postcode_districts
from peermap.graph_models.private_files import make_folder, open_private

CLASSIFICATION = "OFFICIAL-SENSITIVE"
ATTRIBUTION = "Contains OS data © Crown copyright and database right"
#: Coordinates are written to 6 decimal places (about 0.1 m).
DECIMALS = 6


class AudienceError(ValueError):
    """An export asked for an audience it cannot be made for (the message says why)."""


def _board(board):
    if board is None:
        raise AudienceError(
            "the board's districts are written with their suppression: pass "
            "board=exports.board.board_districts(district_table(result))"
        )
    return board


def _check(result, audience: str) -> None:
    if audience not in FOLDER_AUDIENCES:
        raise AudienceError(
            f"hotspots.geojson and places.geojson are made for {', '.join(FOLDER_AUDIENCES)}, not {audience!r}"
        )
    if audience != "police" and result.includes_handling_c:
        raise AudienceError(
            f"the {audience} audience may not see police-only intelligence (handling C): "
            "analyse with include_handling_c=False for it"
        )


def _column(values) -> list:
    """A column as JSON-ready Python values: NaN/NA to null, times to ISO dates, tuples joined by ``;``."""
    values = pd.Series(values)
    if isinstance(values.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(values.dtype):
        text = values.dt.strftime("%Y-%m-%d")
        return text.astype(object).where(text.notna(), None).tolist()
    if values.dtype == object and len(values) and isinstance(values.iloc[0], tuple):
        return [";".join(map(str, v)) for v in values]
    out = values.astype(object)
    return out.where(values.notna(), None).tolist()


def _wgs84(geometries: gpd.GeoSeries) -> np.ndarray:
    """BNG geometries → WGS84, rounded, rings oriented as RFC 7946 says.

    The coordinates are projected (by :func:`geo.postcodes.bng_to_wgs84`, the transformer ``to_crs``
    builds) and rounded in one pass: a national map's outlines have millions, and going over them twice
    (``to_crs``, then rounding) took seconds.
    """
    if geometries.crs is None or geometries.crs.to_epsg() != 27700:
        raise ValueError(f"map geometries are drawn on British National Grid (EPSG:27700), not {geometries.crs}")

    def projected(xy: np.ndarray) -> np.ndarray:
        lon, lat = bng_to_wgs84(xy[:, 0], xy[:, 1])
        return np.round(np.column_stack([lon, lat]), DECIMALS)

    out = shapely.transform(geometries.to_numpy(), projected)
    return shapely.orient_polygons(out, exterior_cw=False)


def _header(name: str, result, audience: str) -> dict:
    period = result.period
    header = {
        "type": "FeatureCollection",
        "name": name,
        "classification": CLASSIFICATION,
        "audience": audience,
        "period": period.as_dict() if period is not None else None,
        "attribution": ATTRIBUTION,
    }
    if name == "hotspots" and audience != "board" and result.bins:
        # SCHEMA.md "The board audience": one fixed period, no look-back, no series
        header["window"] = result.window.as_dict()
        header["lookback"] = result.lookback
        header["bins"] = [b.as_dict() for b in result.bins]
    return header


def _feature_texts(columns: dict, geometries) -> list[str]:
    """One JSON text per feature (:mod:`exports.feature_text`: a column at a time in Arrow, geometry by shapely)."""
    return [text for chunk in feature_chunks(columns, geometries) for text in chunk.to_pylist()]


def _collection(header: dict, columns: dict, geometries) -> dict:
    features = json.loads("[" + ",".join(_feature_texts(columns, geometries)) + "]")
    return {**header, "features": features}


def _write(header: dict, columns: dict, geometries, path) -> Path:
    """Stream the collection as text from Arrow's buffers (a national map has hundreds of thousands of features)."""
    path = Path(path)
    make_folder(path.parent)
    head = json.dumps(header, ensure_ascii=False, separators=(",", ":"))[:-1]
    with open_private(path, "wb") as out:
        out.write((head + ',"features":[').encode())
        write_features(out, columns, geometries)
        out.write(b"]}\n")
    return path


# -- hot spots ---------------------------------------------------------------------------------------------------
def weekday_hours(time_of_day: pd.DataFrame, areas: pd.Series) -> np.ndarray:
    """Each area's episodes by weekday (7, Monday first) and hour of day (24), local time: ``(areas, 7, 24)``.

    Its sums over hours are ``by_weekday`` and over weekdays ``by_hour``: one count, three views.
    """
    t = time_of_day
    joint = np.zeros((len(areas), 7, 24), np.int64)
    if len(t) and len(areas):
        row = pd.Index(areas).get_indexer(t["area"])
        keep = row >= 0
        np.add.at(
            joint,
            (row[keep], t["weekday"].to_numpy()[keep], t["hour"].to_numpy()[keep]),
            t["episodes"].to_numpy()[keep],
        )
    return joint


def _figures(p: float) -> float:
    """A p-value to three significant figures."""
    return float(f"{p:.3g}")


def hotspot_columns(result, audience: str, top: int | None = None) -> tuple[dict, object]:
    """``hotspots.geojson``'s properties, column by column, and the areas' WGS84 outlines (meeting, police)."""
    areas = result.areas if top is None else result.areas.head(top)
    joint = weekday_hours(result.time_of_day, areas["area"])
    gi_p = areas["gi_p"].map(_figures, na_action="ignore")
    columns = {
        c: _column(areas[c])
        for c in (
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
        )
    }
    if result.bins:  # the emerging pattern over the look-back (geo/emerging.py); lists stay lists
        columns["pattern"] = _column(areas["pattern"])
        columns["pattern_sentence"] = _column(areas["pattern_sentence"])
        columns["series"] = [list(v) for v in areas["series"]]
        columns["window_children"] = _column(areas["window_children"])
        columns["window_episodes"] = _column(areas["window_episodes"])
        columns["mk_tau"] = _column(areas["mk_tau"].round(3))
        columns["mk_p"] = _column(areas["mk_p"].map(_figures, na_action="ignore"))
        columns["mk_p_adjusted"] = _column(areas["mk_p_adjusted"].map(_figures, na_action="ignore"))
    columns["gi_z"] = _column(areas["gi_z"].round(3))
    columns["gi_p"] = _column(gi_p)
    if result.bins:
        columns["window_gi_z"] = _column(areas["window_gi_z"].round(3))
        columns["window_gi_p"] = _column(areas["window_gi_p"].map(_figures, na_action="ignore"))
        columns["gi_z_bins"] = [list(v) for v in areas["gi_z_bins"]]
    columns.update(
        {
            c: _column(areas[c])
            for c in ("contains_childrens_home", "episodes_from_childrens_homes", "peak_day", "peak_hour")
        }
    )
    columns["by_hour"], columns["by_weekday"] = joint.sum(axis=1), joint.sum(axis=2)  # arrays: lists in the JSON
    columns["by_weekday_hour"] = joint
    if result.bins:
        columns["by_weekday_hour_window"] = weekday_hours(result.time_of_day_window, areas["area"])
    columns.update({c: _column(areas[c]) for c in ("places", "place_names", "postcodes", "district", "width_m")})
    columns["lon"] = _column(areas["lon"].round(DECIMALS))
    columns["lat"] = _column(areas["lat"].round(DECIMALS))
    if audience == "police":
        counted = result.mentions[result.mentions["counted"]]
        refs = counted[["area", "child_ref"]].drop_duplicates().sort_values(["area", "child_ref"])
        joined = refs.groupby("area")["child_ref"].agg(";".join)
        columns["children_refs"] = _column(joined.reindex(areas["area"]).fillna(""))
        columns["childrens_homes"] = _column(areas["childrens_homes"].map(";".join))
    geometry = _wgs84(areas.geometry) if len(areas) else []
    return columns, geometry


def hotspot_features(result, audience: str = "meeting", top: int | None = None, board=None) -> dict:
    """The ``hotspots.geojson`` FeatureCollection for ``audience`` (see the module docstring)."""
    _check(result, audience)
    columns, geometry = (
        _board_hotspots(result, _board(board)) if audience == "board" else hotspot_columns(result, audience, top)
    )
    return _collection(_header("hotspots", result, audience), columns, geometry)


def hotspot_table(result, audience: str = "meeting", columns: dict | None = None) -> pd.DataFrame:
    """``hotspots.csv`` (meeting and police, never the board): one row per area, in rank order, with the
    properties of ``hotspots.geojson``, the lists spread into columns so a spreadsheet can chart them:
    ``children_<bin>`` and ``gi_z_<bin>`` per bin of the series (empty where a bin is before the data's
    coverage or has no Gi*), ``hour_00`` ... ``hour_23`` and ``mon`` ... ``sun`` (episodes). The
    weekday-by-hour tables stay in the GeoJSON (168 numbers an area); the outline is given by its centre.
    """
    if audience not in ("meeting", "police"):
        raise AudienceError(f"hotspots.csv is for the meeting and police audiences, not {audience!r}")
    _check(result, audience)
    if columns is None:  # the GeoJSON's, when it was written from them (:func:`hotspot_columns`)
        columns, _ = hotspot_columns(result, audience, None)
    labels = [b.label for b in result.bins]
    table = {}
    for name, values in columns.items():
        if name in ("by_weekday_hour", "by_weekday_hour_window"):
            continue
        if name in ("series", "gi_z_bins"):
            stem = "children" if name == "series" else "gi_z"
            for k, label in enumerate(labels):
                table[f"{stem}_{label}"] = pd.array(
                    [row[k] for row in values], dtype="Float64" if stem == "gi_z" else "Int64"
                )
        elif name == "by_hour":
            for h in range(24):
                table[f"hour_{h:02d}"] = np.asarray(values, dtype=np.int64).reshape(-1, 24)[:, h]
        elif name == "by_weekday":
            for d, day in enumerate(DAYS):
                table[day.lower()] = np.asarray(values, dtype=np.int64).reshape(-1, 7)[:, d]
        else:
            table[name] = pd.array(values) if any(v is None for v in values) else values
    return pd.DataFrame(table)


def write_hotspots_geojson(
    result, path, audience: str = "meeting", top: int | None = None, board=None, columns: tuple | None = None
) -> Path:
    """Write ``hotspots.geojson``: the areas in rank order as WGS84 polygons.

    Parameters
    ----------
    result : geo.hotspots.PlacesResult
    path : str or Path
    audience : {"police", "meeting", "board"}, default "meeting"
        What may leave the tool (module docstring). ``meeting`` and ``board``
        need a result made with ``include_handling_c=False``.
    top : int, optional
        Only the first ``top`` areas (all by default).
    board : the board's suppressed district table (``exports.board.board_districts(district_table(result))``),
        needed when ``audience`` is ``board``.
    columns : :func:`hotspot_columns` of ``result`` for ``audience`` and ``top``, when already made
        (``hotspots.csv`` is written from the same columns).

    Returns
    -------
    Path

    Examples
    --------
    >>> write_hotspots_geojson(result, "out/hotspots.geojson", audience="meeting")  # doctest: +SKIP

    Notes
    -----
    Built column by column (one vectorised reprojection, geometry written by
    shapely, properties encoded a column at a time in Arrow: :mod:`exports.feature_text`): O(a) for a areas.
    """
    _check(result, audience)
    if audience == "board":
        columns = _board_hotspots(result, _board(board))
    elif columns is None:
        columns = hotspot_columns(result, audience, top)
    columns, geometry = columns
    return _write(_header("hotspots", result, audience), columns, geometry, path)


# -- places ------------------------------------------------------------------------------------------------------
def _place_columns(result, audience: str) -> tuple[dict, object]:
    places = result.places
    label = places["place"] if audience == "police" else places["listed_name"].fillna(places["postcode"])
    columns = {"place": _column(label)}
    columns.update(
        {
            c: _column(places[c])
            for c in (
                "postcode",
                "district",
                "kind",
                "role",
                "roles",
                "children",
                "episodes",
                "children_all",
                "home",
                "area",
            )
        }
    )
    columns["safe"] = _column(places["safe_place_children"] > 0)
    if audience == "police":
        columns["written_name"] = _column(places["written_name"])
    for role in ROLES:
        columns[f"{role}_children"] = _column(places[f"{role}_children"])
        columns[f"{role}_episodes"] = _column(places[f"{role}_episodes"])
    geometry = _wgs84(places.geometry) if len(places) else []
    return columns, geometry


def place_features(result, audience: str = "meeting") -> dict:
    """The ``places.geojson`` FeatureCollection for ``audience`` (see the module docstring)."""
    _check(result, audience)
    columns, geometry = _board_places(result) if audience == "board" else _place_columns(result, audience)
    return _collection(_header("places", result, audience), columns, geometry)


def write_places_geojson(result, path, audience: str = "meeting") -> Path:
    """Write ``places.geojson``: one WGS84 point per placed place (by district for the board).

    Properties: ``place``, ``postcode``, ``role`` (the main role: how a map
    draws it), ``roles`` (all of them), ``children`` and ``episodes`` (of the
    main role), ``safe`` (a safe place: drawn apart, never risk), ``area``
    (the hot-spot area it counts toward), and children and episodes per role.

    Notes
    -----
    O(p) for p places, built column by column.
    """
    _check(result, audience)
    columns, geometry = _board_places(result) if audience == "board" else _place_columns(result, audience)
    return _write(_header("places", result, audience), columns, geometry, path)


# -- board: postcode districts only ------------------------------------------------------------------------------
def _board_hotspots(result, board) -> tuple[dict, object]:
    """The board's districts: counts as numbers, each suppressed one ``null`` with ``<field>_suppressed: true``.

    ``board`` is the suppressed district table (:func:`exports.board.board_districts`); features are in rank
    order by what the board may see (a suppressed count never orders a district).
    """
    table = board.table
    if table.empty:
        return {}, []
    shown = np.array([-1 if board.value(d, "children") is None else board.value(d, "children") for d in table.index])
    episodes = np.array([-1 if board.value(d, "episodes") is None else board.value(d, "episodes") for d in table.index])
    order = np.lexsort((table.index.to_numpy(), -episodes, -shown))
    table = table.iloc[order]
    # each district's outline as the map's orientation layer draws it (they tile: no two overlap), and its
    # name for people: its code and its largest town or village ("DH8 Consett")
    drawn = result.orientation.districts.set_index("district")
    shapes = drawn.geometry.reindex(table.index)
    missing = shapes.isna().to_numpy(bool)
    if missing.any():  # not drawn (no postcode of it in the index): round its postcodes, as before
        hulls = district_shapes(result.postcodes, table.index[missing]).set_index("district").geometry
        shapes[missing] = hulls.reindex(table.index[missing]).to_numpy()
    geometry = _wgs84(gpd.GeoSeries(shapes.to_numpy(), crs="EPSG:27700"))
    columns = {"rank": list(range(1, len(table) + 1)), "district": list(table.index)}
    town = drawn["name"].reindex(table.index)
    columns["name"] = [d if pd.isna(t) else f"{d} {t}" for d, t in zip(table.index, town)]
    for c in (
        "areas",
        "children",
        "episodes",
        "clusters",
        "adults_of_concern",
        *[trend_column(w) for w in TREND_WORDS],
    ):
        values = [board.value(d, c) for d in table.index]
        columns[c] = values
        columns[f"{c}_suppressed"] = [v is None for v in values]
    columns["last_seen"] = _column(table["last_seen"].dt.strftime("%Y-%m"))
    columns["trend"] = [board.trend_text(d) for d in table.index]
    columns["gi_z"] = columns["gi_p"] = [None] * len(table)
    columns["contains_childrens_home"] = _column(table["contains_childrens_home"].astype(bool))
    columns["clusters_meet"] = _column(table["clusters_meet"].astype(bool))
    return columns, geometry


def _board_places(result) -> tuple[dict, object]:
    """Places counted by district and role; a count from 1 to 4 is ``null`` with ``<field>_suppressed: true``."""
    m = result.mentions
    if m.empty:
        return {}, []
    district = postcode_districts(m["postcode_placed"].astype(str))
    m = m.assign(district=district.to_numpy())
    keys = ["district", "role"]
    children = m[keys + ["child_ref"]].drop_duplicates().groupby(keys).size()
    episodes = m.dropna(subset=["episode_id"])[keys + ["episode_id"]].drop_duplicates().groupby(keys).size()
    table = pd.DataFrame({"children": children, "episodes": episodes}).fillna(0).astype(np.int64).reset_index()
    table["order"] = table["role"].map({r: i for i, r in enumerate(ROLES)})
    table = table.sort_values(["district", "order"], ignore_index=True)
    shapes = district_shapes(result.postcodes, table["district"]).set_index("district")
    centres = gpd.GeoSeries(
        gpd.points_from_xy(shapes["centre_e"], shapes["centre_n"]), index=shapes.index, crs="EPSG:27700"
    )
    geometry = _wgs84(centres.reindex(table["district"]))
    columns = {
        "place": _column(table["district"]),
        "postcode": _column(table["district"]),
        "district": _column(table["district"]),
        "role": _column(table["role"]),
    }
    for c in ("children", "episodes"):
        hidden = [small(int(v)) for v in table[c]]
        columns[c] = [None if hide else int(v) for v, hide in zip(table[c], hidden)]
        columns[f"{c}_suppressed"] = hidden
    columns["safe"] = _column(table["role"].eq("safe_place"))
    return columns, geometry
