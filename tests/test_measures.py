"""The measures of SCHEMA.md, each checked on a small hand-made data folder.

Every expected value is worked out by hand in the comments beside it, from the
definitions in SCHEMA.md, not taken from the code. Datetimes in the folders are
local Europe/London wall-clock times unless they carry an offset.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from peermap.graph_models.dataset import Dataset
from peermap.graph_models.load import load_folder
from peermap.mapping.measures import (
    GROUPS,
    MEASURES,
    compute_measures,
    format_measures,
    format_measures_table,
    half_up,
    measures_rows,
    percentage,
)
from peermap.mapping.periods import Period

KEY = "a-test-key-of-16+chars"

COLUMNS = {
    "children": ["child_id", "birth_date", "legal_status"],
    "episodes": ["episode_id", "child_id", "missing_at", "returned_at"],
    "rthis": ["rthi_id", "child_id", "episode_ids", "offered_at", "outcome", "completed_at"],
}


def child(child_id, born="", status=""):
    return {"child_id": child_id, "birth_date": born, "legal_status": status}


def episode(episode_id, child_id, missing, returned=""):
    return {"episode_id": episode_id, "child_id": child_id, "missing_at": missing, "returned_at": returned}


def rthi(rthi_id, child_id, episode_ids, outcome, offered="", completed=""):
    return {
        "rthi_id": rthi_id,
        "child_id": child_id,
        "episode_ids": episode_ids,
        "offered_at": offered,
        "outcome": outcome,
        "completed_at": completed,
    }


def load(folder: Path, children, episodes, rthis=()) -> Dataset:
    """Write the rows as a data folder of CSVs and load it as a user's folder would be.

    The hand-made rows are all valid, so nothing may be rejected: a rejected row
    would silently change the arithmetic in the tests.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in (("children", children), ("episodes", episodes), ("rthis", rthis)):
        with open(folder / f"{name}.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS[name])
            writer.writeheader()
            writer.writerows(rows)
    ds = load_folder(folder, key=KEY)
    rejected = [p for p in ds.rejects if p.severity == "rejected"]
    assert not rejected, rejected
    assert len(ds.episodes) == len(episodes) and len(ds.rthis) == len(rthis)
    return ds


def refs(ds: Dataset) -> dict[str, str]:
    return dict(zip(ds.children["child_id"], ds.children["ref"]))


MARCH = Period.from_month("2023-03")


# -- shape ---------------------------------------------------------------------------


def test_result_is_exactly_the_kpi_json_object(tmp_path):
    ds = load(
        tmp_path,
        [child("A", "2008-01-01", "CiC")],
        [episode("a1", "A", "2023-03-01T10:00", "2023-03-01T12:00")],
        [rthi("r1", "A", "a1", "completed", "2023-03-01T13:00", "2023-03-02T10:00")],
    )
    kpi = compute_measures(ds, MARCH)
    assert list(kpi) == ["from", "to", "all", "CiC", "other"]
    assert (kpi["from"], kpi["to"]) == ("2023-03-01", "2023-03-31")
    for group in GROUPS:
        assert list(kpi[group]) == list(MEASURES)
    assert set(MEASURES) == {
        "children_missing", "episodes", "average_hours_missing", "most_common_age",
        "rthi_offered_pct", "rthi_accepted_pct", "rthi_completed_pct", "rthi_completed_within_72h_pct",
        "episodes_declined", "children_declined", "interviews_declined", "frequently_missing",
    }  # fmt: skip
    # JSON-ready: plain Python numbers, no numpy scalars
    assert json.loads(json.dumps(kpi)) == kpi
    assert type(kpi["all"]["episodes"]) is int
    assert type(kpi["all"]["average_hours_missing"]) is float
    assert kpi["all"]["frequently_missing"] == [
        {"child": refs(ds)["A"], "episodes": 1, "declined": 0, "declined_pct": 0}
    ]


# -- which episodes are counted -----------------------------------------------------------


def test_episodes_are_counted_by_the_local_date_of_missing_at(tmp_path):
    ds = load(
        tmp_path,
        [child("A"), child("B")],
        [
            episode("a0", "A", "2023-02-28T23:59"),  # 28 Feb local → February
            episode("a1", "A", "2023-03-01T00:00"),  # first minute of March → in
            episode("a2", "A", "2023-03-31T23:59"),  # last minute of March (BST) → in
            episode("b1", "B", "2023-03-31T23:30:00+00:00"),  # 00:30 BST on 1 April → out
            episode("b2", "B", "2023-02-28T23:30:00-01:00"),  # 00:30Z = 00:30 GMT on 1 March → in
        ],
    )
    kpi = compute_measures(ds, MARCH)["all"]
    # March: a1, a2 (child A) and b2 (child B)
    assert kpi["episodes"] == 3
    assert kpi["children_missing"] == 2
    feb = compute_measures(ds, MARCH.previous())
    assert (feb["from"], feb["to"]) == ("2023-02-01", "2023-02-28")
    assert feb["all"]["episodes"] == 1  # a0
    assert feb["all"]["children_missing"] == 1


def test_still_missing_episodes_are_counted_but_not_in_hours(tmp_path):
    ds = load(
        tmp_path,
        [child("A"), child("B")],
        [
            episode("a1", "A", "2023-03-01T10:00", "2023-03-01T14:00"),  # 4 h
            episode("a2", "A", "2023-03-05T10:00"),  # still missing
            episode("b1", "B", "2023-03-06T10:00"),  # still missing
        ],
    )
    kpi = compute_measures(ds, MARCH)["all"]
    assert kpi["episodes"] == 3
    assert kpi["children_missing"] == 2
    assert kpi["average_hours_missing"] == 4.0  # 4 h / 1 returned episode, not 4 / 3


# -- hours -------------------------------------------------------------------------------


def test_hours_are_real_elapsed_hours_across_the_clocks_changing(tmp_path):
    ds = load(
        tmp_path,
        [child("A")],
        [
            # clocks go back at 02:00 BST on 30 Oct 2022: 22:00 BST → 22:00 GMT next day is 25 hours
            episode("oct1", "A", "2022-10-29T22:00", "2022-10-30T22:00"),
            episode("oct2", "A", "2022-10-10T08:00", "2022-10-10T09:30"),  # 1.5 h
            episode("oct3", "A", "2022-10-20T12:00"),  # still missing: not in the hours
            # clocks go forward at 01:00 GMT on 26 Mar 2023: 22:00 GMT → 22:00 BST next day is 23 hours
            episode("mar1", "A", "2023-03-25T22:00", "2023-03-26T22:00"),
        ],
    )
    # 29 October alone: just the episode across the change, 25 elapsed hours (wall clock says 24)
    assert compute_measures(ds, Period.from_dates("2022-10-29", "2022-10-29"))["all"]["average_hours_missing"] == 25.0
    october = compute_measures(ds, Period.from_month("2022-10"))["all"]
    assert october["episodes"] == 3
    # (25 + 1.5) / 2 = 13.25 → half up 13.3 (Python's round(13.25, 1) gives 13.2)
    assert october["average_hours_missing"] == 13.3
    assert compute_measures(ds, MARCH)["all"]["average_hours_missing"] == 23.0


# -- interviews --------------------------------------------------------------------------


def test_one_interview_covering_three_episodes_counts_for_each(tmp_path):
    ds = load(
        tmp_path,
        [child("A", "2008-01-01", "CiC")],
        [
            episode("a1", "A", "2023-03-01T10:00", "2023-03-01T20:00"),
            episode("a2", "A", "2023-03-02T10:00", "2023-03-02T20:00"),
            episode("a3", "A", "2023-03-03T10:00", "2023-03-03T20:00"),
            episode("a4", "A", "2023-03-20T10:00", "2023-03-20T12:00"),  # no interview
        ],
        # completed 2023-03-04T10:00: 62 h after a1's return, 38 h after a2's, 14 h after a3's
        [rthi("r1", "A", "a1;a2;a3", "completed", "2023-03-03T21:00", "2023-03-04T10:00")],
    )
    kpi = compute_measures(ds, MARCH)["all"]
    assert kpi["episodes"] == 4
    # a1, a2, a3 are each covered by r1: 3 / 4 = 75.0 % (counting r1 once would give 25.0)
    assert kpi["rthi_offered_pct"] == 75.0
    assert kpi["rthi_accepted_pct"] == 75.0
    assert kpi["rthi_completed_pct"] == 75.0
    # a1, a2, a3 returned and completed-covered; all within 72 h: 3 / 3
    assert kpi["rthi_completed_within_72h_pct"] == 100.0


def test_72_hours_is_judged_per_episode_from_its_own_return(tmp_path):
    ds = load(
        tmp_path,
        [child("A")],
        [
            episode("e1", "A", "2023-03-01T08:00", "2023-03-01T10:00"),
            episode("e2", "A", "2023-03-01T20:00", "2023-03-02T06:00"),
        ],
        # 2023-03-04T18:00 is 80 h after e1's return (3 d 8 h) and 60 h after e2's (2 d 12 h)
        [rthi("r1", "A", "e1;e2", "completed", "2023-03-02T09:00", "2023-03-04T18:00")],
    )
    kpi = compute_measures(ds, MARCH)["all"]
    assert kpi["rthi_completed_pct"] == 100.0  # both covered by a completed interview
    assert kpi["rthi_completed_within_72h_pct"] == 50.0  # e2 within, e1 not: 1 / 2


def test_72_hours_edge_cases(tmp_path):
    ds = load(
        tmp_path,
        [child("A")],
        [
            episode("e1", "A", "2023-03-01T08:00", "2023-03-01T10:00"),
            episode("e2", "A", "2023-03-01T20:00", "2023-03-02T06:00"),
            episode("e3", "A", "2023-03-10T09:00", "2023-03-10T12:00"),
            episode("e4", "A", "2023-03-20T08:00", "2023-03-20T10:00"),
            episode("e5", "A", "2023-03-22T08:00"),  # still missing
            episode("e6", "A", "2023-03-27T08:00", "2023-03-27T10:00"),
            episode("e7", "A", "2023-03-25T08:00", "2023-03-25T12:00"),  # returned 12:00 GMT
        ],
        [
            rthi("r1", "A", "e1;e2", "completed", "", "2023-03-04T18:00"),  # e1 80 h (late), e2 60 h
            rthi("r2", "A", "e3", "completed", "", "2023-03-13T12:00"),  # exactly 72 h: within
            rthi("r3", "A", "e4", "completed", "", "2023-03-24T14:00"),  # 100 h: late, but...
            rthi("r4", "A", "e4", "completed", "", "2023-03-21T10:00"),  # ...24 h: some covering one is within
            rthi("r5", "A", "e5", "completed", "", "2023-03-23T08:00"),  # e5 has no return: not judged
            rthi("r6", "A", "e6", "completed", "", "2023-03-30T11:00"),  # 73 h: late
            # 13:00 BST on 28 March = 12:00 GMT: the wall clock says 73 h, elapsed is 72 h → within
            rthi("r7", "A", "e7", "completed", "", "2023-03-28T13:00"),
        ],
    )
    kpi = compute_measures(ds, MARCH)["all"]
    # judged: e1, e2, e3, e4, e6, e7 (returned and completed-covered) = 6
    # within: e2, e3, e4, e7 = 4 → 4 / 6 = 66.666… → 66.7
    assert kpi["rthi_completed_within_72h_pct"] == 66.7
    # no interview had offered_at: offered and accepted are 0 of 7 episodes; completed is 7 of 7
    assert kpi["rthi_offered_pct"] == 0.0
    assert kpi["rthi_accepted_pct"] == 0.0
    assert kpi["rthi_completed_pct"] == 100.0


def test_declined_offered_accepted_completed(tmp_path):
    ds = load(
        tmp_path,
        [child("A", status="CiC"), child("B", status="none")],
        [
            episode("a0", "A", "2023-02-10T10:00", "2023-02-10T12:00"),  # February
            episode("a1", "A", "2023-03-01T10:00", "2023-03-01T12:00"),
            episode("a2", "A", "2023-03-02T10:00", "2023-03-02T12:00"),
            episode("a3", "A", "2023-03-03T10:00", "2023-03-03T12:00"),
            episode("a4", "A", "2023-03-04T10:00", "2023-03-04T12:00"),
            episode("b1", "B", "2023-03-05T10:00", "2023-03-05T12:00"),
            episode("b2", "B", "2023-03-06T10:00", "2023-03-06T12:00"),
            episode("b3", "B", "2023-03-07T10:00", "2023-03-07T12:00"),
        ],
        [
            # a1: one declined and one completed interview → NOT declined
            rthi("r1", "A", "a1", "declined", "2023-03-01T13:00"),
            rthi("r2", "A", "a1", "completed", "2023-03-01T13:00", "2023-03-02T09:00"),
            # a2: declined only → declined
            rthi("r3", "A", "a2", "declined", "2023-03-02T13:00"),
            # a3: two interviews, both declined (r5 also covers a2) → declined
            rthi("r4", "A", "a3", "declined", "2023-03-03T13:00"),
            rthi("r5", "A", "a2;a3", "declined", "2023-03-03T14:00"),
            # a4: no interview → not declined (not covered at all)
            rthi("r6", "B", "b1", "declined", "2023-03-05T13:00"),  # b1 declined
            rthi("r7", "B", "b2", "not_completed", "2023-03-06T13:00"),  # offered, not declined: accepted
            rthi("r8", "A", "a0", "declined", "2023-02-10T13:00"),  # covers only February
            rthi("r9", "B", "b3", "pending"),  # never offered
        ],
    )
    kpi = compute_measures(ds, MARCH)
    every = kpi["all"]
    # March episodes: a1 a2 a3 a4 b1 b2 b3 = 7
    assert every["episodes"] == 7
    assert every["episodes_declined"] == 3  # a2, a3, b1
    assert every["children_declined"] == 2  # A (a2, a3) and B (b1)
    assert every["interviews_declined"] == 5  # r1, r3, r4, r5, r6 (r8 covers no March episode)
    # offered: a1, a2, a3, b1, b2 = 5 / 7 = 71.428… → 71.4
    assert every["rthi_offered_pct"] == 71.4
    # accepted (offered and not declined): a1 (r2), b2 (r7) = 2 / 7 = 28.571… → 28.6
    assert every["rthi_accepted_pct"] == 28.6
    # completed: a1 = 1 / 7 = 14.285… → 14.3
    assert every["rthi_completed_pct"] == 14.3
    assert every["rthi_completed_within_72h_pct"] == 100.0  # a1: returned 12:00, completed next day 09:00

    cic, other = kpi["CiC"], kpi["other"]
    # CiC = A: a1..a4
    assert (cic["episodes"], cic["episodes_declined"], cic["children_declined"]) == (4, 2, 1)
    assert cic["interviews_declined"] == 4  # r1, r3, r4, r5
    assert (cic["rthi_offered_pct"], cic["rthi_accepted_pct"], cic["rthi_completed_pct"]) == (75.0, 25.0, 25.0)
    # other = B: b1..b3; offered b1, b2 = 2/3 = 66.7; accepted b2 = 1/3 = 33.3; completed 0/3 = 0.0
    assert (other["episodes"], other["episodes_declined"], other["children_declined"]) == (3, 1, 1)
    assert other["interviews_declined"] == 1  # r6
    assert (other["rthi_offered_pct"], other["rthi_accepted_pct"], other["rthi_completed_pct"]) == (66.7, 33.3, 0.0)
    assert other["rthi_completed_within_72h_pct"] is None  # no completed interview: nothing to judge

    ref = refs(ds)
    # A: 4 episodes, 2 declined → 50 %; B: 3 episodes, 1 declined → 33.3… → 33
    assert every["frequently_missing"] == [
        {"child": ref["A"], "episodes": 4, "declined": 2, "declined_pct": 50},
        {"child": ref["B"], "episodes": 3, "declined": 1, "declined_pct": 33},
    ]

    feb = compute_measures(ds, MARCH.previous())["all"]
    # February: a0 only, covered by r8 (declined) alone
    counts = ("episodes", "episodes_declined", "children_declined", "interviews_declined")
    assert [feb[m] for m in counts] == [1, 1, 1, 1]
    assert (feb["rthi_offered_pct"], feb["rthi_accepted_pct"]) == (100.0, 0.0)


def test_an_interview_across_two_periods_counts_in_both(tmp_path):
    ds = load(
        tmp_path,
        [child("A")],
        [
            episode("f1", "A", "2023-02-27T10:00", "2023-02-27T12:00"),
            episode("m1", "A", "2023-03-01T10:00", "2023-03-01T12:00"),
        ],
        [rthi("r1", "A", "f1;m1", "declined", "2023-03-01T13:00")],
    )
    for period in (MARCH, MARCH.previous()):
        kpi = compute_measures(ds, period)["all"]
        assert (kpi["episodes"], kpi["episodes_declined"], kpi["interviews_declined"]) == (1, 1, 1)


# -- most common age -----------------------------------------------------------------------


def test_most_common_age_ties_go_to_the_lower_age_and_unknown_births_are_left_out(tmp_path):
    ds = load(
        tmp_path,
        [
            child("K1", "2007-12-01"),  # 15 on 5 March 2023
            child("K2", "2007-01-31"),  # 16
            child("K3", "2006-06-30"),  # 16
            child("K4", "2007-03-15"),  # 15 on 10 March (first counted), 16 on 25 March
            child("N1"),  # no birth date: left out
            child("N2"),  # no birth date: left out
        ],
        [
            episode("k1", "K1", "2023-03-05T10:00"),
            episode("k2", "K2", "2023-03-05T10:00"),
            episode("k3", "K3", "2023-03-05T10:00"),
            episode("k4a", "K4", "2023-03-10T10:00"),
            episode("k4b", "K4", "2023-03-25T10:00"),
            episode("n1", "N1", "2023-03-05T10:00"),
            episode("n2", "N2", "2023-03-05T10:00"),
        ],
    )
    kpi = compute_measures(ds, MARCH)["all"]
    # 15: K1, K4 (2 children); 16: K2, K3 (2 children) → tie → the lower age, 15.
    # (K4's last episode would give 16 three children; each child is counted once.)
    assert kpi["most_common_age"] == 15
    assert kpi["children_missing"] == 6


def test_most_common_age_is_at_the_first_counted_episode_not_the_first_ever(tmp_path):
    ds = load(
        tmp_path,
        [child("K5", "2007-03-01"), child("K6", "2006-09-01")],
        [
            episode("k5feb", "K5", "2023-02-20T10:00"),  # 15 in February
            episode("k5mar", "K5", "2023-03-10T10:00"),  # 16 in March
            episode("k6", "K6", "2023-03-12T10:00"),  # 16
        ],
    )
    # March: K5 16, K6 16 → 16 (using K5's February episode would tie 15/16 and give 15)
    assert compute_measures(ds, MARCH)["all"]["most_common_age"] == 16
    assert compute_measures(ds, MARCH.previous())["all"]["most_common_age"] == 15  # K5 alone


def test_age_uses_the_local_date_of_the_first_episode(tmp_path):
    ds = load(
        tmp_path,
        [child("K", "2007-04-01")],
        # 2023-03-31T23:30Z is 00:30 BST on 1 April, the 16th birthday; the UTC date would say 15.
        [episode("k", "K", "2023-03-31T23:30:00Z")],
    )
    assert compute_measures(ds, Period.from_month("2023-04"))["all"]["most_common_age"] == 16


# -- frequently missing --------------------------------------------------------------------


def test_frequently_missing_ranking_and_top(tmp_path):
    counts = {"P": (3, 0), "Q": (3, 1), "R": (3, 1), "S": (5, 0), "T": (1, 1)}  # episodes, declined
    children, episodes, rthis = [], [], []
    for kid, (n, declined) in counts.items():
        children.append(child(kid))
        for i in range(n):
            episodes.append(episode(f"{kid}{i}", kid, f"2023-03-{i + 1:02d}T10:00", f"2023-03-{i + 1:02d}T12:00"))
        for i in range(declined):
            rthis.append(rthi(f"r{kid}{i}", kid, f"{kid}{i}", "declined", f"2023-03-{i + 1:02d}T13:00"))
    ds = load(tmp_path, children, episodes, rthis)
    ref = refs(ds)
    q_and_r = sorted([ref["Q"], ref["R"]])
    # S (5) first; then the 3s: Q and R (1 declined each, so by reference), then P (0 declined); T (1) last.
    expected = [
        {"child": ref["S"], "episodes": 5, "declined": 0, "declined_pct": 0},
        {"child": q_and_r[0], "episodes": 3, "declined": 1, "declined_pct": 33},  # 100 / 3 = 33.3 → 33
        {"child": q_and_r[1], "episodes": 3, "declined": 1, "declined_pct": 33},
        {"child": ref["P"], "episodes": 3, "declined": 0, "declined_pct": 0},
        {"child": ref["T"], "episodes": 1, "declined": 1, "declined_pct": 100},
    ]
    assert compute_measures(ds, MARCH)["all"]["frequently_missing"] == expected
    assert compute_measures(ds, MARCH, top=3)["all"]["frequently_missing"] == expected[:3]
    assert compute_measures(ds, MARCH, top=0)["all"]["frequently_missing"] == []
    assert compute_measures(ds, MARCH, top=None)["all"]["frequently_missing"] == expected
    with pytest.raises(ValueError):
        compute_measures(ds, MARCH, top=-1)


def test_frequently_missing_default_top_is_11(tmp_path):
    children = [child(f"K{i:02d}") for i in range(13)]
    episodes = [episode(f"k{i:02d}", f"K{i:02d}", "2023-03-05T10:00") for i in range(13)]
    ds = load(tmp_path, children, episodes)
    assert len(compute_measures(ds, MARCH)["all"]["frequently_missing"]) == 11
    # all 13 children have 1 episode, 0 declined: the 11 lowest references, in order
    assert [row["child"] for row in compute_measures(ds, MARCH)["all"]["frequently_missing"]] == sorted(
        refs(ds).values()
    )[:11]


# -- CiC and other ---------------------------------------------------------------------------


def test_children_in_care_and_others(tmp_path):
    ds = load(
        tmp_path,
        [
            child("C1", "2008-01-01", "CiC"),  # 15 in March 2023
            child("C2", "2010-01-01", "CP"),  # 13
            child("C3", "2010-02-01", "none"),  # 13
            child("C4", "2012-01-01", ""),  # 11; legal status unknown → other
        ],
        [
            episode("c1a", "C1", "2023-03-01T10:00", "2023-03-01T12:00"),  # 2 h
            episode("c1b", "C1", "2023-03-02T10:00", "2023-03-02T14:00"),  # 4 h
            episode("c2", "C2", "2023-03-03T10:00", "2023-03-03T11:00"),  # 1 h
            episode("c3", "C3", "2023-03-04T10:00", "2023-03-04T12:00"),  # 2 h
            episode("c4", "C4", "2023-03-05T10:00", "2023-03-05T13:00"),  # 3 h
        ],
        [
            rthi("r1", "C1", "c1a;c1b", "completed", "2023-03-02T15:00", "2023-03-03T10:00"),
            rthi("r2", "C2", "c2", "declined", "2023-03-03T12:00"),
        ],
    )
    kpi = compute_measures(ds, MARCH)
    every, cic, other = kpi["all"], kpi["CiC"], kpi["other"]
    assert (every["children_missing"], cic["children_missing"], other["children_missing"]) == (4, 1, 3)
    assert (every["episodes"], cic["episodes"], other["episodes"]) == (5, 2, 3)
    # all: (2+4+1+2+3)/5 = 2.4; CiC: (2+4)/2 = 3.0; other: (1+2+3)/3 = 2.0
    assert [g["average_hours_missing"] for g in (every, cic, other)] == [2.4, 3.0, 2.0]
    # ages: all 15, 13, 13, 11 → 13; CiC 15; other 13, 13, 11 → 13
    assert (every["most_common_age"], cic["most_common_age"], other["most_common_age"]) == (13, 15, 13)
    # offered: all c1a, c1b, c2 = 3/5 = 60.0; CiC 2/2 = 100.0; other c2 = 1/3 = 33.3
    assert (every["rthi_offered_pct"], cic["rthi_offered_pct"], other["rthi_offered_pct"]) == (60.0, 100.0, 33.3)
    # completed: all 2/5 = 40.0; CiC 2/2 = 100.0; other 0/3 = 0.0
    assert (every["rthi_completed_pct"], cic["rthi_completed_pct"], other["rthi_completed_pct"]) == (40.0, 100.0, 0.0)
    # within 72 h: c1a returned 1 Mar 12:00 → 22 h; c1b 2 Mar 14:00 → 20 h
    assert (every["rthi_completed_within_72h_pct"], cic["rthi_completed_within_72h_pct"]) == (100.0, 100.0)
    assert other["rthi_completed_within_72h_pct"] is None
    assert (every["interviews_declined"], cic["interviews_declined"], other["interviews_declined"]) == (1, 0, 1)
    ref = refs(ds)
    assert [row["child"] for row in cic["frequently_missing"]] == [ref["C1"]]
    # other: C2 (1 episode, 1 declined) before C3 and C4 (1 episode, 0 declined, by reference)
    assert [row["child"] for row in other["frequently_missing"]] == [ref["C2"], *sorted([ref["C3"], ref["C4"]])]
    assert [row["child"] for row in every["frequently_missing"]] == [
        ref["C1"], ref["C2"], *sorted([ref["C3"], ref["C4"]])
    ]  # fmt: skip


# -- rounding ------------------------------------------------------------------------------------


def test_rounding_is_half_up(tmp_path):
    children = [child("A"), child("B"), child("H")]
    episodes = [episode(f"a{i}", "A", f"2023-03-{i + 1:02d}T10:00") for i in range(8)]
    episodes += [episode(f"b{i}", "B", f"2023-04-{i + 1:02d}T10:00") for i in range(16)]
    episodes += [
        episode("h1", "H", "2023-05-01T10:00", "2023-05-01T10:15"),  # 0.25 h
        episode("h2", "H", "2023-06-01T10:00", "2023-06-01T10:09"),  # 0.15 h (9 minutes)
        episode("h3", "H", "2023-07-01T10:00", "2023-07-01T11:00"),  # 1 h  } mean 1.25 h
        episode("h4", "H", "2023-07-02T10:00", "2023-07-02T11:30"),  # 1.5 h }
    ]
    rthis = [
        rthi("ra", "A", "a0", "declined", "2023-03-01T13:00"),
        rthi("rb", "B", "b0", "completed", "2023-04-01T13:00", "2023-04-02T10:00"),
    ]
    ds = load(tmp_path, children, episodes, rthis)

    march = compute_measures(ds, MARCH)["all"]
    assert march["rthi_offered_pct"] == 12.5  # 1 / 8 = 12.5 % exactly: one decimal keeps it
    # declined_pct is whole: 12.5 → 13 half up (Python's round(12.5) would give 12)
    assert march["frequently_missing"][0]["declined_pct"] == 13

    april = compute_measures(ds, Period.from_month("2023-04"))["all"]
    # 1 / 16 = 6.25 % → 6.3 half up (round(6.25, 1) gives 6.2)
    assert (april["rthi_offered_pct"], april["rthi_accepted_pct"], april["rthi_completed_pct"]) == (6.3, 6.3, 6.3)

    assert compute_measures(ds, Period.from_month("2023-05"))["all"]["average_hours_missing"] == 0.3  # 0.25
    # 0.15 is 0.1499… as a float; exact arithmetic still gives 0.2
    assert compute_measures(ds, Period.from_month("2023-06"))["all"]["average_hours_missing"] == 0.2
    assert compute_measures(ds, Period.from_month("2023-07"))["all"]["average_hours_missing"] == 1.3  # 1.25


def test_rounding_helpers():
    from fractions import Fraction

    assert percentage(2, 3) == 66.7
    assert percentage(1, 3) == 33.3
    assert percentage(1, 8, places=0) == 13
    assert percentage(1, 40, places=0) == 3  # 2.5 → 3
    assert percentage(3, 8, places=0) == 38  # 37.5 → 38
    assert percentage(0, 5) == 0.0
    assert percentage(0, 0) is None
    assert half_up(Fraction(5, 2), 0) == 3
    assert half_up(Fraction(7, 2), 0) == 4
    assert half_up(Fraction(1, 20), 1) == 0.1


# -- zero denominators ------------------------------------------------------------------------------


def test_nothing_to_measure_gives_null(tmp_path):
    ds = load(
        tmp_path,
        [child("A", "2008-01-01", "CiC")],
        [episode("a1", "A", "2023-01-10T10:00", "2023-01-10T12:00")],  # January only
    )
    kpi = compute_measures(ds, MARCH)
    for group in GROUPS:
        assert kpi[group] == {
            "children_missing": 0,
            "episodes": 0,
            "average_hours_missing": None,
            "most_common_age": None,
            "rthi_offered_pct": None,
            "rthi_accepted_pct": None,
            "rthi_completed_pct": None,
            "rthi_completed_within_72h_pct": None,
            "episodes_declined": 0,
            "children_declined": 0,
            "interviews_declined": 0,
            "frequently_missing": [],
        }
    assert '"average_hours_missing": null' in json.dumps(kpi)


def test_an_empty_group_and_measures_without_a_base_are_null(tmp_path):
    ds = load(
        tmp_path,
        [child("A")],  # not in care: the CiC group is empty
        [episode("a1", "A", "2023-03-10T10:00")],  # still missing, no interview
    )
    kpi = compute_measures(ds, MARCH)
    assert kpi["all"]["episodes"] == 1
    assert kpi["all"]["average_hours_missing"] is None  # no returned episode
    assert kpi["all"]["most_common_age"] is None  # no birth date
    assert kpi["all"]["rthi_offered_pct"] == 0.0  # 0 / 1: a denominator, so a number
    assert kpi["all"]["rthi_completed_within_72h_pct"] is None  # 0 judged
    assert kpi["all"]["frequently_missing"][0]["declined_pct"] == 0
    assert kpi["CiC"]["episodes"] == 0
    assert kpi["CiC"]["rthi_offered_pct"] is None


def test_a_folder_without_rthis(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "children.csv").write_text("child_id,birth_date\nA,2008-01-01\n", encoding="utf-8")
    (folder / "episodes.csv").write_text(
        "episode_id,child_id,missing_at,returned_at\na1,A,2023-03-01T10:00,2023-03-01T11:00\n", encoding="utf-8"
    )
    kpi = compute_measures(load_folder(folder, key=KEY), MARCH)["all"]
    assert (kpi["episodes"], kpi["rthi_offered_pct"], kpi["rthi_completed_within_72h_pct"]) == (1, 0.0, None)


# -- the human-readable table ---------------------------------------------------------------------------


def test_table_shows_every_measure_side_by_side(tmp_path):
    from rich.console import Console

    ds = load(
        tmp_path,
        [child("A", "2008-01-01", "CiC"), child("B")],
        [
            episode("a1", "A", "2023-03-01T10:00", "2023-03-01T12:00"),
            episode("b1", "B", "2023-03-01T10:00"),
        ],
    )
    kpi = compute_measures(ds, MARCH)
    rows = measures_rows(kpi)
    assert [row[0] for row in rows][:2] == ["Children missing", "Missing episodes"]
    assert len(rows) == len(MEASURES) - 1  # everything but the frequently-missing list
    hours = next(row for row in rows if row[0] == "Average hours missing")
    assert hours == ("Average hours missing", "2.0", "2.0", "n/a")
    offered = next(row for row in rows if row[0] == "RTHIs offered")
    assert offered == ("RTHIs offered", "0.0%", "0.0%", "0.0%")
    with_previous = measures_rows(kpi, compute_measures(ds, MARCH.previous()))
    assert with_previous[1] == ("Missing episodes", "2 (0)", "1 (0)", "1 (0)")

    console = Console(record=True, width=120)
    console.print(format_measures_table(kpi))
    console.print(format_measures(kpi))
    text = console.export_text()
    assert "Children in care" in text and "Frequently missing" in text
    assert refs(ds)["A"] in text
    console = Console(record=True, width=120)
    console.print(format_measures(kpi, show_refs=False))
    assert refs(ds)["A"] not in console.export_text()


# -- scale ------------------------------------------------------------------------------------------


def _synthetic(n_episodes: int, seed: int = 1) -> Dataset:
    """A large Dataset built directly (not through a folder), for timing only."""
    rng = np.random.default_rng(seed)
    n_children = n_episodes // 5
    child_ids = pd.Series([f"c{i}" for i in range(n_children)], dtype="string")
    children = pd.DataFrame(
        {
            "child_id": child_ids,
            "ref": "C-" + child_ids,
            "legal_status": pd.Series(rng.choice(["CiC", "CP", "none"], n_children), dtype="string"),
            "birth_date": pd.Timestamp("2005-01-01") + pd.to_timedelta(rng.integers(0, 3650, n_children), unit="D"),
        }
    )
    start = pd.Timestamp("2022-04-01", tz="Europe/London")
    missing = start + pd.to_timedelta(rng.integers(0, 365 * 24 * 60, n_episodes), unit="min")
    returned = pd.Series(missing + pd.to_timedelta(rng.integers(10, 72 * 60, n_episodes), unit="min"))
    returned[rng.random(n_episodes) < 0.01] = pd.NaT
    episode_ids = pd.Series([f"e{i}" for i in range(n_episodes)], dtype="string")
    episodes = pd.DataFrame(
        {
            "episode_id": episode_ids,
            "child_id": child_ids.to_numpy()[rng.integers(0, n_children, n_episodes)],
            "missing_at": missing,
            "returned_at": returned,
        }
    )
    n_rthis = n_episodes * 8 // 10
    rthi_ids = pd.Series([f"r{i}" for i in range(n_rthis)], dtype="string")
    rthis = pd.DataFrame(
        {
            "rthi_id": rthi_ids,
            "offered_at": pd.Series(missing[:n_rthis]).where(rng.random(n_rthis) < 0.99),
            "outcome": pd.Series(
                rng.choice(["completed", "declined", "not_completed", "pending"], n_rthis), dtype="string"
            ),
            "completed_at": pd.Series(missing[:n_rthis] + pd.Timedelta(hours=80)),
        }
    )
    rthi_episodes = pd.DataFrame({"rthi_id": rthi_ids, "episode_id": episode_ids[:n_rthis].to_numpy()})
    empty = pd.DataFrame()
    return Dataset(children, episodes, rthis, rthi_episodes, empty, empty, empty)


@pytest.mark.slow
def test_a_million_episodes_add_up():
    # speed is measured in benchmarks/, not here; this checks the national-scale path gives whole answers
    ds = _synthetic(1_000_000)
    kpi = compute_measures(ds, Period.from_dates("2022-04-01", "2023-03-31"))
    assert kpi["all"]["episodes"] == 1_000_000
    assert kpi["all"]["episodes"] == kpi["CiC"]["episodes"] + kpi["other"]["episodes"]
