"""Key people: the children who may need most support, and the adults of concern who reach most children.

Children are victims (DESIGN.md). A child's score says **"most connected: may
need most support"**, never that a child recruits or harms others:

    child score = strength x (1 + bridging) + adult_of_concern_bonus x adults of concern

where *strength* is the sum of the weights of the child's risk ties (to other
children and to associates), *bridging* is the share of those ties that reach
outside the child's own cluster (the participation coefficient, 0 when every
tie is inside one cluster, towards 1 when spread evenly over many), and
*adults of concern* is how many adults of concern the intelligence links to
the child. Scores are scaled to 0-100 (100 = the most connected child of the
period).

Associates are ranked apart, as people to disrupt:

    associate score = children reached x clusters reached x concern

*children reached* is how many children the intelligence links them to in
the period (a whole number: the count every page shows), weighed in the score
as half a child where all of that intelligence is unverified; *clusters
reached* is how many peer clusters those children are in (at least 1); *concern* is 1 for an adult of concern,
``unknown_concern`` (0.5) when the role is unknown and ``peer_concern``
(0.25) for a peer: a peer is usually another young person, and children are
never ranked as people to disrupt. A name associates.csv does not know that is
a single word ("Josh", "Tats") may be several people: until the analyst says
who it is, its clusters are not multiplied in (it counts children only).
Protective people, family and professionals score 0: they are safety or
context, never risk. Scaled 0-100.

``degree`` is how many people a person has risk ties with. ``betweenness`` is
how often a person lies on the shortest paths between others (shorter for
heavier ties): exact on a meeting-sized network, estimated from a seeded sample
of starting points on a national one (exact betweenness on 200,000 people takes
minutes; the sample keeps it to seconds).

References
----------
R. Guimerà, L. A. N. Amaral (2005). Functional cartography of complex metabolic
networks. Nature 433, 895-900 (the participation coefficient).
U. Brandes, C. Pich (2007). Centrality estimation in large networks. Int. J.
Bifurcation and Chaos 17(7) (betweenness from sampled sources).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from peermap.graph_models.arrow_text import isin, positions_in
from peermap.graph_models.distinct_numbers import distinct_numbers
from peermap.graph_models.network import PeerNetwork, edge_pairs
from peermap.mapping import engines
from peermap.mapping.settings import EvidenceSettings

#: A sampled betweenness visits about this many ties in all: fewer sources on a bigger network (a national
#: one gets a handful), but never fewer than :data:`LEAST_SOURCES`.
SAMPLED_EDGE_VISITS = 20_000_000
LEAST_SOURCES = 4


def participation(network: PeerNetwork, membership: np.ndarray) -> np.ndarray:
    """Participation coefficient of each node over the clusters of its neighbours.

    A neighbour in no cluster counts as a cluster of its own.

    Notes
    -----
    One hash of (node, neighbour's cluster) over the ties, then weighted counts: O(m).
    """
    a, b, w = network.risk_arrays("cluster_weight")
    n = len(network.nodes)
    if len(a) == 0:
        return np.zeros(n)
    group = np.where(membership > 0, membership, -1 - np.arange(n))  # unclustered: own group
    src = np.concatenate([a, b])
    weight = np.concatenate([w, w])
    # (node, neighbour's group) as one integer key, hashed once; the sums are then counts with weights. The key
    # is made in place, each part let go of before the hash (a national network's ten million keys: the hash
    # takes half a gigabyte, and each array beside it 80 MB)
    width = np.int64(n + max(int(membership.max()) if len(membership) else 0, 0) + 1)
    key = src * width
    key[: len(a)] += group[b]
    key[len(a) :] += group[a]
    key += n
    del a, b, w, group
    codes, keys = pd.factorize(key)
    del key
    by_group = np.bincount(codes, weights=weight, minlength=len(keys))
    group_src = keys // width
    total = np.bincount(src, weights=weight, minlength=n)
    concentration = np.bincount(group_src, weights=(by_group / total[group_src]) ** 2, minlength=n)
    out = np.where(total > 0, 1.0 - concentration, 0.0)
    return np.clip(out, 0.0, 1.0)


def betweenness(network: PeerNetwork, settings: EvidenceSettings) -> tuple[np.ndarray, str]:
    """Normalised betweenness of each node, and how it was computed (``exact`` or ``sampled``).

    Distances are 1 / tie weight, so a path over heavy ties is short.

    Notes
    -----
    Exact: Brandes' algorithm in igraph, O(n m + n^2 log n). Sampled: the same
    from s seeded sources (``betweenness_samples``, fewer on a network so big
    that s x m would pass :data:`SAMPLED_EDGE_VISITS`, at least :data:`LEAST_SOURCES`),
    O(s (m + n log n)), scaled by n / s: a rough estimate, for ranking.
    """
    n = len(network.nodes)
    engine = engines.current()
    if engine is not None:
        return _measured_in_store(engine, network, settings)
    import igraph as ig

    # the graph of PeerNetwork.to_igraph (the same vertices and edges, in the same order), built bare: its
    # distances go to igraph as an array, not as an attribute of a Python float per tie (a national network's
    # millions), and it is not kept
    a, b, w = network.risk_arrays("cluster_weight")
    if len(a) == 0 or n < 3:
        return np.zeros(n), "exact"
    graph = ig.Graph(n=n, edges=edge_pairs(a, b), directed=False)
    del a, b
    distance = 1.0 / w  # handed to igraph as an array
    scale = 2.0 / ((n - 1) * (n - 2))
    touched = np.flatnonzero(np.asarray(graph.degree()) > 0)
    samples = _sources(len(touched), graph.ecount(), settings)
    if samples is None:
        graph.es["weight"] = w.tolist()  # a network of at most exact_betweenness_up_to people: small
        sub = graph.induced_subgraph(touched.tolist())
        values = np.zeros(n)
        values[touched] = np.asarray(sub.betweenness(directed=False, weights=1.0 / np.asarray(sub.es["weight"])))
        return values * scale, "exact"
    rng = np.random.default_rng(settings.seed)
    sources = np.sort(rng.choice(touched, size=samples, replace=False))
    raw = np.asarray(graph.betweenness(directed=False, weights=distance, sources=sources.tolist()))
    # each undirected path is found from one end only when sampled: scale to all sources, both ends
    return raw * (len(touched) / samples) * scale, "sampled"


def _sources(touched: int, ties: int, settings: EvidenceSettings) -> int | None:
    """How many sampled sources betweenness starts from (``None``: every one, exact)."""
    if touched <= settings.exact_betweenness_up_to:
        return None
    affordable = max(LEAST_SOURCES, SAMPLED_EDGE_VISITS // max(ties, 1))  # seconds on any network
    return min(settings.betweenness_samples, affordable, touched)


def _measured_in_store(engine, network: PeerNetwork, settings: EvidenceSettings) -> tuple[np.ndarray, str]:
    """:func:`betweenness` (and :func:`key_people`'s degree, kept on the engine for it) by the store's engine
    (:mod:`graph_models.gds_engine`), over the same ties (:func:`mapping.engines.store_ties`): distances
    1 / tie weight, sampled sources seeded."""
    n = len(network.nodes)
    a, b, _ = network.risk_arrays("cluster_weight")
    counted = len(network.risk_arrays("weight")[0])
    touched = int((np.bincount(np.concatenate([a, b]), minlength=n) > 0).sum())
    with engines.ties_in_store(network) as run:
        with run.projection("counted") as name:
            engine.degrees[id(network)] = run.degree(name, n) if counted else np.zeros(n, dtype=np.int64)
        if len(a) == 0 or n < 3:
            return np.zeros(n), "exact"
        sources = _sources(touched, len(a), settings)
        with run.projection("path", "cost") as name:
            raw = run.betweenness(name, n, sources, settings.seed)
    scale = 2.0 / ((n - 1) * (n - 2))
    if sources is None:
        return raw * scale, "exact"
    # GDS, like igraph, counts a sampled source's paths once: scale to all sources, as in this process
    return raw * (touched / sources) * scale, "sampled"


def key_people(
    network: PeerNetwork,
    membership: np.ndarray,
    roles: pd.DataFrame,
    evidence: pd.DataFrame,
    settings: EvidenceSettings | None = None,
    between: tuple[np.ndarray, str] | None = None,
) -> tuple[pd.DataFrame, dict]:
    """Degree, bridging, betweenness and score of every person; and how betweenness was computed.

    Parameters
    ----------
    network : the period's network.
    membership : cluster of each node (0 = none), from :func:`mapping.clusters.find_clusters`.
    roles : associate roles by ``associate_key`` (:func:`mapping.associates.associate_roles`).
    evidence : the evidence rows (to see which links are unverified).
    between : :func:`betweenness` of the network when already measured (it does not depend on the clusters).

    Returns
    -------
    (people, info): one row per node with ``ref``, ``kind``, ``cluster``,
    ``degree``, ``strength``, ``bridging``, ``betweenness``,
    ``adults_of_concern`` (children), ``children_reached`` and
    ``clusters_reached`` (associates), ``score`` (0-100) and ``rank`` (within
    its kind); info says how betweenness was computed.

    Notes
    -----
    Sparse sums over the ties and groupbys over the links: O(m log m), plus
    betweenness (see :func:`betweenness`).
    """
    settings = settings or EvidenceSettings()
    nodes = network.nodes
    n = len(nodes)
    refs = nodes["ref"].to_numpy(dtype=object)
    is_child = nodes["kind"].eq("child").to_numpy(dtype=bool)
    a, b, w = network.risk_arrays("weight")
    engine = engines.current()
    degree = engine.degrees.pop(id(network), None) if engine is not None else None
    if degree is None:
        degree = np.bincount(np.concatenate([a, b]), minlength=n)
    strength = np.bincount(np.concatenate([a, b]), weights=np.concatenate([w, w]), minlength=n)
    bridging = participation(network, membership)
    between, how = between if between is not None else betweenness(network, settings)

    at = positions_in(refs, roles["ref"])  # each node's row of roles (-1: none)

    def by_ref(column: str) -> pd.Series:
        values = roles[column].to_numpy(dtype=object)
        out = np.full(n, None, dtype=object)
        out[at >= 0] = values[at[at >= 0]]
        return pd.Series(out)

    role = by_ref("role").astype("string")
    tie_type = by_ref("tie_type").where(lambda t: t.notna(), "risk").to_numpy()

    # the intelligence linking children and associates, one entry per (child, associate); an associate's links
    # all have its one tie type, so protective people reach the children they keep safe, with no score
    linked = evidence["kind"].eq("linked_associate").to_numpy(dtype=bool)
    if network.row_a is not None and len(network.row_a) == len(evidence):
        child_node, associate_node = network.row_a[linked], network.row_b[linked]
    else:
        index = pd.Index(refs)
        child_node = index.get_indexer(evidence["a"].to_numpy()[linked])
        associate_node = index.get_indexer(evidence["b"].to_numpy()[linked])
    pair_codes, pairs = pd.factorize(associate_node.astype(np.int64) * n + child_node)
    verified = (
        np.bincount(pair_codes, weights=~evidence["unverified"].to_numpy(dtype=bool)[linked], minlength=len(pairs)) > 0
    )
    pair_child, pair_associate = pairs % n, pairs // n
    is_adult_of_concern = role.eq("adult_of_concern").fillna(False).to_numpy(dtype=bool)
    adults = np.bincount(pair_child[is_adult_of_concern[pair_associate]], minlength=n).astype(float)
    children_reached = np.bincount(pair_associate, minlength=n)
    # the score's reach: a child linked by unverified intelligence alone counts half
    reach = np.bincount(pair_associate, weights=np.where(verified, 1.0, 0.5), minlength=n)
    child_cluster = membership[pair_child]
    width = int(membership.max()) + 1 if n else 1
    spread_pairs = distinct_numbers(pair_associate[child_cluster > 0] * width + child_cluster[child_cluster > 0])
    clusters_reached = np.bincount(spread_pairs // width, minlength=n)

    child_raw = strength * (1.0 + bridging) + settings.adult_of_concern_bonus * adults
    concern = (
        role.map({"adult_of_concern": 1.0, "peer": settings.peer_concern})
        .fillna(settings.unknown_concern)
        .to_numpy(dtype=float)
    )
    label = by_ref("label").astype("string")
    unresolved = isin(refs, roles.loc[~roles["resolved"].to_numpy(dtype=bool), "ref"])
    one_word = label.str.strip().str.count(r"\s+").fillna(0).eq(0).to_numpy(dtype=bool)
    ambiguous = one_word & unresolved
    spread = np.where(ambiguous, 1, np.maximum(clusters_reached, 1))
    associate_raw = np.where(tie_type == "risk", reach * spread * concern, 0.0)
    raw = np.where(is_child, child_raw, associate_raw)
    score = np.zeros(n)
    for mask in (is_child, ~is_child):
        top = raw[mask].max() if mask.any() else 0.0
        if top > 0:
            score[mask] = 100.0 * raw[mask] / top
    people = pd.DataFrame(
        {
            "ref": refs,
            "kind": nodes["kind"].to_numpy(),
            "role": role.to_numpy(),
            "cluster": membership,
            "degree": degree,
            "strength": strength.round(3),
            "bridging": bridging.round(3),
            "betweenness": between.round(5),
            "adults_of_concern": pd.array(np.where(is_child, adults, 0).astype(np.int64), dtype="Int64"),
            "children_reached": pd.array(children_reached.astype(np.int64), dtype="Int64"),
            "clusters_reached": pd.array(clusters_reached.astype(np.int64), dtype="Int64"),
            "tie_type": tie_type,
            "score": score.round(1),
        }
    )
    for column, kept in (
        ("adults_of_concern", is_child),
        ("children_reached", ~is_child),
        ("clusters_reached", ~is_child),
    ):
        people.loc[~kept, column] = pd.NA
    people["rank"] = (people.groupby("kind")["score"].rank(method="first", ascending=False)).astype(int)
    order = people.assign(_child=~is_child).sort_values(["score", "_child", "ref"], ascending=[False, True, True])
    return order.drop(columns="_child").reset_index(drop=True), {"betweenness": how}


def adults_of_concern(people: pd.DataFrame) -> pd.DataFrame:
    """The adults of concern, most children and clusters reached first (people to disrupt)."""
    aoc = people[people["kind"].eq("associate") & people["role"].eq("adult_of_concern").fillna(False)]
    return aoc.sort_values(
        ["children_reached", "clusters_reached", "ref"], ascending=[False, False, True], ignore_index=True
    )
