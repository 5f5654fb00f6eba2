"""The look-back (SCHEMA.md "Periods"): people's reach, shared phones, vehicles and handles, and tie dates over
the 12 months ending with the period's last day, beside the period's own figures.

A tiny folder made here: Big Man, an adult of concern, reaches six children over the year and one in March
2023; Old Boss reached six children only before the window; Cousin Ray reached one child in May 2022 only;
a tie between two children lies outside the window; a phone four children shared over the year is used by
one child in the week of 6 March 2023.
"""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from cli_run import run_main
from conftest import write_folder

KEY = "lookback-test-key-0123456789"
PHONE = "07700 900001"
LONE_PHONE = "07700 900002"
VAN = "AB12 CDE"
#: Big Man's children: the month of their link (and of their one episode); K1's is March 2023.
BIG_MAN = {"K1": "2023-03-10", "K2": "2022-05-04", "K3": "2022-06-14", "K4": "2022-08-20", "K5": "2022-11-02"}
BIG_MAN["K6"] = "2023-01-25"
OLD_BOSS = {f"D{i}": f"2022-0{1 + i % 3}-1{i}" for i in range(1, 7)}  # January to March 2022: before the window


def _folder(root):
    children = [*BIG_MAN, *OLD_BOSS, "K7"]
    days = {**BIG_MAN, **OLD_BOSS, "K7": "2022-05-20"}
    episodes = [
        {"episode_id": f"E-{c}", "child_id": c, "missing_at": f"{days[c]}T18:00", "returned_at": f"{days[c]}T22:00"}
        for c in children
    ]
    links = []

    def link(child, target_type, target, day, role="", episode=""):
        links.append(
            {
                "link_id": f"L{len(links) + 1}",
                "child_id": child,
                "recorded_at": f"{day}T12:00",
                "target_type": target_type,
                "target_ref": target,
                "role": role,
                "episode_id": episode,
                "source": "rthi",
                "source_grade": "1",
                "intel_grade": "A",
            }
        )

    for child, day in BIG_MAN.items():
        link(child, "associate", "Big Man", day, "adult_of_concern", f"E-{child}")
    for child, day in OLD_BOSS.items():
        link(child, "associate", "Old Boss", day, "adult_of_concern", f"E-{child}")
    link("K7", "associate", "Cousin Ray", "2022-05-20", "adult_of_concern", "E-K7")
    link("K2", "child", "K3", "2022-02-10")  # a tie between two children before the window
    link("K3", "child", "K4", "2022-06-15")  # and one inside it
    for child, day in (("K2", "2022-05-05"), ("K3", "2022-06-16"), ("K4", "2022-08-21")):
        link(child, "phone", PHONE, day)
    link("K1", "phone", PHONE.replace(" ", ""), "2023-03-08")  # the same phone, written without its space
    link("K5", "phone", LONE_PHONE, "2022-11-03")
    link("D1", "phone", LONE_PHONE, "2022-01-20")  # the second child is before the window: not shared in it
    link("K5", "vehicle", VAN, "2022-12-01")
    link("K6", "vehicle", VAN.lower(), "2022-12-02")
    folder = write_folder(
        root / "data",
        children=[{"child_id": c} for c in children],
        episodes=episodes,
        links=links,
        associates=[
            {"associate_id": "A1", "label": "Big Man", "role": "adult_of_concern"},
            {"associate_id": "A2", "label": "Old Boss", "role": "adult_of_concern"},
            {"associate_id": "A3", "label": "Cousin Ray", "role": "adult_of_concern"},
        ],
    )
    (folder / "peermap.key").write_text(KEY)
    return folder


@pytest.fixture(scope="module")
def packs(tmp_path_factory):
    root = tmp_path_factory.mktemp("lookback")
    data = str(_folder(root))
    jobs = {
        "meeting": ["--period", "2023-03", "--audience", "meeting"],
        "board": ["--period", "2023-03", "--audience", "board"],
        "police-week": ["--from", "2023-03-06", "--to", "2023-03-12", "--audience", "police"],
    }
    for name, args in jobs.items():
        result = run_main(["pack", data, *args, "--out", str(root / name)])
        assert result.returncode == 0, result.stderr
    return root


def _ref(people: pd.DataFrame, label: str) -> pd.Series:
    return people[people["label"].eq(label)].iloc[0]


def test_an_adult_of_concern_reaches_one_child_this_month_and_six_over_the_year(packs):
    people = pd.read_csv(packs / "meeting" / "people.csv", dtype=str, keep_default_na=False)
    big = _ref(people, "Big Man")
    assert (big["children_reached"], big["children_reached_lookback"]) == ("1", "6")
    # clusters are this period's: the five children reached earlier are in none this month
    assert big["clusters_reached_lookback"] == big["clusters_reached"]


def test_everyone_active_in_the_lookback_is_listed_and_no_one_before_it(packs):
    people = pd.read_csv(packs / "meeting" / "people.csv", dtype=str, keep_default_na=False)
    ray = _ref(people, "Cousin Ray")  # May 2022 only: listed, with nothing this period
    assert (ray["children_reached"], ray["clusters_reached"], ray["cluster"], ray["score"]) == ("0", "0", "", "0.0")
    assert (ray["children_reached_lookback"], ray["clusters_reached_lookback"]) == ("1", "0")
    assert "Old Boss" not in set(people["label"])  # six children, all before the window
    scores = people["score"].astype(float)
    assert scores.is_monotonic_decreasing
    children = set(people.loc[people["kind"].eq("child"), "ref"])
    assert len(children) == 7  # K1-K7: everyone linked in the window; D1-D6 are not


def test_the_board_gets_no_lookback_figure(packs):
    board = packs / "board"
    assert not (board / "people.csv").exists() and not (board / "shared_identifiers.csv").exists()
    data = "\n".join(p.read_text(encoding="utf-8") for p in board.iterdir() if p.suffix in (".json", ".geojson"))
    assert "reached_lookback" not in data and "children_lookback" not in data
    page = re.sub(r"<script.*?</script>", "", (board / "index.html").read_text(encoding="utf-8"), flags=re.S)
    assert "look-back" not in page and "12 months to" not in page
    assert json.loads((board / "manifest.json").read_text())["lookback"] is None


def test_a_week_police_pack_lists_the_phones_shared_over_the_lookback(packs):
    pack = packs / "police-week"
    shared = pd.read_csv(pack / "shared_identifiers.csv", dtype=str, keep_default_na=False).set_index("identifier")
    assert set(shared.index) == {PHONE, VAN}  # the lone phone's second child is before the window
    assert (shared.at[PHONE, "children"], shared.at[PHONE, "children_lookback"]) == ("1", "4")
    assert (shared.at[VAN, "children"], shared.at[VAN, "children_lookback"]) == ("0", "2")
    text = re.sub(r"\s+", " ", (pack / "index.html").read_text(encoding="utf-8"))
    assert "shared by more than one child in the 12 months to 12 March 2023" in text
    assert f"<td>{PHONE}</td><td>1 child from 6 March 2023 to 12 March 2023</td>" in text
    assert "<td>4 children in the 12 months to 12 March 2023</td>" in text


def test_the_meeting_pack_shows_no_phone_or_vehicle(packs):
    pack = packs / "meeting"
    assert not (pack / "shared_identifiers.csv").exists()
    text = "\n".join(p.read_text(encoding="utf-8") for p in pack.iterdir() if p.is_file())
    for secret in (PHONE, PHONE.replace(" ", ""), LONE_PHONE, VAN, VAN.lower(), "07700"):
        assert secret not in text


def test_each_ties_evidence_dates_over_the_window(tmp_path):
    from peermap.exports.audience_view import analyse_for_audience
    from peermap.graph_models.load import load_folder
    from peermap.mapping.periods import Period

    dataset = load_folder(_folder(tmp_path))
    refs = dict(zip(dataset.children["child_id"], dataset.children["ref"]))
    big = dataset.associates.set_index("label").at["Big Man", "ref"]
    analysis = analyse_for_audience(dataset, Period.from_month("2023-03"), "police")
    window = analysis.lookback
    assert window.window.as_dict() == {"from": "2022-04-01", "to": "2023-03-31"}
    dates = window.dates_of(refs["K3"], refs["K4"])
    # both linked to Big Man (from K3's link, the earlier), then K3's interview names K4
    assert [(str(when.date()), kind) for when, kind in dates] == [
        ("2022-06-14", "shared_associate"),
        ("2022-06-15", "named_together"),
    ]
    kinds = [kind for _, kind in window.dates_of(refs["K2"], refs["K3"])]
    assert kinds == ["shared_associate"]  # their naming each other in February 2022 is before the window
    assert [kind for _, kind in window.dates_of(big, refs["K2"])] == ["linked_associate"]
    # the period's ties are as they were: only March's
    assert len(analysis.ties) == 1
    assert analyse_for_audience(dataset, Period.from_month("2023-03"), "board").lookback is None
