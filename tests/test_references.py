"""Pseudonymous references exactly as SCHEMA.md defines them, worked out independently here."""

from __future__ import annotations

import hashlib
import hmac

import pandas as pd
import pyarrow as pa
import pytest
from conftest import TEST_KEY, write_folder
from hypothesis import given, settings
from hypothesis import strategies as st

from peermap.graph_models.load import load_folder
from peermap.graph_models.references import MissingKeyError, ReferenceCollision, child_references, find_key, reference

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def by_hand(key: str, text: str, prefix: str) -> str:
    """HMAC-SHA256, then the digest as a bit string cut into 5-bit groups, each a Crockford character."""
    digest = hmac.new(key.encode(), text.encode(), hashlib.sha256).digest()
    bits = "".join(f"{byte:08b}" for byte in digest)
    return prefix + "-" + "".join(CROCKFORD[int(bits[i : i + 5], 2)] for i in range(0, 50, 5))


def test_child_reference_matches_the_definition():
    assert by_hand("sixteen-char-key", "child:001", "C") == reference("sixteen-char-key", "C", "child", "001")
    refs = child_references(TEST_KEY, pd.Series(["001", "1", "001"]))
    assert refs.tolist() == [
        by_hand(TEST_KEY, "child:001", "C"),
        by_hand(TEST_KEY, "child:1", "C"),
        by_hand(TEST_KEY, "child:001", "C"),
    ]
    assert refs[0] != refs[1]  # leading zeros matter: IDs are text


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(st.one_of(st.none(), st.text(max_size=12)), max_size=300))
def test_references_made_all_at_once_are_each_ids_own(ids):
    """The references of a whole column (worked out together, in numpy) are each ID's by the definition,
    missing IDs stay missing, and the same ID always gives the same reference."""
    refs = child_references(TEST_KEY, pd.Series(ids, dtype="string"))
    assert refs.dtype == "string"
    assert [None if pd.isna(r) else r for r in refs] == [
        None if i is None else by_hand(TEST_KEY, f"child:{i}", "C") for i in ids
    ]


def test_known_vector():
    # `printf child:001 | openssl dgst -sha256 -hmac sixteen-char-key` gives 5e2947b08bd59a61...;
    # its first 50 bits in 5-bit groups are 11 24 20 20 15 12 4 11 26 22 = B R M M F C 4 B T P
    assert reference("sixteen-char-key", "C", "child", "001") == "C-BRMMFC4BTP"


def test_loaded_folder_uses_keyed_references(tmp_path):
    links = [
        {
            "link_id": "L1",
            "child_id": "001",
            "recorded_at": "2022-06-03",
            "target_type": "associate",
            "target_ref": "  Big   Dave ",
        },
        {
            "link_id": "L2",
            "child_id": "001",
            "recorded_at": "2022-06-03",
            "target_type": "associate",
            "target_ref": "AS9",
        },
    ]
    folder = write_folder(
        tmp_path,
        children=[{"child_id": "001"}],
        episodes=[{"episode_id": "E1", "child_id": "001", "missing_at": "2022-06-01T10:00"}],
        links=links,
        associates=[{"associate_id": "AS9", "label": "Someone"}],
    )
    ds = load_folder(folder, key=TEST_KEY)
    assert ds.children["ref"].iloc[0] == by_hand(TEST_KEY, "child:001", "C")
    assert ds.links["associate_ref"].tolist() == [
        by_hand(TEST_KEY, "associate:big dave", "A"),
        by_hand(TEST_KEY, "associate:AS9", "A"),
    ]
    other = load_folder(folder, key=TEST_KEY + "x")
    assert other.children["ref"].iloc[0] != ds.children["ref"].iloc[0]


def test_key_sources_and_clear_stop(tmp_path, monkeypatch):
    monkeypatch.delenv("PEERMAP_KEY", raising=False)
    with pytest.raises(MissingKeyError, match="PEERMAP_KEY"):
        find_key(tmp_path)
    (tmp_path / "peermap.key").write_text("folder-key-0123456789\n")
    assert find_key(tmp_path) == "folder-key-0123456789"
    monkeypatch.setenv("PEERMAP_KEY", "environment-key-0123")
    assert find_key(tmp_path) == "environment-key-0123"
    (tmp_path / "k").write_text("file-key-0123456789")
    assert find_key(tmp_path, tmp_path / "k") == "file-key-0123456789"
    monkeypatch.setenv("PEERMAP_KEY", "short")
    with pytest.raises(MissingKeyError, match="at least 16"):
        find_key(tmp_path)


def test_collision_stops_the_run(monkeypatch):
    import peermap.graph_models.references as references

    monkeypatch.setattr(references, "_crockford_texts", lambda prefix, digests, count: pa.array(["C-SAME"] * count))
    with pytest.raises(ReferenceCollision):
        child_references(TEST_KEY, pd.Series(["001", "002"]))
