"""Likely duplicate associates in context: alike names are suggested only around the same child or peer cluster,
with decoys (alike names around unrelated children), and names alone deciding as before when no context is given."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import TEST_KEY, write_folder
from rapidfuzz import fuzz
from test_evidence import child, episode, link

from peermap.graph_models.load import load_folder
from peermap.mapping.associates import duplicate_suggestions

COLUMNS = ["a", "b", "a_label", "b_label", "a_name", "b_name", "similarity", "suggestion"]


def associates(*rows) -> pd.DataFrame:
    """An associates table with the Dataset's columns from (key, label, aliases, resolved) rows; ref ``A-<key>``."""
    return pd.DataFrame(
        {
            "associate_key": pd.Series([r[0] for r in rows], dtype="string"),
            "associate_id": pd.Series([r[0] if r[3] else pd.NA for r in rows], dtype="string"),
            "ref": [f"A-{r[0]}" for r in rows],
            "label": pd.Series([r[1] for r in rows], dtype="string"),
            "aliases": [tuple(r[2]) for r in rows],
            "role": pd.Series([pd.NA] * len(rows), dtype="string"),
            "approx_age": [pd.NA] * len(rows),
            "resolved": [bool(r[3]) for r in rows],
        }
    )


def links(*pairs) -> pd.DataFrame:
    """Links from (associate_key, child_ref) pairs, plus a child link and a place link that name no associate."""
    keys = [k for k, _ in pairs] + [pd.NA, pd.NA]
    return pd.DataFrame(
        {
            "associate_key": pd.Series(keys, dtype="string"),
            "child_ref": [c for _, c in pairs] + ["C-1", "C-2"],
            "target_type": ["associate"] * len(pairs) + ["child", "place"],
        }
    )


# Robert Murray is in associates.csv, linked to C-1 and C-2. Robertt Muurray is named on C-2 (a shared child);
# Robert Murry on C-5, in C-1's cluster; Robert Murrey, Robert Murrayy and Roberto Murray are the decoys: as alike,
# but named on children who share nothing with his or each other's (Murrey on C-9, in cluster 3; Murrayy on C-7 and
# Roberto on C-8, both in no cluster: 0 or empty, as in people.csv).
PEOPLE = associates(
    ("X1", "Robert Murray", ("Bob Murray",), True),
    ("robertt muurray", "Robertt Muurray", (), False),
    ("robert murry", "Robert Murry", (), False),
    ("robert murrey", "Robert Murrey", (), False),
    ("robert murrayy", "Robert Murrayy", (), False),
    ("roberto murray", "Roberto Murray", (), False),
    ("kayleigh jones", "Kayleigh Jones", (), False),
)
LINKS = links(
    ("X1", "C-1"),
    ("X1", "C-2"),
    ("robertt muurray", "C-2"),
    ("robert murry", "C-5"),
    ("robert murrey", "C-9"),
    ("robert murrayy", "C-7"),
    ("roberto murray", "C-8"),
    ("kayleigh jones", "C-1"),
    ("kayleigh jones", "C-5"),
)
CLUSTERS = pd.Series({"C-1": 1, "C-2": 2, "C-5": 1, "C-6": None, "C-7": 0, "C-8": 0, "C-9": 3}, dtype="Int64")


def pairs(found: pd.DataFrame) -> list[tuple[str, str]]:
    return [tuple(sorted(p)) for p in zip(found["a_label"], found["b_label"])]


def test_without_context_names_alone_decide_as_before():
    found = duplicate_suggestions(PEOPLE)
    assert list(found.columns) == COLUMNS  # no context columns
    assert set(pairs(found)) >= {
        ("Robert Murray", "Robertt Muurray"),
        ("Robert Murray", "Robert Murry"),
        ("Robert Murray", "Robert Murrey"),
        ("Robert Murrayy", "Roberto Murray"),
    }
    assert found["similarity"].is_monotonic_decreasing


def test_decoys_around_unrelated_children_are_not_suggested_in_context():
    found = duplicate_suggestions(PEOPLE, links=LINKS, cluster_of=CLUSTERS)
    assert list(found.columns) == COLUMNS + ["shared_children", "shared_clusters"]
    assert pairs(found) == [("Robert Murray", "Robertt Muurray"), ("Robert Murray", "Robert Murry")]
    for decoy in ("Robert Murrey", "Robert Murrayy", "Roberto Murray"):  # alike, and suggested by names alone
        assert decoy not in set(found["a_label"]) | set(found["b_label"])
    # Kayleigh Jones shares children with Robert Murray and others, but her name is nothing like theirs
    assert "Kayleigh Jones" not in set(found["a_label"]) | set(found["b_label"])


def test_alike_names_sharing_a_child_are_suggested_first():
    found = duplicate_suggestions(PEOPLE, links=LINKS, cluster_of=CLUSTERS)
    first, second = found.iloc[0], found.iloc[1]
    assert (first["a"], first["b"]) == ("A-X1", "A-robertt muurray")
    assert (first["shared_children"], first["shared_clusters"]) == (1, 1)  # C-2, and C-2's cluster
    assert first["suggestion"] == "if they are one person, add Robertt Muurray as an alias of Robert Murray"
    # ordered by the context before the similarity: the shared child wins although the names are less alike
    assert first["similarity"] < second["similarity"]
    assert first["similarity"] == round(fuzz.ratio("robert murray", "robertt muurray"), 1)


def test_alike_names_around_one_cluster_are_suggested_with_the_clusters_counted():
    found = duplicate_suggestions(PEOPLE, links=LINKS, cluster_of=CLUSTERS).set_index("b")
    row = found.loc["A-robert murry"]
    assert row["a"] == "A-X1" and (row["shared_children"], row["shared_clusters"]) == (0, 1)
    # without the clusters only the shared child counts
    only_children = duplicate_suggestions(PEOPLE, links=LINKS)
    assert pairs(only_children) == [("Robert Murray", "Robertt Muurray")]
    assert only_children[["shared_children", "shared_clusters"]].values.tolist() == [[1, 0]]


def test_two_loose_names_sharing_children_and_an_alias_match():
    people = associates(
        ("X1", "David Smith", ("Big Dave",), True),
        ("big davey", "Big Davey", (), False),
        ("jon smyth", "Jon Smyth", (), False),
        ("john smyth", "John Smyth", (), False),
        ("X2", "Jon Smith", (), True),
    )
    found = duplicate_suggestions(
        people,
        links=links(
            ("X1", "C-1"),
            ("big davey", "C-1"),
            ("jon smyth", "C-3"),
            ("john smyth", "C-3"),
            ("john smyth", "C-4"),
            ("jon smyth", "C-4"),
            ("X2", "C-3"),
        ),
    )
    got = {tuple(sorted((r.a_name, r.b_name))): (r.shared_children, r.suggestion) for r in found.itertuples()}
    assert got[("Big Dave", "Big Davey")] == (1, "if they are one person, add Big Davey as an alias of David Smith")
    assert got[("John Smyth", "Jon Smyth")] == (
        2,
        "if they are one person, add them to associates.csv with one as an alias",
    )
    assert found.iloc[0]["shared_children"] == 2  # the pair around two children comes first
    assert ("Jon Smith", "Jon Smyth") in got  # resolved beside loose: still suggested
    assert all("Jon Smith" != a or "Jon Smith" != b for a, b in got)


def test_two_resolved_associates_are_never_suggested_even_around_one_child():
    people = associates(("X1", "Robert Murray", (), True), ("X2", "Robert Muurray", (), True))
    assert len(duplicate_suggestions(people, links=links(("X1", "C-1"), ("X2", "C-1")))) == 0
    loose = associates(("X1", "Robert Murray", (), True), ("robert muurray", "Robert Muurray", (), False))
    assert len(duplicate_suggestions(loose, links=links(("X1", "C-1"), ("robert muurray", "C-1")))) == 1


def test_most_keeps_the_first_suggestions():
    found = duplicate_suggestions(PEOPLE, links=LINKS, cluster_of=CLUSTERS, most=1)
    assert len(found) == 1 and found.iloc[0]["b"] == "A-robertt muurray"
    everything = duplicate_suggestions(PEOPLE)
    assert len(everything) > 2
    assert duplicate_suggestions(PEOPLE, most=2).equals(everything.head(2))


def test_clusters_without_links_are_refused():
    with pytest.raises(ValueError, match="needs links"):
        duplicate_suggestions(PEOPLE, cluster_of=CLUSTERS)


def test_context_from_a_loaded_folder(tmp_path):
    # as in test_analyse: David Smith (X1) is named on children 1 and 2, a misspelling Davd Smith on child 3,
    # then on child 2 as well. Only the second time does the context make them likely one person.
    rows = [
        link("L1", "1", "associate", "Big Dave"),
        link("L2", "2", "associate", "  DAVID   SMITH "),
        link("L3", "3", "associate", "Davd Smith"),
        link("L4", "3", "associate", "Kayleigh Jones"),
        link("L5", "1", "child", "2", role="peer"),
    ]
    register = [{"associate_id": "X1", "label": "David Smith", "aliases": "Big Dave", "role": "adult_of_concern"}]
    kids, episodes = [child("1"), child("2"), child("3")], [episode("E1", "1", "2023-03-04T20:00")]
    apart = load_folder(
        write_folder(tmp_path / "apart", children=kids, episodes=episodes, links=rows, associates=register),
        key=TEST_KEY,
    )
    assert len(duplicate_suggestions(apart.associates)) == 1  # names alone
    assert len(duplicate_suggestions(apart.associates, links=apart.links)) == 0
    ref = dict(zip(apart.children["child_id"], apart.children["ref"]))
    one_cluster = pd.Series({ref["1"]: 1, ref["2"]: 1, ref["3"]: 1})
    assert len(duplicate_suggestions(apart.associates, links=apart.links, cluster_of=one_cluster)) == 1

    together = load_folder(
        write_folder(
            tmp_path / "together",
            children=kids,
            episodes=episodes,
            associates=register,
            links=rows + [link("L6", "2", "associate", "Davd Smith")],
        ),
        key=TEST_KEY,
    )
    found = duplicate_suggestions(together.associates, links=together.links)
    assert len(found) == 1
    row = found.iloc[0]
    assert {row["a_label"], row["b_label"]} == {"David Smith", "Davd Smith"} and row["shared_children"] == 1
    assert row["suggestion"] == "if they are one person, add Davd Smith as an alias of David Smith"
