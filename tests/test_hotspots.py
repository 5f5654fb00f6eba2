"""Hot-spot areas: grouping, the size cap, ranking, Gi* against a worked example, and the synthetic year."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from place_folders import E0, N0, child, episode, finds, link, load, make_index, postcode
from scipy.spatial.distance import pdist
from scipy.stats import norm

from peermap.geo.hotspots import analyse_places, gi_star, group_places, join_within
from peermap.mapping.periods import Period

APRIL = Period.from_month("2023-04")
YEAR = Period.from_dates("2022-04-01", "2023-03-31")


def widest(geometry) -> float:
    """Largest distance between two vertices of an outline (its width in every direction)."""
    return float(pdist(shapely.get_coordinates(geometry)).max())


def analyse_points(tmp_path, points: dict[str, tuple[float, float]], per_place: int = 1):
    index = make_index(tmp_path / "index", points)
    children, episodes = finds(list(points), per_place=per_place)
    return analyse_places(load(tmp_path / "data", children, episodes), APRIL, postcodes=index)


# -- grouping ----------------------------------------------------------------------------------------------------
def test_two_places_100_m_apart_join(tmp_path):
    result = analyse_points(tmp_path, {"XY1 1AA": (E0, N0), "XY1 1AB": (E0 + 100, N0)})
    assert len(result.areas) == 1
    area = result.areas.iloc[0]
    assert (area["places"], area["children"], area["episodes"]) == (2, 2, 2)
    assert area["postcodes"] == "XY1 1AA;XY1 1AB"


def test_two_places_5_km_apart_do_not(tmp_path):
    result = analyse_points(tmp_path, {"XY1 1AA": (E0, N0), "XY1 1AB": (E0 + 5000, N0)})
    assert len(result.areas) == 2
    assert sorted(result.areas["postcodes"]) == ["XY1 1AA", "XY1 1AB"]


def test_a_3_km_chain_of_places_100_m_apart_is_not_one_area(tmp_path):
    chain = {postcode(i): (E0 + 100 * i, N0) for i in range(31)}  # 0 m to 3,000 m along a road
    result = analyse_points(tmp_path, chain)
    areas = result.areas
    print(f"\n3 km chain: {len(areas)} areas, widths {sorted(areas['width_m'].tolist())} m")
    assert len(areas) >= 4  # at most 800 m of places per area, so 3 km needs four
    assert areas["children"].sum() == 31  # every place in exactly one area
    for geometry in areas.geometry:
        assert widest(geometry) <= 1000 + 1e-6
    members = [set(p.split(";")) for p in areas["postcodes"]]
    assert sum(len(m) for m in members) == 31 and len(set().union(*members)) == 31


def test_group_places_directly():
    assert group_places([0, 100, 5000], [0, 0, 0]).tolist() == [0, 0, 1]
    labels = group_places(np.arange(0, 3001, 100), np.zeros(31))
    assert len(set(labels.tolist())) == 4
    for k in set(labels.tolist()):
        xs = np.arange(0, 3001, 100)[labels == k]
        assert xs.max() - xs.min() <= 800
    # a dense spot is kept whole: the cut is centred on the busiest place, not through it
    x = np.concatenate([np.arange(0, 2001, 100), [1000, 1000, 1000]])
    weight = np.concatenate([np.ones(21), [5, 5, 5]])
    labels = group_places(x, np.zeros(len(x)), weight)
    spot = labels[x == 1000]
    assert len(set(spot.tolist())) == 1
    assert set(x[labels == spot[0]].tolist()) == set(range(600, 1401, 100))


@settings(max_examples=80, deadline=None, derandomize=True)
@given(
    points=st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40)), min_size=1, max_size=120),
    step=st.sampled_from([50.0, 62.5, 83.3, 125.0]),
)
def test_places_join_into_the_groups_dbscan_gives(points, step):
    """Joining places within 250 m gives DBSCAN's groups (eps 250 m, one place a core): the same places
    together, whatever the numbering. On a grid of 50 m (and other steps), many pairs are exactly 250 m
    apart (150/200/250, 0/250), which must join, and pairs a step further must not; points may repeat."""
    from sklearn.cluster import DBSCAN

    xy = np.array(points, float) * step
    ours = join_within(xy, 250.0)
    theirs = DBSCAN(eps=250.0, min_samples=1, algorithm="kd_tree").fit(xy).labels_
    pairs = pd.DataFrame({"ours": ours, "theirs": theirs}).drop_duplicates()
    assert pairs["ours"].is_unique and pairs["theirs"].is_unique  # one group for one group, both ways
    assert len(pairs) == len(set(theirs.tolist()))


# -- ranking and measures ------------------------------------------------------------------------------------
def test_ranking_children_then_episodes_then_most_recent(tmp_path):
    points = {"XY1 1AA": (E0, N0), "XY1 1AB": (E0 + 5000, N0), "XY1 1AD": (E0 + 10000, N0), "XY1 1AE": (E0 + 15000, N0)}
    index = make_index(tmp_path / "index", points)
    children = [child(c) for c in ("a1", "a2", "a3", "b1", "b2", "c1", "c2", "d1", "d2")]
    ep = [
        episode("A1", "a1", "2023-04-01T20:00", found_pc="XY1 1AA"),
        episode("A2", "a2", "2023-04-02T20:00", found_pc="XY1 1AA"),
        episode("A3", "a3", "2023-04-03T20:00", found_pc="XY1 1AA"),  # A: 3 children, 3 episodes
        *[episode(f"B{i}", f"b{1 + i % 2}", f"2023-04-0{i + 1}T21:00", found_pc="XY1 1AB") for i in range(5)],
        episode("C1", "c1", "2023-04-04T20:00", found_pc="XY1 1AD"),  # C: 2 children, 2 episodes, 5 April
        episode("C2", "c2", "2023-04-05T20:00", found_pc="XY1 1AD"),
        episode("D1", "d1", "2023-04-04T20:00", found_pc="XY1 1AE"),  # D: the same, but 20 April
        episode("D2", "d2", "2023-04-20T20:00", found_pc="XY1 1AE"),
    ]
    result = analyse_places(load(tmp_path / "data", children, ep), APRIL, postcodes=index)
    areas = result.areas
    assert areas["postcodes"].tolist() == ["XY1 1AA", "XY1 1AB", "XY1 1AE", "XY1 1AD"]
    assert areas["rank"].tolist() == [1, 2, 3, 4]
    assert areas[["children", "episodes"]].to_numpy().tolist() == [[3, 3], [2, 5], [2, 2], [2, 2]]
    assert str(areas.iloc[2]["last_seen"].date()) == "2023-04-20"


def test_children_of_one_childrens_home_count_once(tmp_path):
    points = {"XY1 1AA": (E0, N0), "XY1 1AB": (E0 + 5000, N0), "XY1 1AD": (E0 + 5080, N0)}
    index = make_index(tmp_path / "index", points)
    # three children placed together in the home at XY1 1AD, found at the shop 80 m away
    children = [child(f"r{i}", placement="XY1 1AD", placement_type="residential") for i in range(3)]
    children += [child("x1"), child("x2")]
    ep = [episode(f"R{i}", f"r{i}", "2023-04-02T20:00", missing_from="XY1 1AD", found_pc="XY1 1AB") for i in range(3)]
    ep += [episode(f"R{i}b", f"r{i}", "2023-04-09T20:00", missing_from="XY1 1AD", found_pc="XY1 1AD") for i in range(3)]
    ep += [
        episode("X1", "x1", "2023-04-03T20:00", found_pc="XY1 1AA"),
        episode("X2", "x2", "2023-04-04T20:00", found_pc="XY1 1AA"),
    ]
    result = analyse_places(load(tmp_path / "data", children, ep), APRIL, postcodes=index)
    areas = result.areas.set_index("postcodes")
    shop = areas.loc["XY1 1AB"]
    assert (shop["children"], shop["children_all"], shop["episodes"]) == (1, 3, 3)
    assert shop["contains_childrens_home"] and shop["childrens_homes"] == ("XY1 1AD",)
    assert shop["episodes_from_childrens_homes"] == 3
    assert "XY1 1AD" not in areas.index  # found at the home: never an area
    assert areas.loc["XY1 1AA", "rank"] == 1  # two children from two homes outrank one home's three


def test_clusters_adults_of_concern_and_time_of_day(tmp_path):
    index = make_index(tmp_path / "index", {"XY1 1AA": (E0, N0), "XY1 1AB": (E0 + 120, N0)})
    children = [child("1"), child("2"), child("3")]
    ep = [
        episode("E1", "1", "2023-04-01T19:00", "2023-04-01T22:10", found_pc="XY1 1AA"),  # Saturday 22:10
        episode("E2", "2", "2023-04-01T19:30", "2023-04-01T22:40", found_pc="XY1 1AB"),  # Saturday 22:40
        episode("E3", "3", "2023-04-05T23:00", "2023-04-06T03:00", found_pc="XY1 1AA"),
    ]  # Thursday 03:00
    links = [
        link("L1", "1", "Big Dave", "adult_of_concern", target_type="associate", episode_id="E1"),
        link("L2", "3", "Sam", "peer", target_type="associate", episode_id="E3"),
    ]
    dataset = load(tmp_path / "data", children, ep, links)
    refs = dict(zip(dataset.children["child_id"], dataset.children["ref"]))
    dave = dataset.associates.set_index("label").loc["Big Dave", "ref"]
    clusters = {refs["1"]: 4, refs["2"]: 12, refs["3"]: 4}
    result = analyse_places(dataset, APRIL, postcodes=index, cluster_of=clusters)
    area = result.areas.iloc[0]
    assert area["clusters"] == (4, 12) and area["clusters_meet"]  # whole numbers, in numeric order
    assert area["adults_of_concern"] == (dave,)
    assert (area["peak_day"], area["peak_hour"]) == ("Sat", 22)
    tod = result.time_of_day
    assert tod[["day", "hour", "episodes"]].to_numpy().tolist() == [["Thu", 3, 1], ["Sat", 22, 2]]
    # without the peer-network results it still works; an explicit list replaces the default
    plain = analyse_places(dataset, APRIL, postcodes=index, adults_of_concern=set()).areas.iloc[0]
    assert plain["clusters"] == () and not plain["clusters_meet"] and plain["adults_of_concern"] == ()


def test_gi_star_is_null_when_the_numbers_do_not_allow(tmp_path):
    result = analyse_points(tmp_path, {"XY1 1AA": (E0, N0), "XY1 1AB": (E0 + 5000, N0)})
    assert result.areas["gi_z"].isna().all() and result.areas["gi_p"].isna().all()


# -- Gi* against a worked example --------------------------------------------------------------------------------
def test_gi_star_matches_the_formula_worked_by_hand():
    """Getis-Ord Gi* on a 4 x 4 grid, binary queen weights with each cell its own neighbour.

    Values (column ix down, row iy across)::

        0 0 0 0
        0 4 2 0
        0 2 0 0
        0 0 0 0

    n = 16, mean = 8/16 = 0.5, S² = 24/16 - 0.5² = 1.25. For cell (1, 1) (value 4): its 3 x 3 block
    holds all the values, sum 8, W = 9, so z = (8 - 0.5 * 9) / (sqrt(1.25) * sqrt((16 * 9 - 81) / 15))
    = 3.5 / 2.29129 = 1.52753. Corner (0, 0): block sum 4, W = 4: z = (4 - 2) / (sqrt(1.25) *
    sqrt((64 - 16) / 15)) = 2 / 2 = 1. Corner (3, 3): block sum 0: z = -1.
    """
    ix, iy = np.divmod(np.arange(16), 4)
    grid = np.zeros((4, 4))
    grid[1, 1], grid[1, 2], grid[2, 1] = 4, 2, 2
    values = grid[ix, iy]
    z, p = gi_star(ix, iy, values)
    cell = {(a, b): k for k, (a, b) in enumerate(zip(ix, iy))}
    assert z[cell[1, 1]] == pytest.approx(1.52753, abs=1e-5)
    assert z[cell[0, 0]] == pytest.approx(1.0, abs=1e-9)
    assert z[cell[3, 3]] == pytest.approx(-1.0, abs=1e-9)
    # every cell, from the formula (Ord and Getis 1995, eq. 14 with binary weights)
    n, mean = len(values), values.mean()
    s = np.sqrt((values**2).mean() - mean**2)
    for k in range(n):
        near = (np.abs(ix - ix[k]) <= 1) & (np.abs(iy - iy[k]) <= 1)
        w = near.sum()
        expected = (values[near].sum() - mean * w) / (s * np.sqrt((n * w - w**2) / (n - 1)))
        assert z[k] == pytest.approx(expected, abs=1e-9)
        assert p[k] == pytest.approx(norm.sf(abs(expected)), abs=1e-12)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    cells=st.lists(st.tuples(st.integers(0, 12), st.integers(0, 12)), min_size=2, max_size=80, unique=True),
    seed=st.integers(0, 2**16),
)
def test_gi_star_is_esdas_on_libpysals_own_queen_graph(cells, seed):
    """On any grid (holes, lone cells, lines), the z and p of every cell are those esda's G_Local gives on a
    libpysal Graph of the same cells, each its own neighbour, built pair by pair here."""
    from esda.getisord import G_Local
    from libpysal.graph import Graph

    ix, iy = np.array(cells).T
    values = np.random.default_rng(seed).poisson(1.5, len(cells)).astype(float)
    near = (np.abs(ix[:, None] - ix[None, :]) <= 1) & (np.abs(iy[:, None] - iy[None, :]) <= 1)
    focal, neighbour = np.nonzero(near)
    graph = Graph.from_arrays(focal, neighbour, np.ones(len(focal)))
    z, p = gi_star(ix, iy, values)
    if np.all(values == values[0]):
        assert np.isnan(z).all() and np.isnan(p).all()
        return
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = G_Local(values, graph, transform="B", star=None, permutations=0)
    np.testing.assert_allclose(z, expected.Zs, rtol=1e-12, atol=1e-12, equal_nan=True)
    np.testing.assert_allclose(p, expected.p_norm, rtol=1e-12, atol=1e-12, equal_nan=True)


def test_gi_star_on_cells_from_places(tmp_path):
    """A busy spot among scattered single finds: the busy area has the largest z, and it is significant."""
    points = {postcode(i): (E0 + 1000 * (i % 8), N0 + 1000 * (i // 8)) for i in range(40)}
    index = make_index(tmp_path / "index", points)
    children, episodes = finds(list(points))
    more, more_eps = finds([postcode(0)] * 12, first_child=100)
    result = analyse_places(load(tmp_path / "data", children + more, episodes + more_eps), APRIL, postcodes=index)
    top = result.areas.iloc[0]
    assert top["postcodes"] == postcode(0) and top["children"] == 13
    assert top["gi_z"] == pytest.approx(result.areas["gi_z"].max())
    assert top["gi_z"] > 3 and top["gi_p"] < 0.01
    assert result.areas["gi_z"].notna().all()


# -- the synthetic year (done-when) ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def synthetic_result(synthetic_dataset):
    return analyse_places(synthetic_dataset, YEAR)


def test_every_planted_hot_spot_is_in_the_top_10(synthetic_year, synthetic_result):
    truth = json.loads((synthetic_year / "truth.json").read_text())
    planted = pd.DataFrame(truth["hotspots"])
    circles = gpd.GeoDataFrame(
        planted,
        geometry=gpd.GeoSeries(gpd.points_from_xy(planted["easting"], planted["northing"]), crs=27700).buffer(
            planted["radius_m"]
        ),
    )
    areas = synthetic_result.areas
    hits = gpd.sjoin(circles, areas[["rank", "children", "episodes", "geometry"]], predicate="intersects")
    best = hits.sort_values("rank").drop_duplicates("postcode").set_index("postcode")
    print("\nplanted hot spot                        radius  best rank  children  episodes")
    for spot in truth["hotspots"]:
        row = best.loc[spot["postcode"]] if spot["postcode"] in best.index else None
        print(
            f"{spot.get('name', spot['postcode'])[:38]:<38} {spot['radius_m']:>6} "
            f"{'-' if row is None else int(row['rank']):>10} {'-' if row is None else int(row['children']):>9} "
            f"{'-' if row is None else int(row['episodes']):>9}"
        )
    print(
        "top 10:",
        "; ".join(
            f"{r.rank}. {r.place_names or r.postcodes.split(';')[0]} ({r.children} children, {r.episodes} episodes)"
            for r in areas.head(10).itertuples()
        ),
    )
    missed = [
        s["postcode"]
        for s in truth["hotspots"]
        if s["postcode"] not in best.index or best.loc[s["postcode"], "rank"] > 10
    ]
    assert missed == [], f"planted hot spots outside the top 10: {missed}"


def test_no_top_10_area_is_there_because_of_a_childrens_home(synthetic_year, synthetic_dataset, synthetic_result):
    truth = json.loads((synthetic_year / "truth.json").read_text())
    homes = set(truth["residential_homes"])
    episodes = synthetic_dataset.episodes.set_index("episode_id")
    counted = synthetic_result.mentions[synthetic_result.mentions["counted"]]
    print("\nrank  area episodes  start or end at a children's home")
    shares = {}
    for area in synthetic_result.areas.head(10).itertuples():
        ids = counted.loc[counted["area"] == area.area, "episode_id"].dropna().unique()
        ep = episodes.loc[ids]
        at_home = ep["missing_from_postcode"].isin(homes) | ep["found_at_postcode"].isin(homes)
        shares[area.rank] = float(at_home.mean()) if len(ep) else 0.0
        print(f"{area.rank:>4} {area.area:>5} {len(ep):>8}  {int(at_home.sum()):>4} ({shares[area.rank]:.0%})")
    assert all(share <= 0.5 for share in shares.values()), shares
    assert not set(synthetic_result.areas["postcodes"].str.split(";").explode()) & homes
