"""hotspots.geojson and places.geojson: they open in geopandas, validate, and say only what the audience may see."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import numpy as np
import pytest
import shapely
from place_folders import E0, N0, child, episode, link, load, make_index

from peermap.exports.board import board_districts
from peermap.exports.geojson import AudienceError, _wgs84, write_hotspots_geojson, write_places_geojson
from peermap.geo.districts import district_table
from peermap.geo.hotspots import analyse_places
from peermap.geo.postcodes import bng_to_wgs84
from peermap.mapping.periods import Period

YEAR = Period.from_dates("2022-04-01", "2023-03-31")
APRIL = Period.from_month("2023-04")
HOTSPOT_PROPERTIES = {
    "rank",
    "children",
    "episodes",
    "clusters",
    "adults_of_concern",
    "last_seen",
    "trend",
    "gi_z",
    "gi_p",
    "contains_childrens_home",
    "clusters_meet",
}
PLACE_PROPERTIES = {"place", "postcode", "role", "children", "episodes"}


def durham_box(margin_m: float = 1000) -> tuple[float, float, float, float]:
    """(lon0, lat0, lon1, lat1) round the synthetic generator's County Durham grid square."""
    from peermap.synthetic import DURHAM_BOUNDS

    e0, e1, n0, n1 = DURHAM_BOUNDS
    lon, lat = bng_to_wgs84(
        [e0 - margin_m, e0 - margin_m, e1 + margin_m, e1 + margin_m],
        [n0 - margin_m, n1 + margin_m, n0 - margin_m, n1 + margin_m],
    )
    return lon.min(), lat.min(), lon.max(), lat.max()


def rings_closed(geometry) -> bool:
    """Every ring of a polygon, or of each part of a multipolygon (a district can be in parts), is closed."""
    parts = getattr(geometry, "geoms", [geometry])
    rings = [ring for part in parts for ring in (part.exterior, *part.interiors)]
    return all(np.array_equal(r.coords[0], r.coords[-1]) for r in rings)


@pytest.fixture(scope="module")
def written(synthetic_dataset, tmp_path_factory):
    out = tmp_path_factory.mktemp("geojson")
    police = analyse_places(synthetic_dataset, YEAR)
    shareable = analyse_places(synthetic_dataset, YEAR, include_handling_c=False)
    for audience, result in (("police", police), ("meeting", shareable), ("board", shareable)):
        board = board_districts(district_table(result)) if audience == "board" else None
        write_hotspots_geojson(result, out / audience / "hotspots.geojson", audience=audience, board=board)
        write_places_geojson(result, out / audience / "places.geojson", audience=audience)
    return out, police, shareable


@pytest.mark.parametrize("audience", ["police", "meeting"])
def test_synthetic_geojson_opens_and_validates(written, audience):
    out, police, shareable = written
    result = police if audience == "police" else shareable
    lon0, lat0, lon1, lat1 = durham_box()
    hotspots = gpd.read_file(out / audience / "hotspots.geojson")
    places = gpd.read_file(out / audience / "places.geojson")
    print(f"\n{audience}: {len(hotspots)} areas, {len(places)} places; box {lon0:.3f},{lat0:.3f} {lon1:.3f},{lat1:.3f}")
    assert hotspots.crs.to_epsg() == 4326 and places.crs.to_epsg() == 4326
    assert len(hotspots) == len(result.areas) and len(places) == len(result.places)
    assert hotspots["rank"].tolist() == list(range(1, len(hotspots) + 1))  # in rank order
    assert HOTSPOT_PROPERTIES <= set(hotspots.columns) and PLACE_PROPERTIES <= set(places.columns)
    assert (hotspots.geom_type == "Polygon").all() and (places.geom_type == "Point").all()
    assert hotspots.is_valid.all() and all(rings_closed(g) for g in hotspots.geometry)
    for frame in (hotspots, places):
        xy = shapely.get_coordinates(frame.geometry.to_numpy())
        assert (xy[:, 0] >= lon0).all() and (xy[:, 0] <= lon1).all()
        assert (xy[:, 1] >= lat0).all() and (xy[:, 1] <= lat1).all()
    # RFC 7946: counter-clockwise exterior rings
    assert all(g.exterior.is_ccw for g in hotspots.geometry)
    raw = json.loads((out / audience / "hotspots.geojson").read_text())
    assert raw["classification"] == "OFFICIAL-SENSITIVE" and raw["audience"] == audience
    assert "Crown copyright" in raw["attribution"]


@pytest.mark.parametrize("audience", ["police", "meeting"])
def test_outlines_and_places_are_where_geopandas_puts_them(written, audience):
    """Every coordinate in the files is the area's or place's British National Grid one as GeoPandas' to_crs
    projects it to WGS84, rounded to 6 decimals (about 0.1 m), rings counter-clockwise: longitude first,
    nothing shifted, whichever way the writer projects them."""
    out, police, shareable = written
    result = police if audience == "police" else shareable
    for name, frame in (("hotspots", result.areas), ("places", result.places)):
        expected = shapely.transform(frame.geometry.to_crs(4326).to_numpy(), lambda xy: np.round(xy, 6))
        expected = shapely.orient_polygons(expected, exterior_cw=False)
        found = gpd.read_file(out / audience / f"{name}.geojson").geometry.to_numpy()
        assert len(found) == len(expected) > 0
        assert shapely.equals_exact(found, expected, tolerance=0).all(), name


def test_map_geometries_off_british_national_grid_are_refused_and_gaps_kept():
    """The writer projects from British National Grid only: a series already in WGS84, or with no CRS, is
    refused rather than projected a second time (which would put every place in the sea off Africa); a
    missing or empty geometry stays missing or empty in its row, so no feature takes another's place."""
    square = shapely.box(E0, N0, E0 + 100, N0 + 100)
    for crs in ("EPSG:4326", None):
        with pytest.raises(ValueError, match="British National Grid"):
            _wgs84(gpd.GeoSeries([square], crs=crs))
    series = gpd.GeoSeries([square, None, shapely.Point(), shapely.Point(E0, N0)], crs="EPSG:27700")
    found = _wgs84(series)
    expected = shapely.orient_polygons(
        shapely.transform(series.to_crs(4326).to_numpy(), lambda xy: np.round(xy, 6)), exterior_cw=False
    )
    assert found[1] is None and found[2].is_empty
    assert shapely.equals_exact(found[[0, 3]], expected[[0, 3]], tolerance=0).all()


def test_synthetic_board_geojson_is_districts_only(written, synthetic_dataset):
    out, _, _ = written
    hotspots = gpd.read_file(out / "board" / "hotspots.geojson")
    places = gpd.read_file(out / "board" / "places.geojson")
    assert hotspots.is_valid.all() and all(rings_closed(g) for g in hotspots.geometry)
    districts = set(hotspots["district"])
    assert all(" " not in d for d in districts | set(places["postcode"]))  # no full postcodes
    raw = json.loads((out / "board" / "hotspots.geojson").read_text())["features"]
    for column in ("children", "episodes", "areas", "clusters", "adults_of_concern"):
        for feature in raw:  # a number, never text; a count from 1 to 4 is null and said to be suppressed
            value, hidden = feature["properties"][column], feature["properties"][f"{column}_suppressed"]
            assert (value is None and hidden) or (isinstance(value, int) and not hidden and not 1 <= value <= 4)
    text = (out / "board" / "hotspots.geojson").read_text() + (out / "board" / "places.geojson").read_text()
    assert "C-" not in text and "A-" not in text
    # a child ID as a value of its own, not six digits inside a coordinate's decimals
    ids = synthetic_dataset.children["child_id"].head(200)
    assert not any(re.search(rf"(?<![0-9.]){cid}(?![0-9])", text) for cid in ids)
    # district outlines (the Voronoi cells of their postcodes, geo/orientation.py): inside north-east England
    xy = shapely.get_coordinates(hotspots.geometry.to_numpy())
    assert (xy[:, 0] > -3.5).all() and (xy[:, 0] < -0.5).all() and (xy[:, 1] > 54).all() and (xy[:, 1] < 55.5).all()


def test_meeting_sees_no_raw_ids_or_names(tmp_path):
    index = make_index(tmp_path / "index", {"XY1 1AA": (E0, N0), "XY1 1AB": (E0 + 100, N0)})
    children = [child("100234"), child("100235")]
    episodes = [
        episode("EP-7781", "100234", "2023-04-02T20:00", found_pc="XY1 1AA", found_place="Jordan's flat"),
        episode("EP-7782", "100235", "2023-04-03T20:00", found_pc="XY1 1AB", found_place="the park"),
    ]
    links = [link("L1", "100234", "Big Dave", "adult_of_concern", target_type="associate", episode_id="EP-7781")]
    places = [{"place_name": "The Park", "postcode": "XY1 1AB", "kind": "park"}]
    dataset = load(tmp_path / "data", children, episodes, links, places)
    result = analyse_places(dataset, APRIL, postcodes=index, include_handling_c=False)
    write_hotspots_geojson(result, tmp_path / "hotspots.geojson", audience="meeting")
    write_places_geojson(result, tmp_path / "places.geojson", audience="meeting")
    text = (tmp_path / "hotspots.geojson").read_text() + (tmp_path / "places.geojson").read_text()
    for secret in ("100234", "100235", "EP-7781", "Child 1002", "Jordan", "Big Dave"):
        assert secret not in text
    assert "The Park" in text  # the analyst's own name for a place is fine
    assert dataset.associates["ref"].iloc[0] in text  # adults of concern by reference

    police = analyse_places(dataset, APRIL, postcodes=index)
    write_places_geojson(police, tmp_path / "police.geojson", audience="police")
    assert "Jordan's flat" in (tmp_path / "police.geojson").read_text()

    board = tmp_path / "board.geojson"
    write_places_geojson(result, board, audience="board")
    features = json.loads(board.read_text())["features"]
    assert {f["properties"]["postcode"] for f in features} == {"XY1"}
    assert {f["properties"]["children"] for f in features} == {None}
    assert all(f["properties"]["children_suppressed"] for f in features)


def test_audience_rules_are_enforced(tmp_path):
    index = make_index(tmp_path / "index", {"XY1 1AA": (E0, N0)})
    dataset = load(tmp_path / "data", [child("1")], [episode("E1", "1", "2023-04-02T20:00", found_pc="XY1 1AA")])
    everything = analyse_places(dataset, APRIL, postcodes=index)
    for audience in ("meeting", "board"):
        with pytest.raises(AudienceError, match="handling C"):
            write_hotspots_geojson(everything, tmp_path / "x.geojson", audience=audience)
    with pytest.raises(AudienceError, match="not 'worker'"):
        write_places_geojson(everything, tmp_path / "x.geojson", audience="worker")
    shareable = analyse_places(dataset, APRIL, postcodes=index, include_handling_c=False)
    with pytest.raises(AudienceError, match="suppression"):  # the board's districts never go out unsuppressed
        write_hotspots_geojson(shareable, tmp_path / "x.geojson", audience="board")


def _old_writer_features(columns: dict, geometries) -> list[dict]:
    """What the writer before exports/feature_text.py made of the same columns: a dict a feature through json."""
    names = list(columns)
    values = [v.tolist() if isinstance(v, np.ndarray) else list(v) for v in columns.values()]
    shapes = shapely.to_geojson(np.asarray(geometries, dtype=object)) if len(geometries) else []
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    return [
        json.loads('{"type":"Feature","properties":' + encode(dict(zip(names, row))) + ',"geometry":' + shape + "}")
        for row, shape in zip(zip(*values), shapes)
    ]


def _same_json(a, b, where="") -> str | None:
    """Where two parsed JSON values differ in value or in JSON type (an int is not a float, a list stays a list)."""
    if type(a) is not type(b):
        return f"{where}: {a!r} ({type(a).__name__}) against {b!r} ({type(b).__name__})"
    if isinstance(a, dict):
        if list(a) != list(b):
            return f"{where}: properties {list(a)} against {list(b)}"
        return next((d for k in a if (d := _same_json(a[k], b[k], f"{where}.{k}"))), None)
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{where}: {len(a)} items against {len(b)}"
        return next((d for i, (x, y) in enumerate(zip(a, b)) if (d := _same_json(x, y, f"{where}[{i}]"))), None)
    return None if a == b else f"{where}: {a!r} against {b!r}"


@pytest.mark.parametrize("audience", ["police", "meeting", "board"])
def test_geojson_parses_to_what_the_json_module_wrote(written, audience):
    """The vectorised writer's files (Arrow, a column at a time) parse to the very properties, values and JSON
    types the old writer's did (a dict a feature through the json module), lists and nested lists included, on
    the synthetic Durham year; and they are strict JSON (no NaN)."""
    from peermap.exports import geojson

    out, police, shareable = written
    result = police if audience == "police" else shareable
    board = board_districts(district_table(result)) if audience == "board" else None
    made = {
        "hotspots": geojson._board_hotspots(result, board)
        if audience == "board"
        else geojson.hotspot_columns(result, audience),
        "places": geojson._board_places(result) if audience == "board" else geojson._place_columns(result, audience),
    }
    for name, (columns, geometries) in made.items():
        text = (out / audience / f"{name}.geojson").read_text(encoding="utf-8")
        features = json.loads(text, parse_constant=lambda c: pytest.fail(f"{name}.geojson holds {c}"))["features"]
        old = _old_writer_features(columns, geometries)
        assert len(features) == len(old) > 0
        difference = _same_json(features, old, name)
        assert difference is None, difference
        if name == "hotspots" and audience != "board":  # the lists that must stay lists
            first = features[0]["properties"]
            assert isinstance(first["by_weekday_hour"], list) and len(first["by_weekday_hour"]) == 7
            assert all(isinstance(row, list) and len(row) == 24 for row in first["by_weekday_hour"])
            assert isinstance(first["series"], list) and isinstance(first["by_hour"], list)


def test_feature_text_writes_what_json_writes_for_awkward_values():
    """Text that needs escaping, numbers json writes with a point, missing values, mixed columns, nested lists."""
    from peermap.exports.feature_text import column_text

    cases = {
        "text": ["plain", 'a "quote"', "back\\slash", "new\nline", "tab\tand\x01", "é ünïcode ✓", None, ""],
        "whole": [0, -3, 2**40, None, 7, 1, 2, 3],
        "float": [2.0, 0.1, 1e-7, 1.23e-20, 1e15, -0.0, None, 123456.789012],
        "bool": [True, False, None, True, False, True, True, False],
        "mixed": [1, "one", 2.5, None, True, [1], "x", 0],
        "lists": [[1, 2], [], None, [3], [4, 5, 6], [7], [8], [9]],
        "float lists": [[1.5, None], [2.0], [], None, [0.1], [1e-9], [3.0], [4.25]],
        "table": np.arange(8 * 2 * 3).reshape(8, 2, 3),
        "floats": np.array([0.5, 2.0, np.nan, 1e21, 3.25, 1.0, 0.0, 7.5]),
    }
    for name, values in cases.items():
        expected = [
            json.dumps(v, ensure_ascii=False, separators=(",", ":"))
            for v in (values.tolist() if isinstance(values, np.ndarray) else values)
        ]
        got = column_text(values).to_pylist()
        parsed = [json.loads(t) for t in got]
        wanted = [json.loads(t) for t in expected]
        if name == "floats":  # NaN: the json module wrote NaN (not JSON); null now
            wanted[2] = None
        assert _same_json(parsed, wanted, name) is None, _same_json(parsed, wanted, name)
