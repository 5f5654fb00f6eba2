"""SCHEMA.md's bad-input rules, one by one, on hand-made data folders."""

from __future__ import annotations

import csv
import stat

import pandas as pd
import pytest
from conftest import TEST_KEY, write_folder
from hypothesis import given, settings
from hypothesis import strategies as st

from peermap.geo.postcodes import PostcodeIndex
from peermap.graph_models.load import in_key_order, load_folder
from peermap.graph_models.rejects import DataFolderError, write_rejects

CHILDREN = [
    {"child_id": "001", "display_name": "Amy", "birth_date": "2007-05-01", "legal_status": "CiC"},
    {"child_id": "002", "display_name": "Ben", "birth_date": "2008-02", "legal_status": "cp"},
    {"child_id": "003", "display_name": "Cal", "birth_date": "", "legal_status": ""},
]
EPISODE = {"episode_id": "E1", "child_id": "001", "missing_at": "2022-06-01T20:00", "returned_at": "2022-06-02T08:00"}


def problems(dataset, severity=None):
    """(file, line, column, severity) of each problem, for compact assertions."""
    return {
        (p.file, p.line, p.column, p.severity) for p in dataset.rejects if severity is None or p.severity == severity
    }


def reason(dataset, file, line, column):
    return next(p.reason for p in dataset.rejects if (p.file, p.line, p.column) == (file, line, column))


def load(folder, **kwargs):
    return load_folder(folder, key=TEST_KEY, **kwargs)


def test_valid_rows_load_and_ids_stay_text(tmp_path):
    ds = load(write_folder(tmp_path, children=CHILDREN, episodes=[EPISODE]))
    assert ds.rejects == []
    assert list(ds.children["child_id"]) == ["001", "002", "003"]  # leading zeros kept
    assert ds.children["legal_status"].tolist()[:2] == ["CiC", "CP"]  # choices are case-insensitive
    assert pd.isna(ds.children["legal_status"].iloc[2])
    assert ds.children["birth_date"].iloc[1] == pd.Timestamp("2008-02-01")  # YYYY-MM is the 1st
    assert ds.episodes["child_ref"].iloc[0] == ds.children["ref"].iloc[0]


def test_required_value_missing_or_unreadable_rejects_the_row(tmp_path):
    episodes = [
        EPISODE,
        {**EPISODE, "episode_id": "E2", "missing_at": ""},
        {**EPISODE, "episode_id": "E3", "missing_at": "yesterday"},
        {**EPISODE, "episode_id": "", "child_id": "002"},
    ]
    ds = load(write_folder(tmp_path, children=CHILDREN, episodes=episodes))
    assert list(ds.episodes["episode_id"]) == ["E1"]
    assert problems(ds) == {
        ("episodes.csv", 3, "missing_at", "rejected"),
        ("episodes.csv", 4, "missing_at", "rejected"),
        ("episodes.csv", 5, "episode_id", "rejected"),
    }
    assert "missing" in reason(ds, "episodes.csv", 3, "missing_at")
    assert "datetime" in reason(ds, "episodes.csv", 4, "missing_at")


def test_duplicate_ids_first_row_wins(tmp_path):
    children = CHILDREN + [{"child_id": "001", "display_name": "Second Amy"}]
    ds = load(write_folder(tmp_path, children=children, episodes=[EPISODE]))
    assert ds.children.set_index("child_id").at["001", "display_name"] == "Amy"
    assert problems(ds) == {("children.csv", 5, "child_id", "rejected")}
    assert "first row wins" in reason(ds, "children.csv", 5, "child_id")


def test_references_to_nothing_are_rejected(tmp_path):
    episodes = [EPISODE, {**EPISODE, "episode_id": "E2", "child_id": "999"}]
    links = [
        {"link_id": "L1", "child_id": "001", "recorded_at": "2022-06-03", "target_type": "child", "target_ref": "002"},
        {
            "link_id": "L2",
            "child_id": "404",
            "recorded_at": "2022-06-03",
            "target_type": "associate",
            "target_ref": "Zed",
        },
        {"link_id": "L3", "child_id": "001", "recorded_at": "2022-06-03", "target_type": "child", "target_ref": "888"},
    ]
    ds = load(write_folder(tmp_path, children=CHILDREN, episodes=episodes, links=links))
    assert list(ds.episodes["episode_id"]) == ["E1"]
    assert list(ds.links["link_id"]) == ["L1"]
    assert problems(ds) == {
        ("episodes.csv", 3, "child_id", "rejected"),
        ("links.csv", 3, "child_id", "rejected"),
        ("links.csv", 4, "target_ref", "rejected"),
    }
    assert ds.links["target_child_ref"].iloc[0] == ds.children["ref"].iloc[1]


def test_returned_before_missing_is_rejected(tmp_path):
    episodes = [EPISODE, {**EPISODE, "episode_id": "E2", "returned_at": "2022-06-01T19:59"}]
    ds = load(write_folder(tmp_path, children=CHILDREN, episodes=episodes))
    assert problems(ds) == {("episodes.csv", 3, "returned_at", "rejected")}


def test_completed_interview_needs_completed_at(tmp_path):
    rthis = [
        {
            "rthi_id": "R1",
            "child_id": "001",
            "episode_ids": "E1",
            "outcome": "completed",
            "completed_at": "2022-06-03T10:00",
        },
        {"rthi_id": "R2", "child_id": "001", "episode_ids": "E1", "outcome": "Completed", "completed_at": ""},
    ]
    ds = load(write_folder(tmp_path, children=CHILDREN, episodes=[EPISODE], rthis=rthis))
    assert list(ds.rthis["rthi_id"]) == ["R1"]
    assert problems(ds) == {("rthis.csv", 3, "completed_at", "rejected")}


def test_interview_keeps_its_known_episodes(tmp_path):
    episodes = [EPISODE, {**EPISODE, "episode_id": "E2"}]
    rthis = [
        {"rthi_id": "R1", "child_id": "001", "episode_ids": "E1; E404 ;E2", "outcome": "declined"},
        {"rthi_id": "R2", "child_id": "001", "episode_ids": "E500", "outcome": "declined"},
    ]
    ds = load(write_folder(tmp_path, children=CHILDREN, episodes=episodes, rthis=rthis))
    assert list(ds.rthis["rthi_id"]) == ["R1"]
    assert ds.rthis["episode_ids"].iloc[0] == ("E1", "E2")
    assert sorted(map(tuple, ds.rthi_episodes.to_numpy())) == [("R1", "E1"), ("R1", "E2")]
    assert ("rthis.csv", 2, "episode_ids", "warning") in problems(ds)
    assert "E404" in reason(ds, "rthis.csv", 2, "episode_ids")
    assert ("rthis.csv", 3, "episode_ids", "rejected") in problems(ds)


def test_bad_optional_values_are_blanked_with_a_warning(tmp_path):
    children = [
        {
            "child_id": "001",
            "birth_date": "2007-02-30",
            "sex": "MALE",
            "legal_status": "looked after",
            "home_postcode": "not a postcode",
            "placement_postcode": "dh11ab",
            "ce_risk": "HIGH",
        }
    ]
    ds = load(write_folder(tmp_path, children=children, episodes=[EPISODE]))
    row = ds.children.iloc[0]
    assert len(ds.children) == 1
    assert pd.isna(row.birth_date) and pd.isna(row.legal_status) and pd.isna(row.home_postcode)
    assert (row.sex, row.ce_risk, row.placement_postcode) == ("male", "high", "DH1 1AB")
    assert problems(ds) == {("children.csv", 2, c, "warning") for c in ("birth_date", "legal_status", "home_postcode")}


def test_unknown_extra_column_is_a_warning_and_headers_match_any_case(tmp_path):
    folder = write_folder(tmp_path, episodes=[EPISODE])
    (folder / "children.csv").write_text("CHILD_ID,Display_Name,favourite_colour\n001,Amy,blue\n", encoding="utf-8-sig")
    ds = load(folder)
    assert ds.children["display_name"].iloc[0] == "Amy"
    assert problems(ds) == {("children.csv", 1, "favourite_colour", "warning")}


def test_missing_required_file_or_column_stops(tmp_path):
    folder = write_folder(tmp_path, children=CHILDREN)
    with pytest.raises(DataFolderError, match="episodes.csv"):
        load(folder)
    write_folder(folder, episodes=[{k: v for k, v in EPISODE.items() if k != "missing_at"}])
    with pytest.raises(DataFolderError, match="missing_at"):
        load(folder)


def test_line_numbers_are_physical_lines(tmp_path):
    folder = write_folder(tmp_path, episodes=[EPISODE])
    # a quoted cell over two lines, then a blank line: the bad row starts on physical line 5
    (folder / "children.csv").write_text(
        'child_id,display_name,sex\n001,"Amy\nSmith",female\n\n002,Ben,robot\n', encoding="utf-8"
    )
    ds = load(folder)
    assert ds.children["display_name"].iloc[0] == "Amy\nSmith"
    assert problems(ds) == {("children.csv", 5, "sex", "warning")}


def test_clocks_changing(tmp_path):
    episodes = [
        # end of BST: 22:00 BST to 22:00 GMT the next day is 25 real hours
        {**EPISODE, "missing_at": "2022-10-29T22:00", "returned_at": "2022-10-30T22:00"},
        # 01:30 on 2023-03-26 does not exist: it moves forward an hour to 02:30 BST
        {**EPISODE, "episode_id": "E2", "missing_at": "2023-03-26T01:30", "returned_at": "2023-03-26T03:30"},
        # 01:30 on 2022-10-30 happens twice: the first (BST) is taken
        {**EPISODE, "episode_id": "E3", "missing_at": "2022-10-30T01:30", "returned_at": "2022-10-30T01:45"},
        # an explicit offset is honoured
        {**EPISODE, "episode_id": "E4", "missing_at": "2022-06-01T20:00Z", "returned_at": "2022-06-01T22:00+01:00"},
    ]
    ds = load(write_folder(tmp_path, children=CHILDREN, episodes=episodes))
    hours = ((ds.episodes["returned_at"] - ds.episodes["missing_at"]).dt.total_seconds() / 3600).tolist()
    assert hours == [25.0, 1.0, 0.25, 1.0]
    assert ds.episodes["missing_at"].iloc[2].utcoffset().total_seconds() == 3600


def test_handling_defaults_and_unverified(tmp_path):
    base = {"child_id": "001", "recorded_at": "2022-06-03", "target_type": "associate", "target_ref": "Zed"}
    links = [
        {**base, "link_id": "L1", "source": "police", "source_grade": "1", "intel_grade": "A"},
        {**base, "link_id": "L2", "source": "rthi", "source_grade": "2", "intel_grade": "B"},
        {**base, "link_id": "L3", "source": "police", "handling": "p", "source_grade": "3", "intel_grade": "A"},
        {**base, "link_id": "L4", "source": "", "intel_grade": "E"},
    ]
    ds = load(write_folder(tmp_path, children=CHILDREN, episodes=[EPISODE], links=links))
    assert list(ds.links["handling"]) == ["C", "P", "P", "C"]  # no source: conditions apply (SCHEMA.md)
    assert list(ds.links["unverified"]) == [False, False, True, True]


def test_associates_resolve_by_id_label_and_alias(tmp_path):
    base = {"child_id": "001", "recorded_at": "2022-06-03", "target_type": "associate"}
    links = [
        {**base, "link_id": "L1", "target_ref": "big  DAVE"},
        {**base, "link_id": "L2", "target_ref": "AS1"},
        {**base, "link_id": "L3", "target_ref": "David Smith"},
        {**base, "link_id": "L4", "target_ref": " Zed  Jones "},
        {**base, "link_id": "L5", "target_ref": "zed jones"},
    ]
    associates = [
        {"associate_id": "AS1", "label": "David Smith", "aliases": "Big Dave; DS", "role": "adult_of_concern"}
    ]
    ds = load(write_folder(tmp_path, children=CHILDREN, episodes=[EPISODE], links=links, associates=associates))
    assert list(ds.links["associate_key"]) == ["AS1", "AS1", "AS1", "zed jones", "zed jones"]
    assert ds.links["associate_ref"].nunique() == 2
    table = ds.associates.set_index("associate_key")
    assert bool(table.at["AS1", "resolved"]) and not bool(table.at["zed jones", "resolved"])
    assert table.at["zed jones", "label"] == "Zed  Jones"  # shown as first written, trimmed


def test_unknown_postcodes_are_reported_not_guessed(tmp_path):
    episodes = [{**EPISODE, "found_at_postcode": "ZZ9 9ZZ", "missing_from_postcode": "dh1 1ab"}]
    ds = load(write_folder(tmp_path, children=CHILDREN, episodes=episodes), postcodes=PostcodeIndex())
    assert ds.episodes["found_at_postcode"].iloc[0] == "ZZ9 9ZZ"  # kept as given, never moved
    assert problems(ds) == {("episodes.csv", 2, "found_at_postcode", "warning")}
    assert "not in the postcode index" in reason(ds, "episodes.csv", 2, "found_at_postcode")


def test_loading_twice_gives_the_same_tables(tmp_path):
    links = [
        {"link_id": "L1", "child_id": "001", "recorded_at": "2022-06-03", "target_type": "child", "target_ref": "002"}
    ]
    folder = write_folder(tmp_path, children=CHILDREN, episodes=[EPISODE], links=links)
    first, second = load(folder), load(folder)
    for name, table in first.tables().items():
        pd.testing.assert_frame_equal(table, second.tables()[name])
    assert first.rejects == second.rejects and first.inputs == second.inputs


def test_rejects_file_is_private_and_complete(tmp_path):
    folder = write_folder(tmp_path / "data", children=CHILDREN + [{"child_id": "001"}], episodes=[EPISODE])
    path = write_rejects(load(folder).rejects, tmp_path / "rejects.csv")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    rows = list(csv.DictReader(path.open()))
    assert rows == [
        {
            "file": "children.csv",
            "line": "5",
            "column": "child_id",
            "severity": "rejected",
            "reason": "duplicate child_id: an earlier row has it (the first row wins)",
            "row": "001,,,",
        }
    ]


def test_xlsx_workbook_gives_the_same_result_as_csv(tmp_path):
    import datetime as dt

    from openpyxl import Workbook

    csv_folder = write_folder(
        tmp_path / "csv",
        children=CHILDREN,
        episodes=[
            EPISODE,
            {**EPISODE, "episode_id": "E2", "missing_at": "2022-10-29T22:00", "returned_at": "2022-10-30T22:00"},
        ],
    )
    book = Workbook()
    sheet = book.active
    sheet.title = "Children"
    sheet.append(["child_id", "display_name", "birth_date", "legal_status"])
    for row in CHILDREN:
        sheet.append([row["child_id"], row["display_name"], row["birth_date"] or None, row["legal_status"] or None])
    sheet["C2"] = dt.datetime(2007, 5, 1)  # a real Excel date cell
    episodes = book.create_sheet("episodes")
    episodes.append(["episode_id", "child_id", "missing_at", "returned_at"])
    episodes.append(
        ["E1", "001", dt.datetime(2022, 6, 1, 20, 0), 44714.333333333336]
    )  # a bare serial: 2022-06-02 08:00
    episodes.append(["E2", "001", "2022-10-29T22:00", dt.datetime(2022, 10, 30, 22)])
    (tmp_path / "xlsx").mkdir()
    book.save(tmp_path / "xlsx" / "export.xlsx")
    from_csv, from_xlsx = load(csv_folder), load(tmp_path / "xlsx" / "export.xlsx")
    assert from_xlsx.rejects == []
    for name in ("children", "episodes"):
        pd.testing.assert_frame_equal(from_csv.tables()[name], from_xlsx.tables()[name])


def test_handling_fails_closed(tmp_path):
    from peermap.exports.audiences import restrict_dataset

    base = {
        "child_id": "001",
        "recorded_at": "2022-06-03",
        "target_type": "associate",
        "target_ref": "Zed",
        "source": "rthi",
    }
    odd = ["C2", "Confidential", "police only"]
    links = [{**base, "link_id": f"L{i}", "handling": code} for i, code in enumerate(odd)]
    links += [
        {**base, "link_id": "P1", "handling": "p"},
        {**base, "link_id": "S1", "source": "social care"},  # an unknown source: conditions apply
        {**base, "link_id": "S2", "source": "partner"},
    ]
    ds = load(write_folder(tmp_path, children=CHILDREN, episodes=[EPISODE], links=links))
    handling = ds.links.set_index("link_id")["handling"]
    assert [handling[f"L{i}"] for i in range(3)] == ["C", "C", "C"]
    assert (handling["P1"], handling["S1"], handling["S2"]) == ("P", "C", "P")
    warned = {p.line: p.reason for p in ds.rejects if p.column == "handling"}
    assert sorted(warned) == [2, 3, 4] and all("treated as C" in r for r in warned.values())
    meeting = restrict_dataset(ds, "meeting")
    assert set(meeting.links["link_id"]) == {"P1", "S2"}
    # restricted once (as peermap analyse does when it loads), nothing is left to leave out: nothing is copied
    assert restrict_dataset(meeting, "meeting") is meeting
    assert restrict_dataset(ds, "police") is ds  # the police may see every link and note here


def test_dates_outside_1900_to_2100_never_stop_a_run(tmp_path):
    children = [
        {"child_id": "001", "birth_date": "2300-01-01"},
        {"child_id": "002", "birth_date": "1600-05"},
        {"child_id": "003", "birth_date": "2007-05-01"},
    ]
    episodes = [
        EPISODE,
        {**EPISODE, "episode_id": "E2", "missing_at": "2300-06-01T20:00"},
        {**EPISODE, "episode_id": "E3", "returned_at": "9999-12-31T23:59"},
        {**EPISODE, "episode_id": "E4", "missing_at": "1677-09-21T00:12:43+01:00"},
        {**EPISODE, "episode_id": "E5", "missing_at": "2958465.5"},
    ]
    links = [
        {"link_id": "L1", "child_id": "001", "recorded_at": "2262-04-12", "target_type": "place", "target_ref": "park"}
    ]
    ds = load(write_folder(tmp_path, children=children, episodes=episodes, links=links))
    assert list(ds.children["child_id"]) == ["001", "002", "003"]
    assert ds.children["birth_date"].isna().tolist() == [True, True, False]
    assert list(ds.episodes["episode_id"]) == ["E1", "E3"]
    assert pd.isna(ds.episodes["returned_at"].iloc[1])
    assert problems(ds) == {
        ("children.csv", 2, "birth_date", "warning"),
        ("children.csv", 3, "birth_date", "warning"),
        ("episodes.csv", 3, "missing_at", "rejected"),
        ("episodes.csv", 4, "returned_at", "warning"),
        ("episodes.csv", 5, "missing_at", "rejected"),
        ("episodes.csv", 6, "missing_at", "rejected"),
        ("links.csv", 2, "recorded_at", "rejected"),
    }
    assert "1900 to 2100" in reason(ds, "episodes.csv", 3, "missing_at")


def test_an_excel_serial_past_2262_in_a_workbook_rejects_its_row(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "children"
    book.active.append(["child_id", "birth_date"])
    book.active.append(["001", 2958465.5])
    episodes = book.create_sheet("episodes")
    episodes.append(["episode_id", "child_id", "missing_at", "returned_at"])
    episodes.append(["E1", "001", 44714.5, 2958465.5])
    episodes.append(["E2", "001", 2958465.5, None])
    book.save(tmp_path / "export.xlsx")
    ds = load(tmp_path / "export.xlsx")
    assert list(ds.episodes["episode_id"]) == ["E1"] and pd.isna(ds.episodes["returned_at"].iloc[0])
    assert problems(ds) == {
        ("export.xlsx[children]", 2, "birth_date", "warning"),
        ("export.xlsx[episodes]", 2, "returned_at", "warning"),
        ("export.xlsx[episodes]", 3, "missing_at", "rejected"),
    }


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le-bom", "utf-16-be-bom"])
def test_utf8_and_utf16_files_read_the_same(tmp_path, encoding):
    folder = write_folder(
        tmp_path, children=[{"child_id": "001", "display_name": "Zoë Ł. Ó'Brien"}], episodes=[EPISODE]
    )
    text = (folder / "children.csv").read_text(encoding="utf-8")
    boms = {"utf-16-le-bom": (b"\xff\xfe", "utf-16-le"), "utf-16-be-bom": (b"\xfe\xff", "utf-16-be")}
    bom, codec = boms.get(encoding, (b"", encoding))
    (folder / "children.csv").write_bytes(bom + text.encode(codec))
    ds = load(folder)
    assert ds.rejects == [] and ds.children["display_name"].tolist() == ["Zoë Ł. Ó'Brien"]


def test_windows_1252_is_read_with_a_warning_naming_the_file(tmp_path):
    folder = write_folder(tmp_path, episodes=[EPISODE])
    (folder / "children.csv").write_bytes("child_id,display_name\n001,Amy\n002,Zoë “Zed”\n".encode("cp1252"))
    ds = load(folder)
    assert ds.children["display_name"].tolist() == ["Amy", "Zoë “Zed”"]
    assert problems(ds) == {("children.csv", 3, "", "warning")}
    assert "Windows-1252" in ds.rejects[0].reason


def test_loaded_counts_each_file(tmp_path):
    episodes = [EPISODE, {**EPISODE, "episode_id": "E2", "child_id": "999"}]
    ds = load(write_folder(tmp_path, children=CHILDREN, episodes=episodes))
    assert ds.loaded == {"children.csv": (3, 3), "episodes.csv": (1, 2)}
    assert ds.loaded["episodes.csv"].loaded == 1 and ds.loaded["episodes.csv"].read == 2


def test_the_manifest_says_what_loaded(tmp_path):
    from peermap.exports.manifest import build_manifest
    from peermap.mapping.periods import Period

    episodes = [EPISODE, {**EPISODE, "episode_id": "E2", "child_id": "999"}]
    ds = load(write_folder(tmp_path / "data", children=CHILDREN, episodes=episodes))
    manifest = build_manifest("meeting", Period.from_month("2022-06"), ds.inputs, [], tmp_path, loaded=ds.loaded)
    assert manifest["loaded"] == {"children.csv": {"loaded": 3, "read": 3}, "episodes.csv": {"loaded": 1, "read": 2}}
    assert list(manifest).index("loaded") < list(manifest).index("inputs")


KEY_TEXTS = st.one_of(st.none(), st.sampled_from(["001", "01", "1", "10", "2", "A", "a", "é", ""]))


@settings(max_examples=120, deadline=None, derandomize=True)
@given(st.lists(st.tuples(KEY_TEXTS, st.sampled_from(["E1", "E2", "E10", "e1"]) | st.none()), max_size=30))
def test_tables_come_in_key_order_whatever_order_the_file_had(ids):
    """Rows sorted by their key (or keys: an interview's episodes) as a stable sort puts them (missing keys
    last), whether or not the file had them in order already, and numbered from 0 (so a folder and Neo4j give
    the same tables)."""
    frame = pd.DataFrame(
        {
            "rthi_id": pd.Series([i for i, _ in ids], dtype="string"),
            "episode_id": pd.Series([e for _, e in ids], dtype="string"),
            "line": range(2, len(ids) + 2),
        }
    )
    for keys in (["rthi_id"], ["rthi_id", "episode_id"]):
        expected = frame.sort_values(keys, kind="stable", ignore_index=True)
        pd.testing.assert_frame_equal(in_key_order(frame, *keys), expected)
        in_order = expected.copy()
        pd.testing.assert_frame_equal(in_key_order(in_order, *keys), expected)
        in_order.index = in_order.index + 5  # numbered from 0 again, whatever it was numbered before
        pd.testing.assert_frame_equal(in_key_order(in_order, *keys), expected)


def test_the_files_read_first_are_checked_while_the_rest_are_read(tmp_path, monkeypatch):
    """On a national folder the links take seconds to read: the children and episodes are checked meanwhile."""
    import threading

    import peermap.graph_models.load as loading

    link = {"link_id": "L1", "child_id": "001", "recorded_at": "2022-06-02T09:00", "target_type": "child"}
    folder = write_folder(tmp_path, children=CHILDREN, episodes=[EPISODE], links=[{**link, "target_ref": "002"}])
    children_checked = threading.Event()
    links_read_after = []
    read, validate = loading.read_csv_table, loading.validate

    def read_csv_table(spec, *args, **kwargs):
        if spec.name == "links":  # waits (at most a minute) for the children to be checked first
            links_read_after.append(children_checked.wait(60))
        return read(spec, *args, **kwargs)

    def checking(raw, *args, **kwargs):
        frame = validate(raw, *args, **kwargs)
        if raw.spec.name == "children":
            children_checked.set()
        return frame

    monkeypatch.setattr(loading, "read_csv_table", read_csv_table)
    monkeypatch.setattr(loading, "validate", checking)
    ds = load(folder)
    assert links_read_after == [True], "the links were read before any file was checked"
    assert list(ds.children["display_name"]) == ["Amy", "Ben", "Cal"] and len(ds.episodes) == len(ds.links) == 1


def test_a_missing_or_damaged_file_stops_the_run_before_what_checking_found(tmp_path):
    """Checking starts before every file is read, yet the run stops as it did when all were read first."""
    nobody = [{"child_id": "", "display_name": "Amy"}]  # no child loads: checking would stop the run too
    folder = write_folder(tmp_path, children=nobody)
    with pytest.raises(DataFolderError, match="required file missing.*episodes.csv") as stopped:
        load(folder)
    assert stopped.value.problems == []  # nothing of the children's check: reading stopped the run
    write_folder(folder, episodes=[EPISODE])
    header = "link_id,child_id,recorded_at,target_type,target_ref\n"
    (folder / "links.csv").write_text(header + "L1,001\n" * 9 + "L2,001,2022-06-02,child,002\n")
    with pytest.raises(DataFolderError, match="links.csv: 9 of its 10 rows are the wrong shape") as stopped:
        load(folder)
    assert {(p.file, p.severity) for p in stopped.value.problems} == {("links.csv", "rejected")}
    (folder / "links.csv").unlink()
    with pytest.raises(DataFolderError, match="children.csv: none of its 1 rows loaded") as stopped:
        load(folder)
    assert [(p.file, p.line, p.column) for p in stopped.value.problems] == [("children.csv", 2, "child_id")]


def test_what_reading_finds_comes_before_what_checking_finds(tmp_path):
    """rejects.csv lists the problems as when every file was read before any was checked: reading's first."""
    folder = write_folder(tmp_path, children=[*CHILDREN[:2], {"child_id": "003", "display_name": "Cal", "sex": "x"}])
    write_folder(folder, episodes=[EPISODE])
    link = {"link_id": "L1", "child_id": "001", "recorded_at": "2022-06-02T09:00", "target_type": "child"}
    write_folder(folder, links=[{**link, "target_ref": "002", "colour": "blue"}])  # a column no file has
    ds = load(folder)
    found = [(p.file, p.line, p.column) for p in ds.rejects]
    assert found == [("links.csv", 1, "colour"), ("children.csv", 4, "sex")]


def test_ctrl_c_while_checking_stops_the_reading(tmp_path, monkeypatch):
    """In a notebook the process lives on after Ctrl-C: the files not yet read are not read for nobody."""
    import threading

    import peermap.graph_models.load as loading

    link = {"link_id": "L1", "child_id": "001", "recorded_at": "2022-06-02T09:00", "target_type": "child"}
    folder = write_folder(tmp_path, children=CHILDREN, episodes=[EPISODE], links=[{**link, "target_ref": "002"}])
    carry_on, read_names = threading.Event(), []
    read, validate = loading.read_csv_table, loading.validate

    def read_csv_table(spec, *args, **kwargs):
        read_names.append(spec.name)
        if spec.name == "episodes":
            carry_on.wait(60)  # until Ctrl-C has been met
        return read(spec, *args, **kwargs)

    def interrupted(raw, *args, **kwargs):
        if raw.spec.name == "children":
            raise KeyboardInterrupt
        return validate(raw, *args, **kwargs)

    monkeypatch.setattr(loading, "read_csv_table", read_csv_table)
    monkeypatch.setattr(loading, "validate", interrupted)
    with pytest.raises(KeyboardInterrupt):
        load(folder)
    carry_on.set()
    for thread in threading.enumerate():
        if thread.name == "reading the data folder":
            thread.join(60)
    assert read_names == ["children", "episodes"]  # the links were never read
