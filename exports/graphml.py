"""``network.graphml``: the network for Gephi and yEd, holding only what the audience may see.

It is written from the same two frames as ``network.html`` (:mod:`exports.network_page`),
after the audience has decided names, labels and which ties exist, so the file
and the page always agree. Nodes carry ``label``, ``kind``, ``role``,
``cluster``, ``score``, ``concern``, ``safety``, ``context`` and the page's
``x``/``y`` position; edges carry ``weight``, ``tie_type``, ``unverified``,
``strength``, ``why`` and one count per kind of evidence (the kinds the
registry, :mod:`mapping.evidence.kinds`, holds when the file is written). The
board gets no GraphML (DESIGN.md).

Characters XML cannot hold (control characters that may lurk in a free-text
column) are dropped, so the file always opens.
"""

from __future__ import annotations

import re
from pathlib import Path

import networkx as nx
import pandas as pd

from peermap.exports.escaping import display
from peermap.graph_models.private_files import make_folder, open_private
from peermap.mapping.evidence.kinds import kind_names

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
NODE_ATTRIBUTES = ("label", "kind", "role", "cluster", "score", "degree", "betweenness", "concern", "safety", "context")
#: Each tie's attributes before its counts of each kind of evidence.
TIE_ATTRIBUTES = ("weight", "tie_type", "unverified", "strength", "why", "first_seen", "last_seen")


def _value(value):
    """A GraphML-ready value: text without XML-invalid characters, plain numbers and booleans, or ``None``."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool):
        return value
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        value = value.item()
    if isinstance(value, float):
        return None if pd.isna(value) else value
    if isinstance(value, int):
        return value
    return _NOT_XML.sub("", display(value))


def network_graph(nodes: pd.DataFrame, edges: pd.DataFrame, positions: dict | None = None) -> nx.Graph:
    """A networkx Graph of the page's frames (attributes as in the module docstring)."""
    graph = nx.Graph()
    for row in nodes.to_dict("records"):
        attrs = {k: _value(row.get(k)) for k in NODE_ATTRIBUTES if k in row}
        if positions and str(row["id"]) in positions:
            attrs["x"], attrs["y"] = positions[str(row["id"])]
        graph.add_node(_value(row["id"]), **{k: v for k, v in attrs.items() if v is not None})
    edge_attributes = (*TIE_ATTRIBUTES, *kind_names())
    for row in edges.to_dict("records"):
        attrs = {k: _value(row.get(k)) for k in edge_attributes if k in row}
        graph.add_edge(_value(row["from"]), _value(row["to"]), **{k: v for k, v in attrs.items() if v is not None})
    return graph


def write_graphml(nodes: pd.DataFrame, edges: pd.DataFrame, path: str | Path, positions: dict | None = None) -> Path:
    """Write the GraphML file (readable by its owner only, like every file of a pack)."""
    path = Path(path)
    graph = network_graph(nodes, edges, positions)
    make_folder(path.parent)
    with open_private(path, "wb") as handle:
        nx.write_graphml(graph, handle, encoding="utf-8", prettyprint=True, named_key_ids=True)
    return path
