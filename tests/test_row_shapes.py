"""Rows of the wrong shape and quotes never closed: nothing shifted, nothing silently lost (issue 14).

On the synthetic year, as the red-team found them, and by hand where the
physical lines matter.
"""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from conftest import TEST_KEY, write_folder
from hypothesis import example, given, settings
from hypothesis import strategies as st

from peermap.graph_models.load import load_folder
from peermap.graph_models.load_settings import LoadSettings
from peermap.graph_models.rejects import DataFolderError
from peermap.graph_models.row_shapes import split_records


def spoiled(synthetic_year, tmp_path, file, change):
    """A copy of the synthetic year with ``change(lines)`` applied to ``file``'s lines."""
    folder = tmp_path / "data"
    shutil.copytree(synthetic_year, folder)
    lines = (folder / file).read_text(encoding="utf-8").split("\n")
    (folder / file).write_text("\n".join(change(lines)), encoding="utf-8")
    return folder


def rejected(dataset):
    return {(p.file, p.line): p for p in dataset.rejects if p.severity == "rejected"}


def same_rows(loaded: pd.DataFrame, base: pd.DataFrame, key: str) -> None:
    """Every row that loaded has exactly the values it has in the unspoiled year."""
    expected = base.set_index(key).loc[loaded[key]]
    pd.testing.assert_frame_equal(loaded.set_index(key), expected)


def test_one_extra_field_on_the_first_row_rejects_that_row_and_shifts_nothing(
    synthetic_year, synthetic_dataset, tmp_path
):
    folder = spoiled(synthetic_year, tmp_path, "children.csv", lambda ls: [ls[0], ls[1] + ",extra", *ls[2:]])
    first = (folder / "children.csv").read_text().split("\n")[1]
    gone = first.split(",")[0]
    ds = load_folder(folder)
    assert rejected(ds)[("children.csv", 2)].row == first  # the original text, whole
    base = synthetic_dataset
    assert set(ds.children["child_id"]) == set(base.children["child_id"]) - {gone}
    same_rows(ds.children, base.children, "child_id")
    assert set(ds.episodes["episode_id"]) == set(base.episodes.loc[base.episodes["child_id"] != gone, "episode_id"])
    assert ds.loaded["children.csv"] == (355, 356)
    assert ds.loaded["episodes.csv"].loaded > 1500  # not the 0 of 1,535 the shifted columns gave


def test_a_comma_after_every_data_row_stops_the_run_naming_the_file_and_line(synthetic_year, tmp_path):
    folder = spoiled(
        synthetic_year, tmp_path, "children.csv", lambda ls: [ls[0], *[line + "," if line else line for line in ls[1:]]]
    )
    with pytest.raises(DataFolderError, match=r"children\.csv: 356 of its 356 rows .*line 2"):
        load_folder(folder)


def test_a_comma_after_every_row_and_the_header_loads_with_a_warning(synthetic_year, synthetic_dataset, tmp_path):
    folder = spoiled(synthetic_year, tmp_path, "children.csv", lambda ls: [line + "," if line else line for line in ls])
    ds = load_folder(folder)
    assert [(p.file, p.line, p.severity) for p in ds.rejects] == [("children.csv", 1, "warning")]
    assert "no name" in ds.rejects[0].reason
    for name, table in synthetic_dataset.tables().items():
        pd.testing.assert_frame_equal(table, ds.tables()[name])


def test_an_unclosed_quote_rejects_only_its_line(synthetic_year, synthetic_dataset, tmp_path):
    folder = spoiled(synthetic_year, tmp_path, "episodes.csv", lambda ls: [*ls[:604], '"' + ls[604], *ls[605:]])
    ds = load_folder(folder)
    bad = (folder / "episodes.csv").read_text().split("\n")[604]
    assert {k for k in rejected(ds) if k[0] == "episodes.csv"} == {("episodes.csv", 605)}
    assert rejected(ds)[("episodes.csv", 605)].row == bad
    assert ds.loaded["episodes.csv"] == (1534, 1535)
    same_rows(ds.episodes, synthetic_dataset.episodes, "episode_id")
    assert not any(p.file == "rthis.csv" and p.severity == "rejected" for p in ds.rejects)


def test_an_unclosed_quote_at_the_start_of_a_child_loses_only_that_child(synthetic_year, synthetic_dataset, tmp_path):
    folder = spoiled(synthetic_year, tmp_path, "children.csv", lambda ls: [*ls[:9], '"' + ls[9], *ls[10:]])
    ds = load_folder(folder)
    assert ds.loaded["children.csv"] == (355, 356)
    assert ("children.csv", 10) in rejected(ds)
    same_rows(ds.children, synthetic_dataset.children, "child_id")


def links_folder(tmp_path, body: str):
    """A folder whose links.csv holds ``body`` (from line 2) and then 40 good rows, so the file is mostly whole."""
    children = [{"child_id": f"C{i}"} for i in range(1, 50)]
    folder = write_folder(
        tmp_path / "data",
        children=children,
        episodes=[{"episode_id": "E1", "child_id": "C1", "missing_at": "2023-03-01T20:00"}],
    )
    filler = "".join(f"F{i},C{i},2023-03-02,place,park,filler\n" for i in range(1, 41))
    (folder / "links.csv").write_text("link_id,child_id,recorded_at,target_type,target_ref,notes\n" + body + filler)
    return load_folder(folder, key=TEST_KEY)


def test_physical_lines_stay_right_around_quoted_line_breaks_and_a_stray_quote(tmp_path):
    ds = links_folder(
        tmp_path,
        'L1,C1,2023-03-02,place,park,"a note\nover two lines"\n'  # lines 2-3
        'L2,C2,2023-03-02,place,"park,never closed\n'  # line 4
        "L3,C3,2023-03-02,place,park,plain\n"  # line 5
        'L4,C4,2023-03-02,place,park,"another, ""quoted""\nnote"\n'  # lines 6-7
        "L5,C5,2023-03-02,place,park,last\n",
    )  # line 8
    links = ds.links.set_index("link_id")
    assert {"L1", "L3", "L4", "L5"} <= set(links.index) and "L2" not in links.index
    assert links.at["L4", "notes"] == 'another, "quoted"\nnote'
    assert {(p.line, p.reason.split(":")[0]) for p in ds.rejects} == {
        (4, "a quote opened on this line is never closed")
    }
    assert ds.loaded["links.csv"] == (44, 45)
    filler = sorted(p for p in range(9, 49))  # the 40 good rows after the body keep their lines
    assert [p.line for p in ds.rejects if p.line in filler] == []


def test_a_stray_quote_closed_by_a_later_quote_does_not_swallow_the_rows_between(tmp_path):
    # the stray quote on line 3 would be "closed" by the quote that opens L4's note on line 5: the cell between
    # would hold the whole row L3 and the record would look right (6 fields); L3 must load on its own
    ds = links_folder(
        tmp_path,
        "L1,C1,2023-03-02,place,park,fine\n"
        'L2,C2,2023-03-02,place,park,"stray\n'
        "L3,C3,2023-03-02,place,park,caught in between\n"
        'L4,C4,2023-03-02,place,park,"\nnote starting on a new line"\n',
    )
    assert {"L1", "L3", "L4"} <= set(ds.links["link_id"]) and "L2" not in set(ds.links["link_id"])
    assert {(p.line, p.severity) for p in ds.rejects} == {(3, "rejected")}


def test_a_line_break_in_an_id_is_a_quote_never_closed(tmp_path):
    ds = links_folder(tmp_path, '"L1\n",C1,2023-03-02,place,park,x\nL2,C2,2023-03-02,place,park,y\n')
    assert "L2" in set(ds.links["link_id"]) and not any(ds.links["link_id"].str.contains("L1"))
    assert [p.line for p in ds.rejects][:1] == [2]


@pytest.mark.parametrize("body", [b"a,b\n1,2,3\n", b"a,b,c\n1,2\n", b"1,2\n\n,,\n3\n", b'1,"x"2\n', b"1,2\r3,4\r"])
def test_fast_and_careful_reading_agree(body):
    fast = split_records(body, "f.csv", 2, (True, True))
    careful = split_records(body, "f.csv", 2, (True, True), careful=True)
    pd.testing.assert_frame_equal(fast.frame, careful.frame)
    assert fast.problems == careful.problems


@settings(max_examples=600, derandomize=True, deadline=None)
@given(
    st.lists(st.sampled_from(["a", "0", ",", '"', "\n", "\r\n", " ", "\t", "é", "\ufeff"]), max_size=30).map("".join),
    st.lists(st.booleans(), min_size=1, max_size=3),
)
@example('x,"a," b\ny,z\n', [True, True])  # a quoted cell ending in a comma, closed badly: loaded leniently
@example('a,"\n"', [True])  # an extra field holding a line break: the careful path stopped with an IndexError
@example('a\r\n\r\n"\t', [True])  # a quote left open at the end of the file, which Arrow's reader closes
@example('"\n" \na', [True])  # a blank cell over two lines closed badly: the fast path took it for a blank line
@example('C1,5ft 10",",sic," Jr\nC2,x,y\n', [False, True, True])  # a quote inside a cell put the count out
@example("\ufeffa,b\nc,d\n", [True, True])  # a byte-order mark opening the rows: the fast readers dropped it
def test_fast_and_careful_reading_agree_on_any_text(text, free_text):
    """Whatever a file holds, both ways of reading it keep and reject the same rows, on the same lines."""
    body, width = text.encode("utf-8"), len(free_text)
    fast = split_records(body, "f.csv", width, tuple(free_text))
    careful = split_records(body, "f.csv", width, tuple(free_text), careful=True)
    pd.testing.assert_frame_equal(fast.frame, careful.frame)
    assert fast.problems == careful.problems


def test_fast_and_careful_reading_give_the_same_synthetic_year(synthetic_year, synthetic_dataset):
    careful = load_folder(synthetic_year, careful=True)
    for name, table in synthetic_dataset.tables().items():
        pd.testing.assert_frame_equal(table, careful.tables()[name])
    assert careful.rejects == synthetic_dataset.rejects


def test_how_many_badly_shaped_rows_stop_a_run_is_a_setting(tmp_path):
    from bad_input_cases import base_folder

    folder = base_folder(tmp_path / "data")
    lines = (folder / "children.csv").read_text().split("\n")
    lines[2] += ",x"  # 1 of 40 rows (2.5%): reported, the rest loads
    (folder / "children.csv").write_text("\n".join(lines))
    ds = load_folder(folder, key=TEST_KEY)
    assert ds.loaded["children.csv"] == (39, 40)
    lines[5] += ",x"
    lines[9] = lines[9].rsplit(",", 1)[0]  # 3 of 40 (7.5%): the file was not exported as its header says
    (folder / "children.csv").write_text("\n".join(lines))
    with pytest.raises(DataFolderError, match=r"children\.csv: 3 of its 40 rows .*line 3 "):
        load_folder(folder, key=TEST_KEY)
    ds = load_folder(folder, key=TEST_KEY, settings=LoadSettings(most_badly_shaped_share=0.1))
    assert ds.loaded["children.csv"] == (37, 40)
    with pytest.raises(DataFolderError, match="line 3"):
        load_folder(folder, key=TEST_KEY, settings=LoadSettings(most_badly_shaped_share=0))
