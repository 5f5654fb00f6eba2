"""Trends of hot-spot areas over four periods: new, intensifying, diminishing, persistent, steady."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from place_folders import E0, N0, finds, load, make_index
from shapely.geometry import box

from peermap.geo.hotspots import analyse_places
from peermap.geo.trends import PRECEDENCE, area_trends, classify, match_by_overlap
from peermap.mapping.periods import Period

APRIL = Period.from_month("2023-04")

#: Episodes found at each place in January, February, March and April 2023, and the trend expected in April.
PLAN = {
    "XY1 1AA": ((0, 0, 0, 3), "new"),  # nothing before April
    "XY1 1AB": ((0, 0, 2, 3), "intensifying"),  # 3 >= 1.5 x 2
    "XY1 1AD": ((0, 0, 4, 2), "diminishing"),  # 2 <= 4 / 2
    "XY1 1AE": ((0, 0, 2, 2), "steady"),  # 2 of 4 periods, no marked change
    "XY1 1AF": ((1, 1, 1, 1), "persistent"),  # 4 of 4, no marked change
    "XY1 1AG": ((1, 1, 0, 1), "persistent"),  # quiet in March, back in April: 3 of 4 beats "new"
    "XY1 1AH": ((2, 2, 2, 4), "intensifying"),  # present throughout, but doubling: change comes first
    "XY1 1AJ": ((3, 3, 4, 2), "diminishing"),  # present throughout, but halving
}


def test_trends_over_four_periods(tmp_path):
    points = {pc: (E0 + 5000 * k, N0) for k, pc in enumerate(PLAN)}
    index = make_index(tmp_path / "index", points)
    children, episodes = [], []
    k = 0
    for pc, (counts, _) in PLAN.items():
        for month, n in zip(("2023-01", "2023-02", "2023-03", "2023-04"), counts):
            more_children, more_episodes = finds([pc], month=month, first_child=k, per_place=n)
            children += more_children
            episodes += more_episodes
            k += n
    result = analyse_places(load(tmp_path / "data", children, episodes), APRIL, postcodes=index, history_periods=4)
    got = result.areas.set_index("postcodes")
    print("\n" + got[["episodes", "previous_episodes", "periods_present", "trend"]].to_string())
    for pc, (counts, trend) in PLAN.items():
        assert got.loc[pc, "trend"] == trend, pc
        assert got.loc[pc, "previous_episodes"] == counts[2]
        assert got.loc[pc, "periods_present"] == f"{sum(c > 0 for c in counts)} of 4"


def test_areas_are_matched_by_overlap_not_by_name(tmp_path):
    # last month's finds 150 m east of this month's: different postcodes, overlapping areas (a one-month
    # look-back draws the areas on April alone; over a longer one both places are one fixed area)
    index = make_index(tmp_path / "index", {"XY1 1AA": (E0, N0), "XY1 1AB": (E0 + 150, N0), "XY1 1AD": (E0 + 2000, N0)})
    c1, e1 = finds(["XY1 1AB"] * 2, month="2023-03")
    c2, e2 = finds(["XY1 1AA"] * 4 + ["XY1 1AD"], month="2023-04", first_child=10)
    result = analyse_places(load(tmp_path / "data", c1 + c2, e1 + e2), APRIL, postcodes=index, lookback=1)
    got = result.areas.set_index("postcodes")
    assert got.loc["XY1 1AA", ["previous_episodes", "trend"]].tolist() == [2, "intensifying"]
    assert got.loc["XY1 1AD", "trend"] == "new"


def test_match_by_overlap_ignores_touching_outlines():
    now = gpd.GeoDataFrame({"area": ["H1", "H2"]}, geometry=[box(0, 0, 10, 10), box(100, 0, 110, 10)], crs=27700)
    then = gpd.GeoDataFrame({"label": [0, 1]}, geometry=[box(10, 0, 20, 10), box(105, 5, 120, 20)], crs=27700)
    pairs = match_by_overlap(now, then)
    assert pairs.values.tolist() == [["H2", 1]]


def test_classify_precedence():
    assert PRECEDENCE == ("intensifying", "diminishing", "persistent", "new", "steady")
    words = classify(
        episodes=[3, 1, 2, 2, 5, 0],
        previous_episodes=[2, 2, 2, 0, 0, 0],
        previous_present=[True, True, True, False, True, True],
        periods_present=[4, 4, 2, 3, 2, 2],
    )
    assert words.tolist() == ["intensifying", "diminishing", "steady", "persistent", "intensifying", "steady"]


def test_no_history_no_trend():
    now = gpd.GeoDataFrame({"area": ["H1"], "episodes": [3]}, geometry=[box(0, 0, 10, 10)], crs=27700)
    out = area_trends(now, [])
    assert pd.isna(out.loc["H1", "trend"]) and pd.isna(out.loc["H1", "previous_episodes"])
    assert out.loc["H1", "periods_present"] == "1 of 1"


@pytest.mark.parametrize("history", [1, 2])
def test_short_history(tmp_path, history):
    index = make_index(tmp_path / "index", {"XY1 1AA": (E0, N0)})
    c1, e1 = finds(["XY1 1AA"], month="2023-03")
    c2, e2 = finds(["XY1 1AA"], month="2023-04", first_child=5)
    result = analyse_places(load(tmp_path / "data", c1 + c2, e1 + e2), APRIL, postcodes=index, history_periods=history)
    trend = result.areas.iloc[0]["trend"]
    assert pd.isna(trend) if history == 1 else trend == "steady"  # one period: nothing to compare with


def test_a_period_before_the_data_starts_is_unknown_not_quiet(tmp_path):
    # the data starts in March: January and February are not "nothing found", they are before its coverage,
    # so an area busy in March and April is present "2 of 2", and in the first month nothing is "new"
    index = make_index(tmp_path / "index", {"XY1 1AA": (E0, N0), "XY1 1AD": (E0 + 5000, N0)})
    c1, e1 = finds(["XY1 1AA"] * 2, month="2023-03")
    c2, e2 = finds(["XY1 1AA"] * 2 + ["XY1 1AD"], month="2023-04", first_child=10)
    dataset = load(tmp_path / "data", c1 + c2, e1 + e2)
    april = analyse_places(dataset, APRIL, postcodes=index, history_periods=4).areas.set_index("postcodes")
    assert april.loc["XY1 1AA", ["periods_present", "trend"]].tolist() == ["2 of 2", "steady"]
    assert april.loc["XY1 1AD", ["periods_present", "trend"]].tolist() == ["1 of 2", "new"]
    march = analyse_places(dataset, APRIL.previous(), postcodes=index, history_periods=4).areas
    assert march["trend"].isna().all() and (march["periods_present"] == "1 of 1").all()
