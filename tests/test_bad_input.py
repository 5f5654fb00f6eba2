"""Every kind of bad input in tests/bad_input_cases.py does what it says (and what docs/data-folder.md says)."""

from __future__ import annotations

import pandas as pd
import pytest
from bad_input_cases import CASES, LOADS, REJECTED, STOPS, WARNING, base_folder
from conftest import TEST_KEY

from peermap.graph_models.load import load_folder
from peermap.graph_models.rejects import DataFolderError


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """The valid month, loaded: what every case is compared with."""
    dataset = load_folder(base_folder(tmp_path_factory.mktemp("base") / "data"), key=TEST_KEY)
    assert dataset.rejects == []
    return dataset


def _ids(dataset, table):
    key = {"children": "child_id", "episodes": "episode_id", "links": "link_id"}[table]
    return set(getattr(dataset, table)[key])


@pytest.mark.parametrize("case", CASES, ids=[c.problem for c in CASES])
def test_each_kind_of_bad_input(case, base, tmp_path):
    folder = base_folder(tmp_path / "data")
    case.spoil(folder)
    line = case.line(folder) if case.line else None
    if case.outcome == STOPS:
        with pytest.raises(DataFolderError) as stopped:
            load_folder(folder, key=TEST_KEY)
        message = str(stopped.value)
        assert case.file in message and "\n" not in message
        if line:
            assert f"line {line}" in message
        return
    dataset = load_folder(folder, key=TEST_KEY)
    seen = {(p.file, p.line, p.severity) for p in dataset.rejects}
    rejected = {(p.file, p.line) for p in dataset.rejects if p.severity == "rejected"}
    if case.outcome == LOADS:
        assert dataset.rejects == []
        for name, table in base.tables().items():
            pd.testing.assert_frame_equal(table, dataset.tables()[name])
    elif case.outcome == WARNING:
        assert (case.file, line, "warning") in seen and not rejected
        for table in ("children", "episodes", "links"):
            assert _ids(dataset, table) == _ids(base, table)  # every row still loads
    else:
        assert case.outcome == REJECTED
        assert (case.file, line) in rejected
        file_table = case.file.split("[")[-1].split(".")[0].rstrip("]")
        assert dataset.loaded[case.file] == (len(getattr(base, file_table)) - 1, len(getattr(base, file_table)))
        row = next(p.row for p in dataset.rejects if (p.file, p.line) == (case.file, line))
        assert row  # the original text travels with the rejection
    if case.holds:
        assert case.holds(dataset)
    # nothing shifted: every child that loaded has the values it has in the valid month
    both = dataset.children.merge(base.children, on="child_id", suffixes=("", "_base"))
    assert len(both) == len(dataset.children)
    for column in ("display_name", "legal_status", "sex"):
        assert both[column].fillna("").equals(both[f"{column}_base"].fillna("")), column
