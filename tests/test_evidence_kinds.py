"""The registry of evidence kinds is the one place a kind is declared: a new kind added there alone reaches
ties.csv, the cluster summaries, the network page, GraphML and the docs."""

from __future__ import annotations

import csv
import re
import sys
from dataclasses import fields
from pathlib import Path

import networkx as nx
import pandas as pd
import pyarrow as pa
import pytest
from conftest import TEST_KEY, write_folder
from test_evidence import child, episode

import peermap.mapping.analysis as analysis_module
from peermap.exports.pack import write_pack
from peermap.graph_models.arrow_text import text_array
from peermap.graph_models.load import load_folder
from peermap.graph_models.network import PeerNetwork
from peermap.mapping.evidence import EVIDENCE_COLUMNS, kinds
from peermap.mapping.evidence.rows import RISK, typed_rows
from peermap.mapping.evidence.words import joined
from peermap.mapping.periods import Period
from peermap.mapping.settings import EvidenceSettings

ROOT = Path(__file__).resolve().parent.parent
MARCH = Period.from_month("2023-03")


def test_every_kind_is_declared_whole():
    registered = kinds.evidence_kinds()
    names = [kind.name for kind in registered]
    assert len(set(names)) == len(names) == 7
    assert sorted(kind.reading_order for kind in registered) == list(range(len(registered)))  # one order, no ties
    settings = {f.name for f in fields(EvidenceSettings)}
    every_setting = (ROOT / "docs" / "analysis.md").read_text(encoding="utf-8").split("## Every setting")[1]
    for kind in registered:
        assert kind.weight_setting in settings, kind.name
        assert f"| `{kind.weight_setting}` |" in every_setting, kind.name  # its weight is explained to analysts
        assert set(kind.columns) <= set(EVIDENCE_COLUMNS), kind.name
        meaning, weight = kind.doc_row(EvidenceSettings())
        assert "{" not in meaning + weight and kind.words and kind.example, kind.name


def test_the_network_counts_only_the_kinds_it_is_given():
    people = pd.DataFrame({"ref": ["C-1", "C-2"], "kind": ["child", "child"]})
    rows = pd.DataFrame(
        {
            "kind": ["found_together", "seen_together"],
            "a": ["C-1", "C-1"],
            "b": ["C-2", "C-2"],
            "weight": [2.0, 1.0],
            "tie_type": ["risk", "risk"],
            "unverified": [False, False],
            "first_seen": pd.Timestamp("2023-03-04", tz="Europe/London"),
            "last_seen": pd.Timestamp("2023-03-04", tz="Europe/London"),
        }
    )
    with pytest.raises(ValueError, match="seen_together"):  # never counted silently under another kind's column
        PeerNetwork.from_evidence(people, rows, kinds=("found_together",))
    network = PeerNetwork.from_evidence(
        people, rows, kinds=("found_together", "seen_together"), cluster_kinds=("found_together",)
    )
    tie = network.ties.iloc[0]
    assert (tie["found_together"], tie["seen_together"], tie["weight"], tie["cluster_weight"]) == (1, 1, 3.0, 2.0)


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def seen_together_sentences(rows: pd.DataFrame, records, police: bool) -> pa.Array:
    """The made-up kind's sentence; it is given only the columns its kind declares."""
    assert list(rows.columns) == ["a", "b"]
    return joined("seen together on camera: ", text_array(rows["a"]), " and ", text_array(rows["b"]))


#: A kind of evidence the tool has never heard of, declared the way every kind is.
SEEN_TOGETHER = kinds.EvidenceKind(
    name="seen_together",
    joins=kinds.TWO_CHILDREN,
    rests_on_episodes=False,
    weight_setting="found_together_weight",
    sentence=seen_together_sentences,
    columns=("a", "b"),
    words="seen together on camera",
    reading_order=-1,
    meaning="both seen on the same camera within **{found_together_hours:g} hours** of each other.",
    weight_words="{found_together_weight:.1f} each time",
    example="seen together on camera: C-A and C-B",
)


@pytest.fixture
def seen_together(monkeypatch, tmp_path):
    """The made-up kind added to the registry, and one piece of it between two children found together; the
    finder a real kind would have (called from collect_evidence) is stood in for by adding its row."""
    monkeypatch.setattr(kinds, "EVIDENCE_KINDS", kinds.EVIDENCE_KINDS + (SEEN_TOGETHER,))
    real = analysis_module.collect_evidence

    def collect_evidence(dataset, period, settings=None, postcodes=None):
        found = real(dataset, period, settings, postcodes)
        pair = found.rows.loc[found.rows["kind"].eq("found_together"), ["a", "b"]].iloc[0]
        when = pd.Timestamp("2023-03-05T01:00", tz="Europe/London")
        seen = typed_rows(
            pd.DataFrame(
                {
                    "kind": ["seen_together"],
                    "a": [pair["a"]],
                    "b": [pair["b"]],
                    "weight": 1.5,
                    "tie_type": RISK,
                    "unverified": False,
                    "first_seen": when,
                    "last_seen": when,
                }
            )
        )
        found.rows = pd.concat([found.rows, seen], ignore_index=True)
        return found

    monkeypatch.setattr(analysis_module, "collect_evidence", collect_evidence)
    folder = write_folder(
        tmp_path / "data",
        children=[child("1"), child("2")],
        episodes=[
            episode("E1", "1", "2023-03-04T20:00", "2023-03-05T01:00", found_at="DH1 3EB"),
            episode("E2", "2", "2023-03-04T20:30", "2023-03-05T01:10", found_at="DH1 4QP"),
        ],
    )
    dataset = load_folder(folder, key=TEST_KEY)
    return dataset, sorted(dataset.children["ref"])


def test_a_kind_added_to_the_registry_alone_reaches_the_files_the_pages_and_the_docs(seen_together, tmp_path):
    dataset, (a, b) = seen_together
    out = write_pack(dataset, MARCH, "meeting", tmp_path / "pack", audit=False)

    ties, clusters = (read_csv(out / name) for name in ("ties.csv", "clusters.csv"))
    assert list(ties[0])[3:11] == [*kinds.kind_names()[:-1], "seen_together"]  # its count column, last
    tie = next(t for t in ties if {t["a"], t["b"]} == {a, b})
    assert (tie["seen_together"], tie["found_together"]) == ("1", "1")
    assert f"seen together on camera: {a} and {b}" in tie["why"]

    assert clusters[0]["summary"].startswith("2 children linked: 1 seen together on camera, 1 found together")

    page = (out / "network.html").read_text(encoding="utf-8")
    assert f"seen together on camera: {a} and {b}" in page  # the tie's evidence, in its own words
    assert "1 seen together on camera, 1 found together" in page  # the cluster filter

    graph = nx.read_graphml(out / "network.graphml")
    assert graph.edges[a, b]["seen_together"] == 1 and graph.edges[a, b]["found_together"] == 1

    sys.path.insert(0, str(ROOT / "scripts"))
    import generate_docs

    table = generate_docs.evidence_kinds()
    assert re.search(
        r"^\| `seen_together` \| seen together on camera \| both seen on the same camera within "
        r"\*\*3 hours\*\* of each other\. \| 2\.0 each time \| `found_together_weight` \|$",
        table,
        re.M,
    )
    assert table.index("`seen_together`") < table.index("`found_together`")  # strongest first, as declared
    assert "| `seen_together` | seen together on camera: C-A and C-B |" in generate_docs.evidence_sentences()
