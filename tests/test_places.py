"""Places: every postcode and place name placed, named places through places.csv, unknowns reported."""

from __future__ import annotations

import pandas as pd
import pytest
from place_folders import E0, N0, child, episode, finds, link, load, make_index

from peermap.geo.hotspots import analyse_places
from peermap.geo.places import UNKNOWN_LISTED_POSTCODE, UNKNOWN_NAME, UNKNOWN_POSTCODE, place_mentions
from peermap.mapping.periods import Period

APRIL = Period.from_month("2023-04")


@pytest.fixture
def index(tmp_path):
    return make_index(
        tmp_path / "index",
        {
            "XY1 1AA": (E0, N0),  # Wharton Park (in places.csv)
            "XY1 1AB": (E0 + 3000, N0),  # a children's home
            "XY1 1AD": (E0 + 6000, N0),  # a family home
            "XY1 1AE": (E0 + 9000, N0),  # the library: a safe place
            "XY1 1AF": (E0 + 12000, N0),  # a shop
        },
    )


def test_unknown_postcode_is_reported_and_not_placed(tmp_path, index):
    children = [child("1"), child("2")]
    episodes = [
        episode("E1", "1", "2023-04-02T20:00", "2023-04-02T23:00", found_pc="XY9 9ZZ"),
        episode("E2", "2", "2023-04-03T20:00", "2023-04-03T23:00", found_pc="xy11aa"),
    ]
    dataset = load(tmp_path / "data", children, episodes)
    result = analyse_places(dataset, APRIL, postcodes=index)

    assert "XY9 9ZZ" not in set(result.places["postcode"])
    assert "XY9 9ZZ" not in ";".join(result.areas["postcodes"])
    row = result.unplaced.set_index("text").loc["XY9 9ZZ"]
    assert (row["kind"], row["reason"], row["children"], row["episodes"]) == ("postcode", UNKNOWN_POSTCODE, 1, 1)
    # the known one, written without a space in lower case, is placed at its point
    placed = result.places.set_index("postcode").loc["XY1 1AA"]
    assert (placed["easting"], placed["northing"], placed["role"]) == (E0, N0, "found_at")
    assert placed["lon"] == pytest.approx(-1.578, abs=0.01) and placed["lat"] == pytest.approx(54.772, abs=0.01)


def test_named_place_is_placed_through_places_csv(tmp_path, index):
    children = [child("1"), child("2"), child("3")]
    episodes = [
        episode("E1", "1", "2023-04-02T20:00", "2023-04-02T23:00", found_place="wharton  PARK"),
        episode("E2", "2", "2023-04-03T20:00", "2023-04-03T23:00", found_place="Wharton Park"),
        episode("E3", "3", "2023-04-04T20:00", "2023-04-04T23:00", found_place="the underpass"),
    ]
    links = [link("L1", "3", "WhartonPark", "frequents")]
    places = [
        {"place_name": "Wharton Park", "postcode": "XY1 1AA", "kind": "park"},
        {"place_name": "Old Mill", "postcode": "XY8 8ZZ", "kind": "other"},
    ]
    dataset = load(tmp_path / "data", children, episodes, links, places)
    result = analyse_places(dataset, APRIL, postcodes=index)

    park = result.places.set_index("postcode").loc["XY1 1AA"]
    assert park["place"] == "Wharton Park" and park["kind"] == "park"
    assert (park["found_at_children"], park["found_at_episodes"], park["frequents_children"]) == (2, 2, 1)
    assert park["roles"] == "found_at;frequents"
    assert result.areas.iloc[0]["place_names"] == "Wharton Park"
    assert result.areas.iloc[0]["children"] == 3
    unplaced = result.unplaced.set_index("text")
    assert unplaced.loc["the underpass", "reason"] == UNKNOWN_NAME
    assert unplaced.loc["the underpass", "kind"] == "name"


def test_named_place_without_places_csv_is_listed_and_left_off_the_map(tmp_path, index):
    children = [child("1"), child("2")]
    episodes = [
        episode("E1", "1", "2023-04-02T20:00", "2023-04-02T23:00", found_place="Wharton Park"),
        episode("E2", "2", "2023-04-03T20:00", "2023-04-03T23:00", found_place="wharton park"),
    ]
    dataset = load(tmp_path / "data", children, episodes)  # no places.csv at all
    result = analyse_places(dataset, APRIL, postcodes=index)

    assert result.places.empty and result.areas.empty
    assert len(result.unplaced) == 1  # one name, however it is written
    row = result.unplaced.iloc[0]
    assert (row["reason"], row["children"], row["episodes"], row["mentions"]) == (UNKNOWN_NAME, 2, 2, 2)


def test_places_csv_postcode_missing_from_the_index(tmp_path, index):
    children = [child("1")]
    episodes = [episode("E1", "1", "2023-04-02T20:00", "2023-04-02T23:00", found_place="Old Mill")]
    places = [{"place_name": "Old Mill", "postcode": "XY8 8ZZ", "kind": "other"}]
    result = analyse_places(load(tmp_path / "data", children, episodes, places=places), APRIL, postcodes=index)
    row = result.unplaced.iloc[0]
    assert (row["text"], row["reason"], row["postcode_listed"]) == ("Old Mill", UNKNOWN_LISTED_POSTCODE, "XY8 8ZZ")


def test_every_role_with_children_and_episodes(tmp_path, index):
    children = [
        child("1", placement="XY1 1AB", placement_type="residential", legal_status="CiC"),
        child("2", placement="XY1 1AB", placement_type="residential", legal_status="CiC"),
        child("3", home="XY1 1AD"),
    ]
    episodes = [
        episode("E1", "1", "2023-04-02T20:00", "2023-04-02T23:00", missing_from="XY1 1AB", found_pc="XY1 1AF"),
        episode("E2", "1", "2023-04-09T20:00", "2023-04-09T23:00", missing_from="XY1 1AB", found_pc="XY1 1AB"),
        episode("E3", "2", "2023-04-10T20:00", "2023-04-10T23:00", missing_from="XY1 1AB"),
        episode("E4", "3", "2023-04-11T20:00", "2023-04-11T23:00", missing_from="XY1 1AD", found_pc="XY1 1AD"),
    ]
    links = [
        link("L1", "3", "XY1 1AE", "safe_place"),
        link("L2", "1", "XY1 1AF", "exploitation_location", episode_id="E1"),
    ]
    dataset = load(tmp_path / "data", children, episodes, links)
    result = analyse_places(dataset, APRIL, postcodes=index)
    places = result.places.set_index("postcode")

    home = places.loc["XY1 1AB"]
    assert home["kind"] == "childrens_home" and home["home"]
    assert (home["missing_from_children"], home["missing_from_episodes"]) == (2, 3)
    assert (home["placed_children"], home["found_at_episodes"]) == (2, 1)
    assert home["role"] == "missing_from"  # a home is drawn as a home, never as a find
    assert places.loc["XY1 1AD", "kind"] == "family_home" and places.loc["XY1 1AD", "lives_children"] == 1
    assert places.loc["XY1 1AE", "role"] == "safe_place"
    assert places.loc["XY1 1AF", "role"] == "exploitation_location"

    # missing-from places apart, with counts and what kind of home
    missing = result.missing_from.set_index("postcode")
    assert missing.loc["XY1 1AB", ["kind", "children", "episodes"]].tolist() == ["childrens_home", 2, 3]
    assert missing.loc["XY1 1AD", ["kind", "children", "episodes"]].tolist() == ["family_home", 1, 1]
    # safe places apart, never an area
    assert result.safe_places["postcode"].tolist() == ["XY1 1AE"]
    # homes never count toward an area: the only area is the shop
    assert result.areas["postcodes"].tolist() == ["XY1 1AF"]
    assert result.areas.iloc[0][["children", "episodes"]].tolist() == [1, 1]


def test_links_time_by_their_episode_else_recorded_at(tmp_path, index):
    children = [child("1")]
    episodes = [episode("E1", "1", "2023-03-30T20:00", "2023-03-30T23:00")]
    links = [
        link("L1", "1", "XY1 1AF", "frequents", recorded_at="2023-04-02T10:00", episode_id="E1"),  # March
        link("L2", "1", "XY1 1AA", "frequents", recorded_at="2023-04-02T10:00"),
    ]  # April
    mentions = place_mentions(load(tmp_path / "data", children, episodes, links))
    at = mentions.set_index("link_id")["at"]
    assert str(at["L1"].date()) == "2023-03-30" and str(at["L2"].date()) == "2023-04-02"
    result = analyse_places(load(tmp_path / "data2", children, episodes, links), APRIL, postcodes=index)
    assert result.areas["postcodes"].tolist() == ["XY1 1AA"]


def test_police_only_intelligence_left_out_on_request(tmp_path, index):
    children = [child("1"), child("2")]
    episodes = [episode("E1", "1", "2023-04-02T20:00")]
    links = [
        link("L1", "1", "XY1 1AF", "exploitation_location", source="police"),  # handling C by default
        link("L2", "2", "XY1 1AA", "frequents", source="police", handling="P"),
    ]
    dataset = load(tmp_path / "data", children, episodes, links)
    everything = analyse_places(dataset, APRIL, postcodes=index)
    shareable = analyse_places(dataset, APRIL, postcodes=index, include_handling_c=False)
    assert sorted(everything.areas["postcodes"]) == ["XY1 1AA", "XY1 1AF"]
    assert shareable.areas["postcodes"].tolist() == ["XY1 1AA"]
    assert shareable.includes_handling_c is False


def test_mentions_are_vectorised_over_a_large_folder(tmp_path):
    """A place per find for 2,000 children: one table, no per-row Python (shape check only)."""
    points = {
        f"XY1 {i // 400 % 10}{'ABDEFGHJLNPQRSTUWXYZ'[(i // 20) % 20]}{'ABDEFGHJLNPQRSTUWXYZ'[i % 20]}": (
            E0 + 50 * (i % 40),
            N0 + 50 * (i // 40),
        )
        for i in range(400)
    }
    index = make_index(tmp_path / "index", points)
    children, episodes = finds(list(points) * 5)
    result = analyse_places(load(tmp_path / "data", children, episodes), APRIL, postcodes=index)
    assert result.places["found_at_children"].sum() == 2000
    assert int(pd.Series(result.areas["children_all"]).sum()) == 2000


def test_whole_folder_without_a_period(tmp_path, index):
    children = [child("1"), child("2")]
    episodes = [
        episode("E1", "1", "2021-06-02T20:00", found_pc="XY1 1AA"),
        episode("E2", "2", "2023-04-03T20:00", found_pc="XY1 1AA"),
    ]
    result = analyse_places(load(tmp_path / "data", children, episodes), None, postcodes=index)
    area = result.areas.iloc[0]
    assert (area["children"], area["episodes"]) == (2, 2)
    assert pd.isna(area["trend"])  # nothing to compare with
