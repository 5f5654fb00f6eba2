"""The weighted network of children and associates for one period.

People are nodes; a tie joins two people with evidence between them (see
:mod:`mapping.evidence`). The kinds of evidence are given as data (their names,
in the order of the count columns, and those counted for clusters), so the
network knows no kind by name: the registry is :mod:`mapping.evidence.kinds`.
A tie's ``weight`` is the sum of its evidence; its ``cluster_weight`` leaves
out the kinds not counted for clusters ("shared associate" evidence: the
associate is itself a node of the network, so community detection would
otherwise count the same associate twice). Only ``risk`` ties carry weight:
protective people (safety) and family or professionals (context) are kept, with
weight 0, so pages can draw them apart.

:class:`PeerNetwork` holds the two tables and hands out the graph in the form a
job needs: :meth:`~PeerNetwork.to_networkx` for a meeting-sized network (rich
algorithms, easy to draw), :meth:`~PeerNetwork.to_igraph` for a national one
(compiled; Leiden runs on it), :meth:`~PeerNetwork.adjacency` (scipy sparse)
for vectorised measures.

Examples
--------
>>> people = pd.DataFrame({"ref": ["C-1", "C-2", "A-1"], "kind": ["child", "child", "associate"]})
>>> rows = pd.DataFrame({"kind": ["found_together", "linked_associate"], "a": ["C-1", "C-1"],
...                      "b": ["C-2", "A-1"], "weight": [2.0, 1.0], "tie_type": ["risk", "risk"],
...                      "unverified": [False, True],
...                      "first_seen": pd.to_datetime(["2023-03-01", "2023-03-02"]).tz_localize("Europe/London"),
...                      "last_seen": pd.to_datetime(["2023-03-01", "2023-03-02"]).tz_localize("Europe/London")})
>>> network = PeerNetwork.from_evidence(people, rows, kinds=("found_together", "linked_associate"))
>>> network.ties[["a", "b", "weight", "found_together", "linked_associate"]].values.tolist()
[['C-1', 'C-2', 2.0, 1, 0], ['A-1', 'C-1', 1.0, 0, 1]]
>>> sorted(network.to_networkx().degree())
[('A-1', 1), ('C-1', 2), ('C-2', 1)]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy import sparse

from peermap.graph_models.arrow_text import arrow_text, positions_in
from peermap.graph_models.local_time import LOCAL_TIME_ZONE, LOCAL_TIMES

_TIE_TYPE_ORDER = {"risk": 0, "safety": 1, "context": 2}


@dataclass
class PeerNetwork:
    """People and ties of one period.

    Attributes
    ----------
    nodes : DataFrame
        One row per person, index = node number: ``ref``, ``kind`` (``child``,
        ``associate``) and whatever else the caller gave.
    ties : DataFrame
        One row per pair with evidence: ``a``, ``b`` (references, ``a < b``, so
        between a child and an associate ``a`` is the associate's ``A-`` one),
        ``a_node``, ``b_node``, ``weight``, ``cluster_weight``, ``tie_type``,
        one count column per kind of evidence (int32), ``first_seen``, ``last_seen``,
        ``unverified`` (every piece of evidence is unverified intelligence).
    """

    nodes: pd.DataFrame
    ties: pd.DataFrame
    #: For each evidence row it was built from: the node numbers of ``a`` and ``b``, and the row of ``ties``.
    row_a: np.ndarray | None = None
    row_b: np.ndarray | None = None
    row_tie: np.ndarray | None = None
    #: Built graphs by weight column (see :meth:`to_igraph`); not part of the network's value.
    _graphs: dict = field(default_factory=dict, repr=False, compare=False)

    # -- construction -------------------------------------------------------------------------------------
    @classmethod
    def from_evidence(
        cls, people: pd.DataFrame, rows: pd.DataFrame, kinds: Sequence[str], cluster_kinds: Sequence[str] | None = None
    ) -> "PeerNetwork":
        """Aggregate evidence rows into ties between the given people.

        Each tie's ``a`` and ``b`` are ordered (``a < b``), so a pair appears
        once whichever way the evidence was written. ``kinds`` names every
        kind of evidence the rows may hold, in the order of the ties' count
        columns; ``cluster_kinds`` those whose weight counts in
        ``cluster_weight`` (every kind when ``None``).

        Notes
        -----
        People and pairs are coded as integers and grouped once: O(k log k)
        for k evidence rows.
        """
        nodes = people.reset_index(drop=True).copy()
        # each end's references as they are (no joined copy of both: hundreds of MB on a national year)
        refs_a, refs_b = arrow_text(rows["a"]), arrow_text(rows["b"])
        unknown = pc.unique(pa.concat_arrays([pc.unique(refs_a), pc.unique(refs_b)])).drop_null()
        unknown = unknown.filter(pc.invert(pc.is_in(unknown, value_set=arrow_text(nodes["ref"]))))
        extra = pd.Index(unknown.to_pylist(), dtype=object).difference(pd.Index(nodes["ref"]))
        if len(extra):
            node_kinds = np.where(pd.Series(extra).str.startswith("A-"), "associate", "child")
            nodes = pd.concat([nodes, pd.DataFrame({"ref": extra, "kind": node_kinds})], ignore_index=True)
        if rows.empty:
            return cls(nodes, _empty_ties(kinds))
        node_refs = arrow_text(nodes["ref"])
        a, b = positions_in(refs_a, node_refs), positions_in(refs_b, node_refs)
        del refs_a, refs_b
        n = np.int64(len(nodes))
        pair = np.minimum(a, b) * n + np.maximum(a, b)
        pairs, codes = np.unique(pair, return_inverse=True)  # sorted pairs; faster than a sorted factorize
        del pair
        m = len(pairs)
        kinds = list(kinds)
        kind = positions_in(arrow_text(rows["kind"]), pa.array(kinds, pa.large_string()))
        if (kind < 0).any():
            raise ValueError(f"evidence of kinds not given: {sorted(set(rows['kind'][kind < 0]))}")
        occasions = rows["occasions"].to_numpy(dtype=np.int64) if "occasions" in rows else np.ones(len(rows), np.int64)
        counts = (
            np.bincount(codes * len(kinds) + kind, weights=occasions, minlength=m * len(kinds))
            .reshape(m, len(kinds))
            .astype(np.int32)
        )  # half the memory
        weight = rows["weight"].to_numpy(dtype=float)
        counted = np.array([cluster_kinds is None or k in cluster_kinds for k in kinds], dtype=bool)
        for_clusters = counted[kind]
        tie_types = pa.array(list(_TIE_TYPE_ORDER), pa.large_string())  # risk, safety, context: their codes
        tie_type_code = np.maximum(positions_in(arrow_text(rows["tie_type"]), tie_types), 0)  # unknown: risk
        best_type = np.full(m, 9, dtype=np.int64)
        np.minimum.at(best_type, codes, tie_type_code)
        first, last = _nanoseconds(rows["first_seen"]), _nanoseconds(rows["last_seen"])
        big = np.iinfo(np.int64).max
        tie_first = np.full(m, big)
        tie_last = np.full(m, np.iinfo(np.int64).min)
        np.minimum.at(tie_first, codes, np.where(first == _NAT, big, first))
        np.maximum.at(tie_last, codes, last)
        verified = np.bincount(codes, weights=~rows["unverified"].to_numpy(dtype=bool), minlength=m)
        lo_n, hi_n = (pairs // n).astype(np.int64), (pairs % n).astype(np.int64)
        # a ref sorts "A-" before "C-": keep a < b so every pair reads the same way
        rank = np.empty(len(nodes), dtype=np.int64)
        rank[np.argsort(nodes["ref"].to_numpy(dtype=str), kind="stable")] = np.arange(len(nodes))
        swap = rank[lo_n] > rank[hi_n]
        lo_n, hi_n = np.where(swap, hi_n, lo_n), np.where(swap, lo_n, hi_n)
        ties = pd.DataFrame(
            {
                "a": _text_series(pc.take(node_refs, lo_n)),
                "b": _text_series(pc.take(node_refs, hi_n)),
                "a_node": lo_n,
                "b_node": hi_n,
                "weight": np.bincount(codes, weights=weight, minlength=m),
                "cluster_weight": np.bincount(codes, weights=np.where(for_clusters, weight, 0.0), minlength=m),
                "tie_type": np.array(["risk", "safety", "context"], dtype=object)[np.minimum(best_type, 2)],
            }
        )
        for k, name in enumerate(kinds):
            ties[name] = counts[:, k]
        ties["first_seen"] = _london(np.where(tie_first == big, _NAT, tie_first))
        ties["last_seen"] = _london(tie_last)
        ties["unverified"] = verified == 0
        ties["pair"] = pairs
        return cls(nodes, ties, compact_positions(a), compact_positions(b), compact_positions(codes))

    # -- views --------------------------------------------------------------------------------------------------
    def risk_ties(self, weight: str = "cluster_weight") -> pd.DataFrame:
        """The ties that carry weight (risk ties with ``weight`` above 0)."""
        return self.ties[self._risk_mask(weight)]

    def _risk_mask(self, weight: str) -> np.ndarray:
        return self.ties["tie_type"].eq("risk").to_numpy(dtype=bool) & (self.ties[weight].to_numpy() > 0)

    def risk_arrays(self, weight: str = "cluster_weight") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``a_node``, ``b_node`` and ``weight`` of the risk ties (as :meth:`risk_ties`), as arrays.

        Cheaper than :meth:`risk_ties` on a national network: no copy of the other columns.
        """
        keep = self._risk_mask(weight)
        return (
            self.ties["a_node"].to_numpy(dtype=np.int64)[keep],
            self.ties["b_node"].to_numpy(dtype=np.int64)[keep],
            self.ties[weight].to_numpy(dtype=float)[keep],
        )

    def adjacency(self, weight: str = "weight") -> sparse.csr_matrix:
        """Symmetric sparse adjacency of the risk ties (node numbers as in ``nodes``)."""
        ties = self.risk_ties(weight)
        n = len(self.nodes)
        a, b = ties["a_node"].to_numpy(), ties["b_node"].to_numpy()
        w = ties[weight].to_numpy(dtype=float)
        matrix = sparse.coo_matrix(
            (np.concatenate([w, w]), (np.concatenate([a, b]), np.concatenate([b, a]))), shape=(n, n)
        )
        return matrix.tocsr()

    def to_igraph(self, weight: str = "cluster_weight"):
        """An undirected igraph Graph of the risk ties, ``weight`` as the edge attribute ``weight``.

        Vertex ``i`` is node ``i``; the vertex attribute ``name`` is its reference; edge ``k`` is the
        ``k``-th of :meth:`risk_arrays`. Built once per weight column (a national graph takes seconds);
        each call returns its own copy, which the caller may change.
        """
        import igraph as ig

        key = (weight, len(self.ties), len(self.nodes))
        graph = self._graphs.get(key)
        if graph is None:
            a, b, w = self.risk_arrays(weight)
            graph = ig.Graph(n=len(self.nodes), edges=edge_pairs(a, b), directed=False)
            graph.es["weight"] = w.tolist()
            graph.vs["name"] = self.nodes["ref"].tolist()
            self._graphs.clear()  # one at a time: a national graph is hundreds of MB
            self._graphs[key] = graph
        return graph.copy()

    def forget_graphs(self) -> None:
        """Let go of the graphs :meth:`to_igraph` keeps."""
        self._graphs.clear()

    def to_networkx(self, include_safety: bool = False):
        """A networkx Graph of the network, nodes named by reference, for meeting-sized work and drawing.

        Node attributes are the columns of ``nodes``; edge attributes the
        columns of ``ties``. With ``include_safety``, safety and context ties
        (weight 0) are included too, for pages that draw them apart.
        """
        import networkx as nx

        graph = nx.Graph()
        for record in self.nodes.to_dict("records"):
            graph.add_node(record["ref"], **{k: v for k, v in record.items() if k != "ref"})
        ties = self.ties if include_safety else self.risk_ties("weight")
        attributes = [c for c in ties.columns if c not in ("a", "b")]
        graph.add_edges_from((r["a"], r["b"], {k: r[k] for k in attributes}) for r in ties.to_dict("records"))
        return graph


_NAT = np.iinfo(np.int64).min


def compact_positions(values: np.ndarray) -> np.ndarray:
    """Positions (whole numbers) as int32 when they all fit, else as int64: half the memory for the arrays a
    national year keeps per piece of evidence or per tie (millions), held through the analysis.

    >>> compact_positions(np.array([0, 5, 2**31 - 1])).dtype, compact_positions(np.array([2**31])).dtype
    (dtype('int32'), dtype('int64'))
    """
    values = np.asarray(values)
    small = np.iinfo(np.int32)
    if len(values) and (values.min() < small.min or values.max() > small.max):
        return values.astype(np.int64, copy=False)
    return values.astype(np.int32, copy=False)


def edge_pairs(a: np.ndarray, b: np.ndarray, chunk: int = 1 << 16):
    """``(a[k], b[k])`` as pairs of Python ints, made a chunk at a time, for igraph's Graph constructor.

    Pairs of ints are what igraph takes fastest (it converts a numpy array of
    pairs more slowly); made a chunk at a time, a national graph's millions of
    ties never exist as Python lists all at once (hundreds of MB).
    """
    for start in range(0, len(a), chunk):
        yield from zip(a[start : start + chunk].tolist(), b[start : start + chunk].tolist())


def _text_series(values: pa.Array) -> pd.Series:
    """An Arrow string array as a pandas ``str`` Series (what pandas makes of Python strings), without copying."""
    return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([values]), dtype=pd.StringDtype("pyarrow", np.nan)))


def _nanoseconds(times: pd.Series) -> np.ndarray:
    """Datetimes (tz-aware or not) as int64 nanoseconds since the epoch, UTC; NaT as the smallest int64.

    Never through Python objects: ``to_numpy()`` on a tz-aware column makes a
    Timestamp per row, which at millions of rows takes minutes.
    """
    values = pd.Series(times)
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_convert("UTC").dt.tz_localize(None)
    return values.to_numpy(dtype="datetime64[ns]").astype(np.int64)


def _london(nanoseconds: np.ndarray) -> pd.Series:
    out = pd.Series(pd.to_datetime(np.asarray(nanoseconds, dtype=np.int64), unit="ns", utc=True))
    return out.dt.tz_convert(LOCAL_TIME_ZONE)


def _empty_ties(kinds: Sequence[str]) -> pd.DataFrame:
    columns = {
        "a": "object",
        "b": "object",
        "a_node": "int64",
        "b_node": "int64",
        "weight": "float64",
        "cluster_weight": "float64",
        "tie_type": "object",
    }
    frame = pd.DataFrame({c: pd.Series([], dtype=t) for c, t in columns.items()})
    for name in kinds:
        frame[name] = pd.Series([], dtype="int32")
    frame["first_seen"] = pd.Series([], dtype=LOCAL_TIMES)
    frame["last_seen"] = pd.Series([], dtype=LOCAL_TIMES)
    frame["unverified"] = pd.Series([], dtype=bool)
    frame["pair"] = pd.Series([], dtype="int64")
    return frame
