"""Each kind of evidence between two children, on small hand-made folders, with its explanation.

Distances between the real postcodes used (Code-Point Open, BNG metres):
DH1 1AB-DH1 1AD 78 m; DH1 3EB-DH1 4QP 180 m; DH1 1AB-DH1 3EB 3.5 km;
NE1 4ST (Newcastle)-DL3 7SQ (Darlington) 50.3 km.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import TEST_KEY, write_folder

from peermap.graph_models.load import load_folder
from peermap.mapping.evidence import EvidenceRecords, collect_evidence, explain, kind_names
from peermap.mapping.evidence.co_missing import overlapping_episode_pairs
from peermap.mapping.evidence.sweep import close_pairs, interval_join
from peermap.mapping.periods import Period
from peermap.mapping.settings import EvidenceSettings

MARCH = Period.from_month("2023-03")


def child(child_id, **extra):
    return {"child_id": child_id, "display_name": f"Child {child_id}", **extra}


def episode(episode_id, child_id, missing, returned="", missing_from="", found_at="", place=""):
    return {
        "episode_id": episode_id,
        "child_id": child_id,
        "missing_at": missing,
        "returned_at": returned,
        "missing_from_postcode": missing_from,
        "found_at_postcode": found_at,
        "found_at_place": place,
    }


def link(
    link_id,
    child_id,
    target_type,
    target_ref,
    role="",
    episode_id="",
    with_during="",
    source="rthi",
    source_grade="1",
    intel_grade="A",
    handling="",
    recorded="2023-03-10T12:00",
    notes="",
):
    return {
        "link_id": link_id,
        "child_id": child_id,
        "recorded_at": recorded,
        "target_type": target_type,
        "target_ref": target_ref,
        "role": role,
        "episode_id": episode_id,
        "with_during_episode": with_during,
        "source": source,
        "source_grade": source_grade,
        "intel_grade": intel_grade,
        "handling": handling,
        "notes": notes,
    }


def evidence(tmp_path, children, episodes, links=(), settings=None, **tables):
    folder = write_folder(
        tmp_path / "data", children=children, episodes=episodes, **({"links": list(links)} if links else {}), **tables
    )
    dataset = load_folder(folder, key=TEST_KEY)
    found = collect_evidence(dataset, MARCH, settings)
    ref = dict(zip(dataset.children["child_id"], dataset.children["ref"]))
    records = EvidenceRecords.of(found.episodes, found.period_rows.links)
    rows = found.rows.assign(detail=explain(found.rows, records))
    rows.attrs["records"] = records
    return rows, ref, dataset


def between(rows, ref, x, y, kind=None):
    a, b = sorted([ref[x], ref[y]])
    pick = (rows["a"] == a) & (rows["b"] == b)
    if kind:
        pick &= rows["kind"] == kind
    return rows[pick]


# -- missing at the same time ------------------------------------------------------------------------------------
def test_overlapping_episodes_close_in_place_are_linked_and_explained(tmp_path):
    rows, ref, _ = evidence(
        tmp_path,
        [child("1"), child("2")],
        [
            episode("E1", "1", "2023-03-04T10:00", "2023-03-04T14:00", missing_from="DH1 1AB"),
            episode("E2", "2", "2023-03-04T11:00", "2023-03-04T15:00", missing_from="DH1 3EB"),
        ],
    )
    row = between(rows, ref, "1", "2", "overlapping").iloc[0]
    # 3 hours in common out of the 5 hours either was missing: 60% shared, weight 0.5 x 0.6
    assert row["shared_share"] == pytest.approx(0.6)
    assert row["weight"] == pytest.approx(0.3)
    assert row["distance_km"] == pytest.approx(3.45, abs=0.01)
    # each child's own episode by its dates, and the two places the distance is between
    assert f"{ref['1']} missing 04 Mar 2023 10:00 to 04 Mar 2023 14:00" in row["detail"]
    assert f"{ref['2']} missing 04 Mar 2023 11:00 to 04 Mar 2023 15:00" in row["detail"]
    assert "(60% of their time missing shared)" in row["detail"]
    assert (
        f"{ref['1']} went missing from DH1 1AB" in row["detail"]
        and f"{ref['2']} went missing from DH1 3EB" in row["detail"]
        and row["detail"].endswith(", 3.5 km apart")
    )
    assert not row["unverified"] and row["occasions"] == 1


def test_two_children_missing_at_the_same_time_50_km_apart_are_not_linked(tmp_path):
    rows, ref, _ = evidence(
        tmp_path,
        [child("1"), child("2")],
        [
            episode("E1", "1", "2023-03-04T10:00", "2023-03-04T14:00", missing_from="NE1 4ST", found_at="NE1 4ST"),
            episode("E2", "2", "2023-03-04T10:00", "2023-03-04T14:00", missing_from="DL3 7SQ", found_at="DL3 7SQ"),
        ],
    )
    assert rows.empty


def test_found_near_the_other_counts_as_close(tmp_path):
    # missing from 50 km apart, but one was found within 10 km of where the other went missing from
    rows, ref, _ = evidence(
        tmp_path,
        [child("1"), child("2")],
        [
            episode("E1", "1", "2023-03-04T10:00", "2023-03-04T14:00", missing_from="NE1 4ST", found_at="DL1 1PH"),
            episode("E2", "2", "2023-03-04T10:00", "2023-03-04T14:00", missing_from="DL3 7SQ"),
        ],
    )
    assert len(between(rows, ref, "1", "2", "overlapping")) == 1


def test_without_coordinates_the_same_postcode_district_counts_as_close(tmp_path):
    # DH1 9ZZ and DH1 8ZZ are well formed but in no index: the same district DH1; DL3 9ZZ is another
    rows, ref, _ = evidence(
        tmp_path,
        [child("1"), child("2"), child("3")],
        [
            episode("E1", "1", "2023-03-04T10:00", "2023-03-04T14:00", missing_from="DH1 9ZZ"),
            episode("E2", "2", "2023-03-04T10:00", "2023-03-04T14:00", missing_from="DH1 8ZZ"),
            episode("E3", "3", "2023-03-04T10:00", "2023-03-04T14:00", missing_from="DL3 9ZZ"),
        ],
    )
    assert len(between(rows, ref, "1", "2", "overlapping")) == 1
    assert between(rows, ref, "1", "2").iloc[0]["detail"].endswith("both in postcode district DH1")
    assert between(rows, ref, "1", "3").empty and between(rows, ref, "2", "3").empty


def test_a_long_episode_overlapping_many_makes_no_strong_link(tmp_path):
    # child L is missing for six days; twenty other children are each missing two hours during it,
    # on different days and hours, all in Durham city
    starts = pd.date_range("2023-03-04T08:00", periods=20, freq="7h")
    children = [child("L")] + [child(f"S{i}") for i in range(20)]
    episodes = [episode("EL", "L", "2023-03-04T06:00", "2023-03-10T06:00", missing_from="DH1 1AB")]
    episodes += [
        episode(f"E{i}", f"S{i}", t.isoformat(), (t + pd.Timedelta(hours=2)).isoformat(), missing_from="DH1 3EB")
        for i, t in enumerate(starts)
    ]
    # and two children missing over exactly the same two hours
    episodes += [
        episode("P1", "S0", "2023-03-20T20:00", "2023-03-20T22:00", missing_from="DH1 1AB"),
        episode("P2", "S1", "2023-03-20T20:00", "2023-03-20T22:00", missing_from="DH1 1AB"),
    ]
    rows, ref, _ = evidence(tmp_path, children, episodes)
    # it overlaps all of them, but two hours out of six days is 1.4% of their time missing: not "at the same time"
    long_ties = rows[(rows["a"] == ref["L"]) | (rows["b"] == ref["L"])]
    assert long_ties.empty
    exact = between(rows, ref, "S0", "S1", "overlapping")
    assert exact["weight"].max() == pytest.approx(0.5)  # the same two hours: fully shared
    # even counting every overlap however slight, the long episode's ties stay weak: 0.5 x 2 / 144 each
    every, ref, _ = evidence(tmp_path / "every", children, episodes, settings=EvidenceSettings(overlap_least_share=0.0))
    long_ties = every[(every["a"] == ref["L"]) | (every["b"] == ref["L"])]
    assert len(long_ties) == 20
    assert long_ties["weight"].max() == pytest.approx(0.5 * 2 / 144)
    assert long_ties["weight"].sum() < EvidenceSettings().strong_tie_weight


def test_overlap_in_time_alone_is_capped_per_pair(tmp_path):
    # two children missing at the same time on ten evenings: overlap adds at most overlap_most_per_pair
    days = pd.date_range("2023-03-01T20:00", periods=10, freq="D")
    episodes = [
        episode(f"A{i}", "1", d.isoformat(), (d + pd.Timedelta(hours=3)).isoformat(), missing_from="DH1 1AB")
        for i, d in enumerate(days)
    ]
    episodes += [
        episode(f"B{i}", "2", d.isoformat(), (d + pd.Timedelta(hours=3)).isoformat(), missing_from="DH1 3EB")
        for i, d in enumerate(days)
    ]
    rows, ref, _ = evidence(tmp_path, [child("1"), child("2")], episodes)
    overlap = between(rows, ref, "1", "2", "overlapping")
    assert len(overlap) == 1 and overlap.iloc[0]["occasions"] == 10  # one row for the pair, every occasion counted
    assert overlap["weight"].sum() == pytest.approx(EvidenceSettings().overlap_most_per_pair)
    assert overlap.iloc[0]["detail"].startswith("missing at the same time on 10 occasions (the closest shown): ")


# -- went missing together, found together -------------------------------------------------------------------------
def test_missing_from_the_same_place_within_the_window(tmp_path):
    rows, ref, _ = evidence(
        tmp_path,
        [child("1"), child("2"), child("3")],
        [
            episode("E1", "1", "2023-03-04T20:00", "2023-03-05T02:00", missing_from="DH1 1AB"),
            episode("E2", "2", "2023-03-04T20:40", "2023-03-05T09:00", missing_from="DH1 1AD"),
            episode("E3", "3", "2023-03-04T23:30", "2023-03-05T01:00", missing_from="DH1 1AB"),
        ],
    )
    together = between(rows, ref, "1", "2", "missing_together")
    assert len(together) == 1 and together.iloc[0]["weight"] == 1.0
    text = together.iloc[0]["detail"]
    assert text == (
        f"went missing 40 minutes apart: {ref['1']} from DH1 1AB on 04 Mar 2023 20:00 and {ref['2']} "
        "from DH1 1AD on 04 Mar 2023 20:40, 78 m apart"
    ) or text == (
        f"went missing 40 minutes apart: {ref['2']} from DH1 1AD on 04 Mar 2023 20:40 and {ref['1']} "
        "from DH1 1AB on 04 Mar 2023 20:00, 78 m apart"
    )
    assert between(rows, ref, "1", "3", "missing_together").empty  # 3.5 hours later: not together


def test_missing_together_from_where_both_live_counts_less(tmp_path):
    rows, ref, _ = evidence(
        tmp_path,
        [child("1", placement_postcode="DH1 1AB"), child("2", placement_postcode="DH1 1AB")],
        [
            episode("E1", "1", "2023-03-04T20:00", "2023-03-04T22:00", missing_from="DH1 1AB"),
            episode("E2", "2", "2023-03-04T20:30", "2023-03-04T22:30", missing_from="DH1 1AB"),
        ],
    )
    together = between(rows, ref, "1", "2", "missing_together").iloc[0]
    assert (
        together["weight"] == 0.5
        and together["detail"].endswith("the same place on 04 Mar 2023 20:30, where both live")
        or together["detail"].endswith("the same place on 04 Mar 2023 20:00, where both live")
    )
    overlap = between(rows, ref, "1", "2", "overlapping").iloc[0]
    assert overlap["weight"] == pytest.approx(0.5 * 1.5 / 2.5 * 0.5)  # shared 1.5 h of 2.5 h, halved


def test_found_together_nearby_and_by_place_name(tmp_path):
    rows, ref, _ = evidence(
        tmp_path,
        [child("1"), child("2"), child("3"), child("4")],
        [
            episode("E1", "1", "2023-03-04T20:00", "2023-03-05T01:00", found_at="DH1 3EB"),
            episode("E2", "2", "2023-03-04T18:00", "2023-03-05T02:30", found_at="DH1 4QP"),
            # no postcode: the name is placed through places.csv (Wharton Park = DH1 4QP)
            episode("E3", "3", "2023-03-04T21:00", "2023-03-05T02:00", place="wharton  PARK"),
            episode("E4", "4", "2023-03-04T21:00", "2023-03-05T09:00", found_at="DH1 4QP"),
        ],
        places=[{"place_name": "Wharton Park", "postcode": "DH1 4QP", "kind": "park"}],
    )
    found = between(rows, ref, "1", "2", "found_together").iloc[0]
    assert found["weight"] == 2.0
    assert found["detail"].startswith("found 90 minutes apart: ") and found["detail"].endswith(", 180 m apart")
    assert f"{ref['1']} at DH1 3EB on 05 Mar 2023 01:00" in found["detail"]
    assert f"{ref['2']} at DH1 4QP on 05 Mar 2023 02:30" in found["detail"]
    assert len(between(rows, ref, "2", "3", "found_together")) == 1
    assert (
        f"{ref['3']} at wharton  PARK (DH1 4QP) on 05 Mar 2023 02:00"
        in between(rows, ref, "2", "3", "found_together").iloc[0]["detail"]
    )
    assert between(rows, ref, "1", "4", "found_together").empty  # 8 hours apart


# -- intelligence ---------------------------------------------------------------------------------------------------
def test_named_together_with_grading_and_unverified(tmp_path):
    rows, ref, _ = evidence(
        tmp_path,
        [child("1"), child("2"), child("3")],
        [episode("E1", "1", "2023-03-04T20:00", "2023-03-05T01:00")],
        links=[
            link("L1", "1", "child", "2", role="peer", episode_id="E1", with_during="yes"),
            link("L2", "1", "child", "3", role="peer", source="partner", source_grade="", intel_grade=""),
        ],
    )
    verified = between(rows, ref, "1", "2", "named_together").iloc[0]
    assert verified["weight"] == pytest.approx(2.0 * 1.5) and not verified["unverified"]
    assert verified["detail"] == (
        f"{ref['1']}'s return interview of 10 Mar 2023 (reliable source, known directly) "
        f"names {ref['2']} as with them while missing"
    )
    loose = between(rows, ref, "1", "3", "named_together").iloc[0]
    assert loose["weight"] == pytest.approx(1.0) and loose["unverified"]
    assert loose["detail"] == (
        f"{ref['1']}'s partner agency record of 10 Mar 2023 (not graded, not confirmed) names {ref['3']}"
    )


def test_repeated_intelligence_counts_less_each_time(tmp_path):
    rows, ref, _ = evidence(
        tmp_path,
        [child("1"), child("2")],
        [episode("E1", "1", "2023-03-04T20:00")],
        links=[link(f"L{i}", "1", "child", "2", role="peer") for i in range(3)],
    )
    named = between(rows, ref, "1", "2", "named_together")
    assert sorted(named["weight"].round(4), reverse=True) == [2.0, 1.0, round(2 / 3, 4)]
    plain, _, _ = evidence(
        tmp_path / "plain",
        [child("1"), child("2")],
        [episode("E1", "1", "2023-03-04T20:00")],
        links=[link(f"L{i}", "1", "child", "2", role="peer") for i in range(3)],
        settings=EvidenceSettings(repeats_count_less=False),
    )
    assert plain["weight"].sum() == pytest.approx(6.0)


def test_shared_associate_resolved_through_aliases_and_protective_people_are_safety(tmp_path):
    rows, ref, dataset = evidence(
        tmp_path,
        [child("1"), child("2")],
        [episode("E1", "1", "2023-03-04T20:00")],
        links=[
            link("L1", "1", "associate", "big  DAVE", role="adult_of_concern"),
            link("L2", "2", "associate", "David Smith"),
            link("L3", "1", "associate", "Nan Rose", role="protective"),
            link("L4", "2", "associate", "nan rose", role="protective"),
        ],
        associates=[
            {"associate_id": "X1", "label": "David Smith", "aliases": "Big Dave;DS", "role": "adult_of_concern"}
        ],
    )
    dave = dataset.associates.set_index("associate_id").loc["X1", "ref"]
    shared = between(rows, ref, "1", "2", "shared_associate")
    assert len(shared) == 1  # the two spellings are one associate; the protective nan makes no risk tie
    row = shared.iloc[0]
    assert row["via"] == dave and row["weight"] == 1.0
    first, second = sorted([ref["1"], ref["2"]])
    assert row["detail"] == (
        f"both linked to {dave} (adult of concern), who is linked to 2 children in this "
        f"period: {first}'s return interview of 10 Mar 2023 (reliable source, known directly) "
        f"and {second}'s return interview of 10 Mar 2023 (reliable source, known directly)"
    )
    nan = rows[rows["kind"].eq("linked_associate") & rows["tie_type"].eq("safety")]
    assert len(nan) == 2 and (nan["weight"] == 0).all()
    assert nan.iloc[0]["detail"].endswith(" as someone who helps keep them safe")


def test_shared_place_of_concern_but_not_where_children_live(tmp_path):
    rows, ref, _ = evidence(
        tmp_path,
        [child("1", placement_postcode="DH1 1AB"), child("2"), child("3")],
        [episode("E1", "1", "2023-03-04T20:00")],
        links=[
            link("L1", "1", "place", "Wharton Park", role="frequents"),
            link("L2", "2", "place", "wharton park", role="found_at"),
            link("L3", "2", "place", "DH1 1AB", role="frequents"),  # child 1's placement: not a place of concern
            link("L4", "3", "place", "DH1 1AB", role="found_at"),
            link("L5", "3", "place", "Wharton Park", role="safe_place"),  # safety, not concern
        ],
        places=[{"place_name": "Wharton Park", "postcode": "DH1 4QP", "kind": "park"}],
    )
    shared = between(rows, ref, "1", "2", "shared_place")
    assert len(shared) == 1 and shared.iloc[0]["weight"] == 0.5
    said = {
        ref["1"]: f"{ref['1']}'s return interview of 10 Mar 2023 (reliable source, known directly) names it as "
        "a place they go",
        ref["2"]: f"{ref['2']}'s return interview of 10 Mar 2023 (reliable source, known directly) names it as "
        "where they were found",
    }
    first, second = sorted(said)
    assert shared.iloc[0]["detail"] == (
        "both linked to Wharton Park (DH1 4QP), a place linked to 2 children in "
        f"this period: {said[first]} and {said[second]}"
    )
    assert between(rows, ref, "2", "3").empty and between(rows, ref, "1", "3").empty


def test_every_kind_is_listed_and_explanations_can_show_ids(tmp_path):
    rows, ref, _ = evidence(
        tmp_path,
        [child("1"), child("2")],
        [
            episode("E1", "1", "2023-03-04T20:00", "2023-03-05T01:00", missing_from="DH1 1AB"),
            episode("E2", "2", "2023-03-04T20:10", "2023-03-05T01:00", missing_from="DH1 1AB"),
        ],
    )
    assert set(rows["kind"]) <= set(kind_names())
    assert "E1" not in " ".join(rows["detail"])
    with_ids = explain(rows, rows.attrs["records"], police=True)
    assert with_ids.str.contains("(reliable source, known directly; graded 1/A)", regex=False).sum() == 0  # episodes
    assert with_ids.str.contains(f"(episodes E{'2 and E1' if ref['2'] < ref['1'] else '1 and E2'})", regex=False).all()


# -- the search itself ------------------------------------------------------------------------------------------------
def test_interval_join_matches_brute_force():
    rng = np.random.default_rng(3)
    n = 400
    key = rng.integers(0, 5, n)
    start = rng.integers(0, 10_000, n)
    end = start + rng.integers(0, 800, n)
    pairs = set()
    for probe, home in interval_join(key, start, end, key, start, max_pairs=97):  # small chunks on purpose
        pairs |= set(zip(probe.tolist(), home.tolist()))
    expected = {(i, j) for i in range(n) for j in range(n) if key[i] == key[j] and start[i] <= start[j] < end[i]}
    assert pairs == expected


@pytest.mark.parametrize("least_share", [0.0, 0.5])
def test_overlap_search_finds_exactly_the_pairs_close_in_place_and_time(least_share):
    from peermap.mapping.evidence.episodes import Coded, EpisodeTable

    rng = np.random.default_rng(11)
    n = 1500
    start = rng.integers(0, 30 * 86400, n).astype(np.int64)
    end = start + rng.integers(3600, 3 * 86400, n)
    fx, fy = rng.uniform(400_000, 460_000, n), rng.uniform(500_000, 560_000, n)
    gx, gy = fx + rng.normal(0, 4000, n), fy + rng.normal(0, 4000, n)
    gx[rng.random(n) < 0.3] = np.nan
    gy[np.isnan(gx)] = np.nan
    child = rng.integers(0, 1200, n)
    empty = Coded(np.full(n, -1), np.array([], dtype=object))
    table = EpisodeTable(
        pd.DataFrame({"episode_id": np.arange(n).astype(str)}),
        child,
        np.arange(1200).astype(str),
        start,
        end,
        end,
        fx,
        fy,
        gx,
        gy,
        Coded(np.full(2 * n, -1), np.array([], dtype=object)),
        empty,
        empty,
        empty,
        empty,
    )
    i, j = overlapping_episode_pairs(table, EvidenceSettings(overlap_least_share=least_share))
    found = set(zip(i.tolist(), j.tolist()))
    # brute force: every pair of episodes
    common = np.minimum(end[:, None], end[None, :]) - np.maximum(start[:, None], start[None, :])
    union = np.maximum(end[:, None], end[None, :]) - np.minimum(start[:, None], start[None, :])
    overlap = (common > 0) & (common >= least_share * union)
    best = np.full((n, n), np.inf)
    for ax, ay in ((fx, fy), (gx, gy)):
        for bx, by in ((fx, fy), (gx, gy)):
            best = np.fmin(best, np.hypot(ax[:, None] - bx[None, :], ay[:, None] - by[None, :]))
    ok = overlap & (best <= 10_000) & (child[:, None] != child[None, :])
    expected = set(zip(*[a.tolist() for a in np.nonzero(np.triu(ok, 1))]))
    assert found == expected and len(found) > 100


def test_close_pairs_never_pairs_a_child_with_itself():
    owner = np.arange(4)
    x = np.array([0.0, 10.0, 20.0, 30.0])
    i, j = close_pairs(
        owner, x, x, np.full(4, -1), np.zeros(4, np.int64), np.full(4, 10, np.int64), 1000.0, np.array([0, 0, 1, 1]), 4
    )
    assert set(zip(i.tolist(), j.tolist())) == {(0, 2), (0, 3), (1, 2), (1, 3)}


def test_every_setting_is_documented_with_its_default():
    from dataclasses import fields
    from pathlib import Path

    page = (Path(__file__).resolve().parent.parent / "docs" / "analysis.md").read_text()
    settings = EvidenceSettings()
    for field in fields(EvidenceSettings):
        value = getattr(settings, field.name)
        shown = (
            int(value) if isinstance(value, float) and value == int(value) and field.name != "overlap_weight" else value
        )
        assert f"| `{field.name}` | {shown} |" in page, f"docs/analysis.md: add {field.name} (default {shown})"
        assert f"    {field.name} : " in EvidenceSettings.__doc__, f"EvidenceSettings docstring: {field.name}"


@pytest.mark.parametrize("at_once_up_to", [100_000, 1])  # small kinds' columns taken at once; larger ones popped
def test_kinds_joined_a_column_at_a_time_are_the_rows_joined_at_once(monkeypatch, at_once_up_to):
    """concat_rows (each kind's column let go of as it is joined: a national year's rows are never held twice)
    gives what joining the kinds whole and typing them gave, columns a kind lacks filled with their unknown."""
    from peermap.mapping.evidence import rows
    from peermap.mapping.evidence.rows import concat_rows, typed_rows

    monkeypatch.setattr(rows, "TAKEN_AT_ONCE_UP_TO", at_once_up_to)

    seen = pd.to_datetime(["2023-03-02T21:00", "2023-03-03T01:30"]).tz_localize("UTC")
    together = pd.DataFrame(
        {
            "kind": ["found_together", "found_together"],
            "a": ["C-0000000001", "C-0000000002"],
            "b": ["C-0000000003", "C-0000000003"],
            "weight": [3.0, 1.5],
            "tie_type": "risk",
            "first_seen": seen,
            "last_seen": seen,
            "place": ["DH1 1AA", None],
            "record_a": [4, 9],
        }
    )
    linked = pd.DataFrame(
        {
            "kind": ["linked_associate"],
            "a": ["A-ABCDEFGHJK"],
            "b": ["C-0000000001"],
            "weight": [0.5],
            "tie_type": "safety",
            "via_children": [2],
            "unverified": [True],
            "grading": ["B2"],
            "not_evidence": ["dropped"],
        }
    )
    expected = typed_rows(pd.concat([together, linked], ignore_index=True))
    parts = [together.copy(), linked.copy()]
    joined = concat_rows(parts)
    pd.testing.assert_frame_equal(joined, expected)
    assert joined["first_seen"].dt.tz is not None and joined["via_children"].tolist()[2] == 2
    assert parts == []  # each kind's rows were let go of as they were joined
    for column in ("a", "b", "place"):  # ties.csv's words take rows from them a block at a time
        assert joined[column].array._pa_array.num_chunks == 1, f"{column}: Arrow joins its chunks at every take"


def test_a_large_join_never_holds_its_numbers_twice(monkeypatch):
    """Above TAKEN_AT_ONCE_UP_TO rows the joined columns go into the table one by one: a table made from them all
    at once copied the columns of one type into one block while they were still held (350 MiB more at the peak
    of a national year's evidence). The peak of what the join allocates stays near the rows it makes."""
    import tracemalloc

    from peermap.mapping.evidence import rows
    from peermap.mapping.evidence.rows import concat_rows

    monkeypatch.setattr(rows, "TAKEN_AT_ONCE_UP_TO", 1_000)
    n = 200_000
    numbers = np.arange(n, dtype=np.int64)
    part = pd.DataFrame(
        {
            "kind": "missing_together",
            "a": "C-0000000001",
            "b": "C-0000000002",
            **{column: numbers * 0.5 for column in ("weight", "distance_km", "shared_share", "minutes_apart")},
            **{column: numbers for column in ("occasions", "record_a", "record_b")},
        }
    )
    parts = [part, part.iloc[:10].copy()]
    del part
    tracemalloc.start()
    try:
        joined = concat_rows(parts)
        made, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    numeric = joined.select_dtypes("number").memory_usage(index=False).sum()
    assert len(joined) == n + 10
    # the numbers are made once (with the rest of the rows); a second copy of them at once would pass this
    assert peak - made < 0.5 * numeric, (peak - made, numeric)
