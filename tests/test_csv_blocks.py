"""A CSV written a block of rows at a time, with a column's text made per block (a national ties.csv's
``why`` with an audience's names put in), is byte for byte the CSV of the whole frame made at once."""

from __future__ import annotations

import io
import threading

import numpy as np
import pandas as pd
import pytest

from peermap.exports import csv_text
from peermap.exports.audiences import texts_view
from peermap.exports.manifest import neutralise_frame, write_csv, write_parquet


def whole_then_pandas(frame: pd.DataFrame, texts: dict) -> bytes:
    """What write_csv wrote before: every text made whole, the frame made safe whole, then pandas."""
    out = frame.copy()
    for column, text_of in texts.items():
        out[column] = text_of(out[column])
    out = neutralise_frame(out)
    for column in out.columns:
        if isinstance(out[column].dtype, pd.DatetimeTZDtype):
            out[column] = out[column].dt.strftime("%Y-%m-%dT%H:%M:%S%z").fillna("")
        elif out[column].dtype == bool:
            out[column] = np.where(out[column], "yes", "no")
    text = io.StringIO()
    out.to_csv(text, index=False, lineterminator="\n")
    return text.getvalue().encode()


@pytest.fixture
def frame():
    refs = ["A-0123456789", "A-ABCDEFGHJK", "C-0000000001"]
    rng = np.random.default_rng(3)
    n = 23
    why = [f"{refs[i % 3]} named with {refs[(i + 1) % 3]}" for i in range(n)]
    why[4], why[9], why[17] = "=cmd|' /C calc'!A0", None, "-A-0123456789 leads"
    notes = pd.Series([f"note {i}" for i in range(n)], dtype=object)
    notes[20] = 7  # a block whose object column is not all text: pandas writes that block
    return pd.DataFrame(
        {
            "a": [f"C-{i:010d}" for i in range(n)],
            "weight": rng.random(n) * 30,
            "why": pd.array(why, dtype=pd.StringDtype("pyarrow")),
            "seen": pd.date_range("2023-03-25", periods=n, freq="13h", tz="Europe/London"),
            "unverified": rng.random(n) < 0.5,
            "notes": notes,
        }
    )


def test_blocks_write_what_the_whole_frame_wrote(frame, tmp_path, monkeypatch):
    """Blocks of 4 rows (the last one short; one block written by pandas), a name put into ``why``, formula
    cells guarded, a clock change in the dates: the same bytes as the whole frame made at once."""
    names = pd.Series(["Big Kev"], index=["A-ABCDEFGHJK"], dtype="string")
    texts = {"why": lambda why: texts_view(why.astype("string"), names)}
    expected = whole_then_pandas(frame, texts)
    monkeypatch.setattr(csv_text, "BLOCK", 4)
    written = write_csv(frame, tmp_path / "ties.csv", texts).read_bytes()
    assert written == expected
    assert b"Big Kev" in written and b"A-ABCDEFGHJK" not in written
    assert b"'=cmd" in written  # the guard still applies to the texts made per block


def test_the_frame_given_is_left_as_it_was(frame, tmp_path, monkeypatch):
    """The analysis' own ties keep associates by reference: only the file gets the audience's names."""
    names = pd.Series(["Big Kev"], index=["A-ABCDEFGHJK"], dtype="string")
    frame = frame.drop(columns="notes")  # Parquet holds one type per column
    before = frame.copy()
    monkeypatch.setattr(csv_text, "BLOCK", 4)
    write_csv(frame, tmp_path / "ties.csv", {"why": lambda why: texts_view(why.astype("string"), names)})
    write_parquet(frame, tmp_path / "ties.parquet", {"why": lambda why: texts_view(why.astype("string"), names)})
    pd.testing.assert_frame_equal(frame, before)
    parquet = pd.read_parquet(tmp_path / "ties.parquet")
    assert parquet["why"].str.contains("Big Kev").sum() == frame["why"].str.contains("A-ABCDEFGHJK").sum() > 0


def test_rows_made_as_they_are_written_give_the_same_files(frame, tmp_path, monkeypatch):
    """A table whose rows are made a block at a time (ties.csv on a national year) writes the same CSV and
    the same Parquet as the frame made whole, and each block is asked for once."""
    names = pd.Series(["Big Kev"], index=["A-ABCDEFGHJK"], dtype="string")
    texts = {"why": lambda why: texts_view(why.astype("string"), names)}
    frame = frame.drop(columns="notes")
    monkeypatch.setattr(csv_text, "BLOCK", 4)
    asked = []

    def rows(start, stop):
        asked.append((start, stop))
        return frame.iloc[start:stop].reset_index(drop=True)

    table = csv_text.Blocks(list(frame.columns), len(frame), rows)
    whole = write_csv(frame, tmp_path / "whole.csv", texts).read_bytes()
    assert write_csv(table, tmp_path / "blocks.csv", texts).read_bytes() == whole
    assert sorted(asked) == [(start, min(start + 4, len(frame))) for start in range(0, len(frame), 4)]
    write_parquet(frame, tmp_path / "whole.parquet", texts)
    write_parquet(table, tmp_path / "blocks.parquet", texts)
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "blocks.parquet"), pd.read_parquet(tmp_path / "whole.parquet")
    )


def test_blocks_made_side_by_side_are_written_in_order(frame, tmp_path, monkeypatch):
    """The blocks are made two at a time; one finishing before the block ahead of it (here the second block
    is made before the first lets itself finish) is still written after it: the same bytes as the whole."""
    texts = {"why": lambda why: why.astype("string")}
    frame = frame.drop(columns="notes")
    monkeypatch.setattr(csv_text, "BLOCK", 4)
    second_made = threading.Event()
    finished = []

    def rows(start, stop):
        if start == 0:
            second_made.wait(timeout=10)  # made one at a time, the first block goes on alone
        block = frame.iloc[start:stop].reset_index(drop=True)
        finished.append(start)
        if start == 4:
            second_made.set()
        return block

    table = csv_text.Blocks(list(frame.columns), len(frame), rows)
    whole = write_csv(frame, tmp_path / "whole.csv", texts).read_bytes()
    assert write_csv(table, tmp_path / "blocks.csv", texts).read_bytes() == whole
    assert finished[:2] == [4, 0]  # the second block did finish first


def test_one_block_made_ahead_leaves_a_core_to_other_work(frame, tmp_path, monkeypatch):
    """ties.csv written beside the second process that finds the clusters makes one block ahead (``ahead=1``):
    never two being made at once, and the same bytes as the whole frame; asked before each block (a function),
    two again once the second process has answered."""
    texts = {"why": lambda why: why.astype("string")}
    frame = frame.drop(columns="notes")
    monkeypatch.setattr(csv_text, "BLOCK", 4)
    making, most = [0], [0]
    lock = threading.Lock()

    def rows(start, stop):
        with lock:
            making[0] += 1
            most[0] = max(most[0], making[0])
        threading.Event().wait(0.02)  # long enough for a second maker, were there one, to start meanwhile
        with lock:
            making[0] -= 1
        return frame.iloc[start:stop].reset_index(drop=True)

    whole = write_csv(frame, tmp_path / "whole.csv", texts).read_bytes()
    one_ahead = csv_text.Blocks(list(frame.columns), len(frame), rows, ahead=1)
    assert write_csv(one_ahead, tmp_path / "one.csv", texts).read_bytes() == whole
    assert most[0] == 1
    most[0] = 0
    assert write_csv(csv_text.Blocks(list(frame.columns), len(frame), rows), tmp_path / "two.csv", texts).read_bytes()
    assert most[0] == 2  # by default, two are made side by side
    most[0], asked = 0, []
    later = lambda: asked.append(1) or (1 if len(asked) < 3 else 2)  # noqa: E731  one ahead, then two once free
    assert write_csv(csv_text.Blocks(list(frame.columns), len(frame), rows, later), tmp_path / "then.csv", texts)
    assert (tmp_path / "then.csv").read_bytes() == whole and most[0] == 2 and len(asked) > 3
