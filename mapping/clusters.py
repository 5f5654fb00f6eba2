"""Peer clusters: groups of children, and the associates around them, found in the weighted network.

Community detection is Leiden (Traag, Waltman & van Eck 2019) maximising
modularity on the risk ties, run by igraph's C implementation
(``Graph.community_leiden``), seeded so the same data gives the same clusters
every run. Chosen by measuring it beside leidenalg's Leiden and igraph's
Louvain on the same networks (``compare_methods``; benchmarks/bench_analysis.py
writes the figures, and docs/analysis.md shows them): at meeting size the three
agree closely; on a national network igraph's Leiden takes about as long as
Louvain (leidenalg's is not run there: it is several times slower); and Leiden
guarantees every cluster is connected inside, which Louvain does not: a
meeting must never be told two groups are linked when nothing joins them.

A cluster must be small enough to discuss in a meeting: one with more than
``most_children_in_a_cluster`` children is split again with a higher
resolution until every part fits. A cluster needs at least two children; a
child with no risk tie, or whose only ties are to associates no other child
shares, is in no cluster.

Clusters are numbered 1, 2, ... by number of children (most first), then by
total tie weight, then by their first child's reference, so numbering is
stable for the same data. The words are "linked", never "member" or "gang":
a tie means the two were recorded together, nothing more.

References
----------
V. A. Traag, L. Waltman, N. J. van Eck (2019). From Louvain to Leiden:
guaranteeing well-connected communities. Scientific Reports 9, 5233.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from peermap.graph_models.arrow_text import isin, positions_in
from peermap.graph_models.network import PeerNetwork, edge_pairs
from peermap.mapping import engines
from peermap.mapping.evidence.kinds import in_reading_order, kinds_between_children
from peermap.mapping.settings import EvidenceSettings


@dataclass
class Clustering:
    """Which cluster each node is in (``membership``, 0 = none) and how it was found."""

    membership: np.ndarray
    method: str
    modularity: float
    seconds: float
    splits: int = 0
    info: dict = field(default_factory=dict)


@contextmanager
def _seeded(seed: int):
    """igraph draws from Python's ``random``: seed it for one call, then put the caller's state back."""
    import random

    import igraph as ig

    state = random.getstate()
    random.seed(seed)
    ig.set_random_number_generator(random)
    try:
        yield
    finally:
        random.setstate(state)


def _leiden(graph, weights: np.ndarray, resolution: float, seed: int, iterations: int = -1) -> np.ndarray:
    """Leiden in igraph's C core (the same algorithm as leidenalg, by the same author, several times faster)."""
    with _seeded(seed):
        communities = graph.community_leiden(
            objective_function="modularity", weights=weights, resolution=resolution, n_iterations=iterations
        )
    return np.asarray(communities.membership, dtype=np.int64)


def _leidenalg(graph, weights: np.ndarray, resolution: float, seed: int, iterations: int = -1) -> np.ndarray:
    """Leiden from the leidenalg package (kept for comparison)."""
    import leidenalg

    partition = leidenalg.find_partition(
        graph,
        leidenalg.RBConfigurationVertexPartition,
        weights=weights.tolist(),
        resolution_parameter=resolution,
        seed=seed,
        n_iterations=iterations,
    )
    return np.asarray(partition.membership, dtype=np.int64)


def _louvain(graph, weights: np.ndarray, resolution: float, seed: int) -> np.ndarray:
    with _seeded(seed):
        communities = graph.community_multilevel(weights=weights, resolution=resolution)
    return np.asarray(communities.membership, dtype=np.int64)


#: Up to this many ties, Leiden iterates until nothing changes; above it, :data:`LEIDEN_PASSES_ABOVE` passes.
#: On a national network further passes change modularity and the agreement with planted groups very little,
#: for noticeably more time; a meeting-sized network is far below the limit and always iterates to the end.
LEIDEN_UNTIL_STABLE_UP_TO = 100_000
LEIDEN_PASSES_ABOVE = 1


def _iterations(graph) -> int:
    """Leiden's ``n_iterations`` for this graph: until stable (-1) when small, else a fixed number of passes."""
    return -1 if graph.ecount() <= LEIDEN_UNTIL_STABLE_UP_TO else LEIDEN_PASSES_ABOVE


METHODS = ("leiden", "leidenalg", "louvain")


def detect(graph, weights: np.ndarray, settings: EvidenceSettings, method: str = "leiden") -> np.ndarray:
    """Community of each vertex of an igraph Graph whose edge ``k`` weighs ``weights[k]``."""
    if graph.ecount() == 0:
        return np.arange(graph.vcount(), dtype=np.int64)
    iterations = _iterations(graph)
    if method == "leiden":
        return _leiden(graph, weights, settings.leiden_resolution, settings.seed, iterations)
    if method == "leidenalg":
        return _leidenalg(graph, weights, settings.leiden_resolution, settings.seed, iterations)
    if method == "louvain":
        return _louvain(graph, weights, settings.leiden_resolution, settings.seed)
    raise ValueError(f"unknown method {method!r}: one of {', '.join(METHODS)}")


def _split_large(
    graph,
    membership: np.ndarray,
    is_child: np.ndarray,
    settings: EvidenceSettings,
    method: str,
    ends: np.ndarray,
    weights: np.ndarray,
    detect_part=None,
) -> tuple[np.ndarray, int]:
    """Split every community with too many children until each part fits.

    Each oversized community is clustered again on its own (its own
    modularity, starting at the base resolution, which already finds the
    seams inside it), raising the resolution gently (x 1.25) only when it will
    not split; each part still too big is split again the same way. Raising
    the resolution fast would shatter a tight group into single children; a
    community with no seam at all is cut in two along its weakest ties.

    ``ends`` and ``weights`` are the graph's ties in edge order. ``detect_part(vertices, resolution)``, when
    given, finds a community's parts (the store's engine); otherwise :func:`detect` does, here.

    Notes
    -----
    A loop over the oversized communities, each re-clustered in C on its own
    vertices only: O(sum of their sizes x depth of splitting).
    """
    if method == "leiden":
        return _split_large_together(graph, membership, is_child, settings, ends, weights)
    membership = membership.copy()
    limit = settings.most_children_in_a_cluster
    base = settings.leiden_resolution
    next_label = int(membership.max()) + 1 if len(membership) else 0
    splits = 0
    order = np.argsort(membership, kind="stable")
    bounds = np.flatnonzero(
        np.diff(np.concatenate([[-1], membership[order], [membership.max() + 1 if len(membership) else 0]]))
    )
    groups = [order[bounds[k] : bounds[k + 1]] for k in range(len(bounds) - 1)]
    queue = [(vertices, base) for vertices in groups if is_child[vertices].sum() > limit]
    while queue:
        vertices, resolution = queue.pop()
        if resolution > base * 2**8:
            continue  # cannot be split: a tight group bigger than the limit is left whole
        sub, sub_weights = _communities_apart(graph, vertices, np.zeros(len(vertices), dtype=np.int64), ends, weights)
        if detect_part is None:
            tuned = EvidenceSettings(**{**settings.as_dict(), "leiden_resolution": resolution})
            parts = detect(sub, sub_weights, tuned, method)
        else:
            parts = detect_part(vertices, resolution)
        children = is_child[vertices]
        if len(np.unique(parts[children])) < 2:
            queue.append((vertices, resolution * 1.25))
            continue
        if _shattered(parts, children):
            parts = _bisect(sub, sub_weights)  # no seam to find: cut it in two along its weakest ties instead
        splits += 1
        keep = parts[children][0]  # the part holding the first child keeps the label
        for part in np.unique(parts):
            members = vertices[parts == part]
            if part != keep:
                membership[members] = next_label
                next_label += 1
            if is_child[members].sum() > limit:
                queue.append((members, base))
    return membership, splits


def _oversized_groups(membership: np.ndarray, is_child: np.ndarray, limit: int) -> list[np.ndarray]:
    """The vertices of each community with more than ``limit`` children."""
    if len(membership) == 0:
        return []
    children = np.bincount(membership, weights=is_child.astype(float))
    big = np.flatnonzero(children > limit)
    order = np.argsort(membership, kind="stable")
    starts = np.searchsorted(membership[order], big, side="left")
    ends = np.searchsorted(membership[order], big, side="right")
    return [order[a:b] for a, b in zip(starts, ends)]


#: Above this many vertices, the subgraph is built from the whole graph's tie arrays (numpy, then one igraph
#: constructor); below it, igraph takes the subgraph and cuts the ties between communities itself.
CUT_IN_WHOLE_GRAPH_ABOVE = 20_000


def _communities_apart(
    graph, vertices: np.ndarray, component: np.ndarray, ends: np.ndarray, weights: np.ndarray
) -> tuple[object, np.ndarray]:
    """The subgraph of ``vertices`` (sorted) without the ties between different ``component``s, and its weights.

    ``ends`` and ``weights`` are the whole graph's ties in edge order. Either
    way the same vertices (renumbered in order), ties and weights; the ties
    may be numbered in another order, which Leiden does not depend on (a
    test compares the clusters both ways give).
    """
    if len(vertices) > CUT_IN_WHOLE_GRAPH_ABOVE:
        where = np.full(graph.vcount(), -1, dtype=np.int64)
        where[vertices] = component
        ca, cb = where[ends[:, 0]], where[ends[:, 1]]
        kept = np.flatnonzero((ca >= 0) & (ca == cb))
        position = np.full(graph.vcount(), -1, dtype=np.int64)
        position[vertices] = np.arange(len(vertices))
        return _graph(len(vertices), position[ends[kept]]), weights[kept]
    sub_ends = _edge_ends(graph.induced_subgraph(vertices.tolist()))
    if len(sub_ends) == 0:
        return _graph(len(vertices), sub_ends), np.zeros(0)
    ids = np.asarray(graph.get_eids(edge_pairs(vertices[sub_ends[:, 0]], vertices[sub_ends[:, 1]])), dtype=np.int64)
    kept = component[sub_ends[:, 0]] == component[sub_ends[:, 1]]
    return _graph(len(vertices), sub_ends[kept]), weights[ids[kept]]


def _split_large_together(
    graph,
    membership: np.ndarray,
    is_child: np.ndarray,
    settings: EvidenceSettings,
    ends: np.ndarray,
    weights: np.ndarray,
) -> tuple[np.ndarray, int]:
    """:func:`_split_large` for igraph's Leiden, every oversized community of a round in one call.

    Each community's own modularity, at its own resolution, is the constant
    Potts model with node weights sqrt(resolution) x strength / sqrt(2 x its
    total tie weight), once the ties between communities are cut: so one
    Leiden run over all of them at once optimises each on its own, as
    splitting them one by one would, without thousands of calls.

    Notes
    -----
    O(sum of the oversized communities' ties) per round, in C; rounds are few.
    """
    membership = membership.copy()
    limit = settings.most_children_in_a_cluster
    base = settings.leiden_resolution
    next_label = int(membership.max()) + 1 if len(membership) else 0
    splits = 0
    queue = [(vertices, base) for vertices in _oversized_groups(membership, is_child, limit)]
    while queue:
        queue = [(v, r) for v, r in queue if r <= base * 2**8]  # past that: a tight group left whole
        if not queue:
            break
        vertices = np.concatenate([v for v, _ in queue])
        component = np.repeat(np.arange(len(queue)), [len(v) for v, _ in queue])
        resolution = np.repeat([r for _, r in queue], [len(v) for v, _ in queue])
        order = np.argsort(vertices)
        vertices, component, resolution = vertices[order], component[order], resolution[order]
        sub, sub_weights = _communities_apart(graph, vertices, component, ends, weights)
        strength = (
            np.asarray(sub.strength(weights=sub_weights), dtype=float) if sub.ecount() else np.zeros(len(vertices))
        )
        twice_total = np.bincount(component, weights=strength)[component]
        node_weight = np.where(
            twice_total > 0, np.sqrt(resolution) * strength / np.sqrt(np.maximum(twice_total, 1e-12)), 0.0
        )
        with _seeded(settings.seed):
            found = sub.community_leiden(
                objective_function="CPM",
                weights=sub_weights,
                node_weights=node_weight,
                resolution=1.0,
                n_iterations=_iterations(sub),
            )
        parts_all = np.asarray(found.membership, dtype=np.int64)
        by_component = np.argsort(component, kind="stable")
        bounds = np.searchsorted(component[by_component], np.arange(len(queue) + 1))
        next_queue = []
        for c, (old, r) in enumerate(queue):
            at = by_component[bounds[c] : bounds[c + 1]]
            members, parts = vertices[at], parts_all[at]
            children = is_child[members]
            if len(np.unique(parts[children])) < 2:
                next_queue.append((members, r * 1.25))
                continue
            if _shattered(parts, children):  # no seam to find: cut it in two along its weakest ties instead
                parts = _bisect(
                    *_communities_apart(graph, members, np.zeros(len(members), dtype=np.int64), ends, weights)
                )
            splits += 1
            keep = parts[children][0]
            label = membership[members[0]]
            for part in np.unique(parts):
                these = members[parts == part]
                if part != keep:
                    membership[these] = next_label
                    next_label += 1
                else:
                    membership[these] = label
                if is_child[these].sum() > limit:
                    next_queue.append((these, base))
        queue = next_queue
    return membership, splits


def _shattered(parts: np.ndarray, is_child: np.ndarray) -> bool:
    """True when most children would be left on their own: the resolution broke a group up, not apart."""
    sizes = np.bincount(parts, weights=is_child.astype(float))
    kept = sizes[sizes >= 2].sum()
    return kept < 0.5 * is_child.sum()


def _bisect(graph, weights: np.ndarray) -> np.ndarray:
    """Two parts along the weakest ties: the sign of the Fiedler vector of the weighted Laplacian.

    Deterministic; used only when a community has no seam that community
    detection can find at any resolution short of breaking it into single
    children.

    Notes
    -----
    Dense eigendecomposition of the community alone: O(v^3) for v people in
    it (communities are split long before v is large).
    """
    from scipy.sparse.csgraph import laplacian

    n = graph.vcount()
    matrix = np.zeros((n, n))
    ends = _edge_ends(graph)
    np.add.at(matrix, (ends[:, 0], ends[:, 1]), weights)
    np.add.at(matrix, (ends[:, 1], ends[:, 0]), weights)
    values, vectors = np.linalg.eigh(laplacian(matrix))
    fiedler = vectors[:, 1] if n > 1 else np.zeros(n)
    fiedler = fiedler * (np.sign(fiedler[0]) or 1.0)  # the sign of an eigenvector is arbitrary: fix it
    halves = (fiedler > 0).astype(np.int64)
    if halves.min() == halves.max():
        halves[: n // 2] = 1 - halves[0]
    return halves


def _graph(n: int, ends: np.ndarray):
    """An undirected igraph Graph of ``n`` vertices whose edge ``k`` joins ``ends[k]``.

    Its weights stay beside it in a numpy array, handed to each igraph call:
    as an edge attribute they would be a Python float per tie (hundreds of MB
    on a national network).
    """
    import igraph as ig

    return ig.Graph(n=n, edges=edge_pairs(ends[:, 0], ends[:, 1]), directed=False)


def _edge_ends(graph) -> np.ndarray:
    return np.asarray(graph.get_edgelist(), dtype=np.int64).reshape(-1, 2)


def associate_leaves(network: PeerNetwork, is_child: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Associates with a risk tie to one person only, and that person.

    They say nothing about which children belong together, yet their ties
    would inflate their child's weight in the modularity's null model; they are
    left out of the detection and put in their child's cluster afterwards.
    """
    a, b, _ = network.risk_arrays("cluster_weight")
    n = len(network.nodes)
    ends = np.concatenate([a, b])
    other = np.concatenate([b, a])
    degree = np.bincount(ends, minlength=n)
    leaf = ~is_child & (degree == 1)
    anchor = np.arange(n)
    anchor[ends[leaf[ends]]] = other[leaf[ends]]
    return leaf, anchor


def find_clusters(
    network: PeerNetwork, settings: EvidenceSettings | None = None, method: str = "leiden", own: bool = False
) -> Clustering:
    """Peer clusters of the network's risk ties.

    Parameters
    ----------
    network : the period's network.
    settings : resolution, seed, largest cluster.
    method : ``leiden`` (igraph's, the default), ``leidenalg`` or ``louvain`` (for comparison).
    own : the network is the caller's own copy, read by nothing else (the second process's,
        :mod:`mapping.background_clusters`): its ties are let go of once read (some 120 MB on a national year).

    Returns
    -------
    Clustering with ``membership[i]`` = cluster number of node ``i`` (1, 2, ...
    by size), 0 for none.

    Notes
    -----
    Leiden is about O(m) per iteration for m ties; splitting re-runs it on the
    oversized clusters only.
    """
    settings = settings or EvidenceSettings()
    started = time.perf_counter()
    is_child = network.nodes["kind"].eq("child").to_numpy(dtype=bool)
    leaf, anchor = associate_leaves(network, is_child)
    a, b, w = network.risk_arrays("cluster_weight")
    keep = ~(leaf[a] | leaf[b])
    ends, weights = np.column_stack([a[keep], b[keep]]), w[keep]
    del a, b, w, keep  # a national network's are hundreds of MB
    if own and engines.current() is None:
        network.ties = network.ties.iloc[:0].copy()  # no rows, holding none of its columns (numpy)
    graph = _graph(len(network.nodes), ends)  # edge k is ends[k], weighing weights[k]
    engine = engines.current()
    if engine is None:
        raw = detect(graph, weights, settings, method)
        raw, splits = _split_large(graph, raw, is_child, settings, method, ends, weights)
    else:
        method = f"{engine.name}-leiden"
        raw, splits = _found_in_store(engine, network, graph, is_child, settings, ends, weights)
    raw[leaf] = raw[anchor[leaf]]
    quality = graph.modularity(raw.tolist(), weights=weights) if graph.ecount() else 0.0
    membership = _number(raw, network, is_child, graph, weights)
    return Clustering(membership, method, float(quality), time.perf_counter() - started, splits)


def _found_in_store(engine, network: PeerNetwork, graph, is_child, settings, ends, weights) -> tuple[np.ndarray, int]:
    """Leiden and the splitting rule of :func:`_split_large`, run by the store's engine
    (:mod:`graph_models.gds_engine`) on the same ties (:func:`mapping.engines.store_ties`' ``clusters``, which
    are ``ends``): each oversized community projected on its own."""
    n = len(network.nodes)
    with engines.ties_in_store(network) as run:
        with run.projection("clusters", "w") as name:
            raw = run.leiden(name, n, settings.leiden_resolution, settings.seed) if len(ends) else np.arange(n)

        def part(vertices: np.ndarray, resolution: float) -> np.ndarray:
            with run.projection("clusters", "w", vertices) as name:
                return run.leiden(name, n, resolution, settings.seed)[vertices]

        return _split_large(graph, raw, is_child, settings, "store", ends, weights, detect_part=part)


def _number(raw: np.ndarray, network: PeerNetwork, is_child: np.ndarray, graph, weights: np.ndarray) -> np.ndarray:
    """Clusters with at least two children, numbered by children, weight, then first child reference."""
    n = len(raw)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    degree = np.asarray(graph.strength(weights=weights), dtype=float) if graph.ecount() else np.zeros(n)
    frame = pd.DataFrame(
        {
            "raw": raw,
            "child": is_child,
            "weight": degree,
            "first": np.where(is_child, network.nodes["ref"].to_numpy(dtype=object), "~"),
        }
    )
    summary = frame.groupby("raw").agg(children=("child", "sum"), weight=("weight", "sum"), first=("first", "min"))
    summary = summary[summary["children"] >= 2].sort_values(
        ["children", "weight", "first"], ascending=[False, False, True]
    )
    number = pd.Series(np.arange(1, len(summary) + 1), index=summary.index)
    return frame["raw"].map(number).fillna(0).to_numpy(dtype=np.int64)


def compare_methods(
    network: PeerNetwork, settings: EvidenceSettings | None = None, truth: pd.Series | None = None, methods=METHODS
) -> pd.DataFrame:
    """The methods side by side on the same network: modularity, seconds, clusters (and ARI against ``truth``).

    ``truth`` maps a child reference to its planted group, for synthetic data.
    """
    from sklearn.metrics import adjusted_rand_score

    settings = settings or EvidenceSettings()
    out = []
    for method in methods:
        result = find_clusters(network, settings, method)
        row = {
            "method": method,
            "modularity": round(result.modularity, 4),
            "seconds": round(result.seconds, 3),
            "clusters": int(result.membership.max()) if len(result.membership) else 0,
            "splits": result.splits,
        }
        if truth is not None:
            refs = network.nodes["ref"]
            found = pd.Series(result.membership, index=refs.to_numpy())
            known = truth[truth.index.isin(found.index)]
            labels = found.reindex(known.index).to_numpy()
            labels = np.where(labels == 0, -np.arange(1, len(labels) + 1), labels)  # no cluster: on its own
            row["ari"] = round(float(adjusted_rand_score(known.to_numpy(), labels)), 4)
        out.append(row)
    return pd.DataFrame(out)


def describe_clusters(
    network: PeerNetwork,
    membership: np.ndarray,
    evidence: pd.DataFrame,
    place_rows: pd.DataFrame,
    roles: pd.DataFrame,
    settings: EvidenceSettings,
    top_ties: int = 3,
    top_places: int = 3,
) -> pd.DataFrame:
    """One row per cluster: its children, associates, ties, strongest ties, places and a one-line summary.

    Columns: ``cluster``, ``children`` and ``associates`` (references, ``;``
    separated), ``ties`` (risk ties inside it), ``places``, ``summary``, and
    ``n_children``, ``n_associates``, ``strongest_ties``, ``weight``,
    ``adults_of_concern``.

    Notes
    -----
    Groupbys over nodes, ties and evidence rows: O(n + m + k).
    """
    columns = [
        "cluster",
        "children",
        "associates",
        "ties",
        "places",
        "summary",
        "n_children",
        "n_associates",
        "strongest_ties",
        "weight",
        "adults_of_concern",
    ]
    if len(membership) == 0 or membership.max() == 0:
        return pd.DataFrame(columns=columns)
    refs = network.nodes["ref"].to_numpy(dtype=object)
    rank = np.empty(len(refs), dtype=np.int64)  # place in reference order: sorts by reference on integers
    rank[np.argsort(refs.astype(str), kind="stable")] = np.arange(len(refs))
    kind = network.nodes["kind"].to_numpy(dtype=object)
    out = pd.DataFrame(index=pd.RangeIndex(1, int(membership.max()) + 1, name="cluster"))
    for which, column in (("child", "children"), ("associate", "associates")):
        pick = np.flatnonzero((membership > 0) & (kind == which))
        pick = pick[np.lexsort((rank[pick], membership[pick]))]  # by cluster, then reference
        joined, size = _joined(membership[pick], refs[pick])
        out[column] = joined
        out[f"n_{column}"] = size
    out[["associates"]] = out[["associates"]].fillna("")
    out["n_associates"] = out["n_associates"].fillna(0).astype(int)

    a, b, w = network.risk_arrays("weight")
    ca, cb = membership[a], membership[b]
    keep = np.flatnonzero((ca == cb) & (ca > 0))
    a, b, w, cluster = a[keep], b[keep], w[keep], ca[keep]
    out["ties"] = pd.Series(np.bincount(cluster, minlength=len(out) + 1)[1:], index=out.index).astype(int)
    out["weight"] = pd.Series(w).groupby(cluster).sum().reindex(out.index).fillna(0.0).round(2)
    strongest = np.lexsort((rank[b], rank[a], -w, cluster))
    head = np.concatenate([[True], cluster[strongest][1:] != cluster[strongest][:-1]])
    within = np.arange(len(strongest)) - np.flatnonzero(head)[np.cumsum(head) - 1]
    strongest = strongest[within < top_ties]
    strongest_text = (
        pd.Series(refs[a[strongest]])
        + " & "
        + pd.Series(refs[b[strongest]])
        + " ("
        + pd.Series(w[strongest]).round(1).astype(str)
        + ")"
    )
    out["strongest_ties"] = (
        _joined(cluster[strongest], strongest_text.to_numpy(dtype=object))[0].reindex(out.index).fillna("")
    )

    # evidence inside each cluster, counted by kind (those joining two children), for the summary
    summarised = [kind.name for kind in kinds_between_children()]
    kind_of_row = positions_in(evidence["kind"], summarised)
    child_kind = (kind_of_row >= 0) & evidence["tie_type"].eq("risk").to_numpy(dtype=bool)
    if network.row_a is not None and len(network.row_a) == len(evidence):
        ea, eb = membership[network.row_a[child_kind]], membership[network.row_b[child_kind]]
    else:
        ref_cluster = pd.Series(membership, index=network.nodes["ref"].to_numpy())
        ea = ref_cluster.reindex(evidence["a"].to_numpy()[child_kind]).to_numpy()
        eb = ref_cluster.reindex(evidence["b"].to_numpy()[child_kind]).to_numpy()
    same = (ea == eb) & (ea > 0)
    kind_code = kind_of_row[child_kind][same]
    occasions = evidence["occasions"].to_numpy()[child_kind][same] if "occasions" in evidence else 1
    counts = np.bincount(
        ea[same] * len(summarised) + kind_code,
        weights=np.ones(int(same.sum())) * occasions,
        minlength=(len(out) + 1) * len(summarised),
    ).reshape(-1, len(summarised))
    kinds = pd.DataFrame(counts[1 : len(out) + 1].astype(int), index=out.index, columns=summarised)

    # places: where the cluster's children were found or linked to places of concern
    place_cluster = (
        membership[positions_in(place_rows["a"], network.nodes["ref"])] if len(place_rows) else np.zeros(0, int)
    )
    places = (
        pd.DataFrame({"a": place_rows["a"].to_numpy(), "via": place_rows["via"].to_numpy(), "cluster": place_cluster})
        if len(place_rows)
        else place_rows.assign(cluster=place_cluster)
    )
    places = places[places["cluster"].to_numpy() > 0]
    place_counts = (
        places.groupby(["cluster", "via"])
        .agg(children=("a", "nunique"), times=("a", "size"))
        .reset_index()
        .sort_values(["cluster", "children", "times", "via"], ascending=[True, False, False, True])
    )
    place_counts = place_counts.groupby("cluster").head(top_places)
    place_text = (
        place_counts["via"]
        + " ("
        + place_counts["children"].astype(str)
        + np.where(place_counts["children"] == 1, " child)", " children)")
    )
    out["places"] = (
        _joined(place_counts["cluster"].to_numpy(), place_text.to_numpy(dtype=object))[0]
        .astype("string")
        .reindex(out.index)
        .fillna("")
    )

    # adults of concern linked to the cluster's children
    aoc_keys = roles.index[roles["role"].eq("adult_of_concern").fillna(False).to_numpy(dtype=bool)]
    aoc_refs = sorted(set(roles.loc[aoc_keys, "ref"]))
    linked = (
        evidence["kind"].eq("linked_associate").to_numpy(dtype=bool, na_value=False)
        & evidence["tie_type"].eq("risk").to_numpy(dtype=bool, na_value=False)
        & isin(evidence["b"], pd.Series(aoc_refs, dtype=object))
    )
    picked = evidence.loc[linked, ["a", "b"]]  # the few rows first: no Python string per evidence row
    links = pd.DataFrame({"a": picked["a"].to_numpy(dtype=object), "b": picked["b"].to_numpy(dtype=object)})
    links["cluster"] = membership[positions_in(links["a"], network.nodes["ref"])] if len(links) else 0
    links = links[links["cluster"].to_numpy() > 0].drop_duplicates(["cluster", "b"])
    links = links.iloc[np.lexsort((links["b"].to_numpy(dtype=str), links["cluster"].to_numpy()))]
    aoc = _joined(links["cluster"].to_numpy(), links["b"].to_numpy(dtype=object))[0].astype("string")
    out["adults_of_concern"] = aoc.reindex(out.index).fillna("")
    # numbers carried from last period need not run 1, 2, 3...: only the numbers in use are clusters
    used = out["n_children"].fillna(0).to_numpy() > 0
    out, kinds = out[used].copy(), kinds[used]
    out["n_children"] = out["n_children"].astype(int)
    out["summary"] = _summaries(out, kinds)
    return out.reset_index()[columns]


def _joined(keys: np.ndarray, texts: np.ndarray) -> tuple[pd.Series, pd.Series]:
    """The texts of each run of equal ``keys`` (sorted) joined with "; " in their order, and each run's length.

    ``groupby(keys).agg("; ".join)`` without a pandas object per group: one
    Python join per group on plain strings.
    """
    keys = np.asarray(keys)
    if len(keys) == 0:
        empty = pd.Index([], dtype=np.int64, name="cluster")
        return pd.Series([], index=empty, dtype=object), pd.Series([], index=empty, dtype=np.int64)
    head = np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]]))
    ends = np.append(head[1:], len(keys))
    items = list(texts)
    index = pd.Index(keys[head], name="cluster")
    joined = ["; ".join(items[start:end]) for start, end in zip(head.tolist(), ends.tolist())]
    return pd.Series(joined, index=index), pd.Series(ends - head, index=index)


def _summaries(out: pd.DataFrame, kinds: pd.DataFrame) -> pd.Series:
    """ "5 children and 2 associates linked: 4 found together, 3 went missing together; places: ..."."""
    head = (
        out["n_children"].astype(str)
        + " children"
        + np.where(
            out["n_associates"] > 0,
            " and " + out["n_associates"].astype(str) + np.where(out["n_associates"] == 1, " associate", " associates"),
            "",
        )
        + " linked"
    )
    parts = pd.Series("", index=out.index)
    for kind in in_reading_order():
        if kind.name in kinds:
            count = kinds[kind.name]
            words = np.where(count == 1, kind.words_one or kind.words, kind.words)
            piece = np.where(count > 0, count.astype(str) + " " + words, "")
            parts = parts + np.where((parts != "") & (piece != ""), ", ", "") + piece
    text = head + np.where(parts != "", ": " + parts, "")
    text = text + np.where(out["places"] != "", "; places: " + out["places"].str.split("; ").str[0], "")
    count_aoc = out["adults_of_concern"].str.count("A-")
    text = text + np.where(
        count_aoc > 0,
        "; "
        + count_aoc.astype(str)
        + np.where(count_aoc == 1, " adult of concern linked", " adults of concern linked"),
        "",
    )
    return pd.Series(text, index=out.index).astype(str)
