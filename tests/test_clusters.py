"""Peer clusters and key people on small networks whose answers can be seen by eye."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from peermap.graph_models.network import PeerNetwork
from peermap.mapping.clusters import compare_methods, describe_clusters, find_clusters
from peermap.mapping.evidence import cluster_kind_names, kind_names
from peermap.mapping.key_people import adults_of_concern, key_people
from peermap.mapping.settings import EvidenceSettings

WHEN = pd.Timestamp("2023-03-04T20:00", tz="Europe/London")


def rows(ties, kind="found_together", tie_type="risk"):
    """Evidence rows from (a, b, weight) triples."""
    frame = pd.DataFrame(ties, columns=["a", "b", "weight"])
    return frame.assign(kind=kind, tie_type=tie_type, unverified=False, first_seen=WHEN, last_seen=WHEN)


def network(ties, extra_rows=()):
    evidence = pd.concat([rows(ties), *extra_rows], ignore_index=True)
    refs = sorted(set(evidence["a"]) | set(evidence["b"]))
    people = pd.DataFrame({"ref": refs, "kind": ["associate" if r.startswith("A-") else "child" for r in refs]})
    return PeerNetwork.from_evidence(people, evidence, kind_names(), cluster_kind_names()), evidence


def clique(names, weight=3.0):
    return [(a, b, weight) for i, a in enumerate(names) for b in names[i + 1 :]]


def groups_of(net, clustering):
    found = pd.Series(clustering.membership, index=net.nodes["ref"])
    return {frozenset(found.index[found == c]) for c in set(found) if c > 0}


def roles(entries):
    frame = pd.DataFrame(entries, columns=["ref", "role", "tie_type", "label", "resolved"])
    return frame.set_index(frame["ref"].str.lower())


def test_two_groups_joined_by_one_weak_tie_are_two_clusters_and_stable():
    left, right = ["C-A1", "C-A2", "C-A3", "C-A4"], ["C-B1", "C-B2", "C-B3", "C-B4"]
    net, _ = network(clique(left) + clique(right) + [("C-A1", "C-B1", 0.2)])
    first = find_clusters(net)
    assert groups_of(net, first) == {frozenset(left), frozenset(right)}
    again = find_clusters(net)
    assert np.array_equal(first.membership, again.membership)  # seeded: the same every run
    assert first.method == "leiden" and first.modularity > 0.3


def test_a_child_alone_or_with_only_their_own_associate_is_in_no_cluster():
    net, _ = network(clique(["C-A1", "C-A2", "C-A3"]) + [("C-Z1", "A-LONE", 1.0)])
    clustering = find_clusters(net)
    found = pd.Series(clustering.membership, index=net.nodes["ref"])
    assert found["C-Z1"] == 0 and found["A-LONE"] == 0 and found["C-A1"] > 0


def test_an_associate_linked_to_one_child_goes_in_that_childs_cluster():
    net, _ = network(
        clique(["C-A1", "C-A2", "C-A3"])
        + clique(["C-B1", "C-B2", "C-B3"])
        + [("C-A1", "C-B1", 0.1), ("C-B2", "A-FRIEND", 5.0)]
    )
    found = pd.Series(find_clusters(net).membership, index=net.nodes["ref"])
    assert found["A-FRIEND"] == found["C-B2"]


def test_big_clusters_are_split_until_they_fit():
    groups = [[f"C-{g}{i}" for i in range(5)] for g in "ABC"]
    ties = [t for group in groups for t in clique(group, 3.0)]
    # every child is also tied to every child of the other groups, almost as strongly: one community at first
    ties += [(x, y, 2.5) for g in range(3) for h in range(g + 1, 3) for x in groups[g] for y in groups[h]]
    net, _ = network(ties)
    whole = find_clusters(net, EvidenceSettings(most_children_in_a_cluster=20))
    assert np.bincount(whole.membership)[1:].tolist() == [15]
    small = find_clusters(net, EvidenceSettings(most_children_in_a_cluster=6))
    assert small.splits >= 1
    assert groups_of(net, small) == {frozenset(g) for g in groups}  # split along the groups, not at random


def test_splitting_builds_the_same_subgraphs_from_arrays_as_igraph_does(monkeypatch):
    """Above CUT_IN_WHOLE_GRAPH_ABOVE vertices the parts to split are built from the tie arrays in numpy;
    forced on for every split here, the clusters must be exactly those of igraph's own subgraphs."""
    import peermap.mapping.clusters as clusters

    rng = np.random.default_rng(3)
    groups = [[f"C-{g:02d}{i}" for i in range(6)] for g in range(30)]
    ties = [t for group in groups for t in clique(group, 3.0)]
    everyone = [child for group in groups for child in group]
    ties += [(everyone[i], everyone[j], 1.0) for i, j in rng.integers(0, len(everyone), (200, 2)) if i != j]
    net, _ = network(ties)
    settings = EvidenceSettings(most_children_in_a_cluster=4)
    by_igraph = find_clusters(net, settings)
    monkeypatch.setattr(clusters, "CUT_IN_WHOLE_GRAPH_ABOVE", 0)
    by_arrays = find_clusters(net, settings)
    assert by_igraph.splits > 10
    assert np.array_equal(by_igraph.membership, by_arrays.membership)
    assert np.bincount(by_arrays.membership)[1:].max() <= 4


def test_a_tight_group_is_not_shattered_into_single_children():
    net, _ = network(clique([f"C-{i:02d}" for i in range(9)], 3.0))
    clustering = find_clusters(net, EvidenceSettings(most_children_in_a_cluster=6))
    sizes = np.bincount(clustering.membership)[1:]
    assert sizes.max() <= 6 and sizes.sum() == 9  # cut in two, nobody left on their own


def test_leiden_leidenalg_and_louvain_compared_on_the_same_network():
    left, right = ["C-A1", "C-A2", "C-A3", "C-A4"], ["C-B1", "C-B2", "C-B3", "C-B4"]
    net, _ = network(clique(left) + clique(right) + [("C-A1", "C-B1", 0.2)])
    truth = pd.Series({**{r: "left" for r in left}, **{r: "right" for r in right}})
    table = compare_methods(net, truth=truth)
    assert list(table["method"]) == ["leiden", "leidenalg", "louvain"]
    assert (table["ari"] == 1.0).all() and (table["modularity"] > 0.3).all()


def test_cluster_rows_say_linked_never_member_or_gang():
    left = ["C-A1", "C-A2", "C-A3"]
    net, evidence = network(
        clique(left),
        extra_rows=[
            rows([("C-A1", "A-X", 1.0)], kind="linked_associate"),
            rows([("C-A2", "A-X", 1.0)], kind="linked_associate"),
        ],
    )
    clustering = find_clusters(net)
    places = pd.DataFrame(
        {
            "a": ["C-A1", "C-A2"],
            "via_key": ["DH1 4QP"] * 2,
            "via": ["Wharton Park (DH1 4QP)"] * 2,
            "place": ["found at"] * 2,
        }
    )
    table = describe_clusters(
        net,
        clustering.membership,
        evidence,
        places,
        roles([("A-X", "adult_of_concern", "risk", "X", True)]),
        EvidenceSettings(),
    )
    row = table.iloc[0]
    assert row["children"] == "C-A1; C-A2; C-A3" and row["associates"] == "A-X"
    assert row["ties"] == 5 and row["adults_of_concern"] == "A-X"
    assert row["places"] == "Wharton Park (DH1 4QP) (2 children)"
    assert row["summary"].startswith("3 children and 1 associate linked: 3 found together")
    assert "1 adult of concern linked" in row["summary"]
    words = " ".join(table.astype(str).to_numpy().ravel()).lower()
    assert "member" not in words and "gang" not in words


# -- key people -----------------------------------------------------------------------------------------------------
def test_the_child_between_two_groups_bridges_and_scores_highest():
    left, right = ["C-A1", "C-A2", "C-A3"], ["C-B1", "C-B2", "C-B3"]
    net, evidence = network(
        clique(left, 2.0)
        + clique(right, 2.0)
        + [("C-MID", "C-A1", 2.0), ("C-MID", "C-B1", 2.0), ("C-MID", "C-A2", 2.0), ("C-MID", "C-B2", 2.0)]
    )
    clustering = find_clusters(net)
    people, info = key_people(net, clustering.membership, roles([]), evidence)
    people = people.set_index("ref")
    assert info["betweenness"] == "exact"
    assert people["betweenness"].idxmax() == "C-MID"
    assert people.loc["C-MID", "degree"] == 4
    assert people.loc["C-MID", "bridging"] == pytest.approx(0.5)  # half its ties in each cluster
    assert people.loc["C-MID", "score"] == 100.0 and people.loc["C-MID", "rank"] == 1
    # score = strength x (1 + bridging): 8 x 1.5 = 12 against 6 x (1 + ...) for the others
    assert people.loc["C-A3", "score"] == pytest.approx(100 * 4.0 / 12.0, abs=0.1)


def test_adults_of_concern_ranked_by_children_and_clusters_reached_and_protective_people_score_nothing():
    left, right = ["C-A1", "C-A2", "C-A3"], ["C-B1", "C-B2", "C-B3"]
    links = rows(
        [
            ("C-A1", "A-BOTH", 1.0),
            ("C-B1", "A-BOTH", 1.0),  # 2 children in 2 clusters
            ("C-A1", "A-ONE", 1.0),
            ("C-A2", "A-ONE", 1.0),
            ("C-A3", "A-ONE", 1.0),
        ],  # 3 in 1
        kind="linked_associate",
    )
    safety = rows(
        [("C-A1", "A-NAN", 0.0), ("C-B1", "A-NAN", 0.0), ("C-B2", "A-NAN", 0.0)],
        kind="linked_associate",
        tie_type="safety",
    )
    net, evidence = network(clique(left) + clique(right), extra_rows=[links, safety])
    clustering = find_clusters(net)
    table = roles(
        [
            ("A-BOTH", "adult_of_concern", "risk", "Both Ways", True),
            ("A-ONE", "adult_of_concern", "risk", "One Way", True),
            ("A-NAN", "protective", "safety", "Nan", True),
        ]
    )
    people, _ = key_people(net, clustering.membership, table, evidence)
    ranked = adults_of_concern(people)
    assert list(ranked["ref"]) == ["A-ONE", "A-BOTH"]  # by children reached, then clusters
    scores = people.set_index("ref")["score"]
    assert scores["A-BOTH"] == 100.0 and scores["A-ONE"] == pytest.approx(75.0)  # 2 x 2 = 4 against 3 x 1 = 3
    assert scores["A-NAN"] == 0.0
    assert people.set_index("ref").loc["C-A1", "adults_of_concern"] == 2
