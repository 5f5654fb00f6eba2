"""``network.html``: the peer network, drawn with vis-network, ready to open from a shared drive.

What the page shows (DESIGN.md, "What the analysis must get right"):

- children (circles), associates (diamonds), coloured by peer cluster and
  sized by score ("most connected: may need most support" for a child);
- adults of concern as triangles with a thick vermillion outline and the words
  "adult of concern" in their label: shape and words, never colour alone;
- safety apart from risk: protective people (stars) and safe places
  (hexagons) in bluish green with "safety" in their label, their ties drawn
  green, never counted as risk; family and professionals (squares, grey) as
  context;
- unverified ties dashed, every tie as wide as its weight;
- hovering or clicking a tie shows why it exists: each piece of evidence in
  words (episodes' dates and places, source and grades), and whether it is
  unverified; hovering or clicking a person shows who they are;
- a cluster filter, a person finder, and switches for safety, context and
  unverified ties, all usable by keyboard; the details of what is selected are
  also written into a panel beside the network (read out by screen readers).

The positions are computed in Python (:mod:`exports.layout`) and the page
runs with physics off, so a network of 2,000 people opens at once.

Everything from the data reaches the page as JSON (:func:`exports.escaping.script_json`)
and is put into the page with ``textContent`` only; vis-network's tooltips get
DOM elements built that way, never HTML strings.

Inputs are two frames, so the page does not depend on how the analysis is
organised (:mod:`exports.pack` builds them from :mod:`mapping.analysis`):

``nodes``
    ``id``, ``label`` (what to write on the node), ``kind`` (``child``,
    ``associate``, ``place``), ``role``, ``cluster`` (number or missing),
    ``score`` (0 or more), ``concern`` (adult of concern), ``safety``
    (protective person or safe place), ``context`` (family, professional),
    ``details`` (list of ``(label, value)`` pairs shown when hovered or selected).
``edges``
    ``from``, ``to``, ``weight``, ``tie_type`` (``risk``, ``safety``,
    ``context``), ``unverified``, ``strength`` (words), ``why`` (one line),
    ``evidence`` (list of dicts with ``kind``, ``detail`` and optionally
    ``when``, ``place``, ``source``, ``grading``, ``unverified``).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from peermap.exports import assets
from peermap.exports.escaping import display
from peermap.exports.layout import layout_positions
from peermap.exports.page import CONCERN_COLOUR, ENV, NEUTRAL_COLOUR, SAFETY_COLOUR, Page, cluster_colour
from peermap.mapping.evidence.words import INFORMATION_GRADE_WORDS, NOT_CONFIRMED, SOURCE_GRADE_WORDS

#: Node sizes in pixels at zoom 1 (by score, lowest to highest).
SIZE_MIN, SIZE_MAX = 9.0, 34.0


def _sizes(score: pd.Series) -> np.ndarray:
    values = pd.to_numeric(score, errors="coerce").fillna(0).clip(lower=0).to_numpy(dtype=float)
    top = values.max() if len(values) else 0
    if top <= 0:
        return np.full(len(values), SIZE_MIN + 3)
    return SIZE_MIN + (SIZE_MAX - SIZE_MIN) * np.sqrt(values / top)


def _flag(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame:
        return np.zeros(len(frame), dtype=bool)
    return frame[column].fillna(False).astype(bool).to_numpy()


def vis_nodes(nodes: pd.DataFrame, positions: dict) -> tuple[list[dict], dict]:
    """vis-network node objects (drawing only) and each node's facts (shown as text)."""
    sizes = _sizes(nodes["score"] if "score" in nodes else pd.Series(0, index=nodes.index))
    concern, safety, context = _flag(nodes, "concern"), _flag(nodes, "safety"), _flag(nodes, "context")
    out, meta = [], {}
    for i, row in enumerate(nodes.to_dict("records")):
        node_id = str(row["id"])
        kind = display(row.get("kind"))
        label = display(row.get("label")) or node_id
        cluster = row.get("cluster")
        cluster = None if cluster is None or pd.isna(cluster) else int(cluster)
        fill = cluster_colour(cluster) if cluster is not None else NEUTRAL_COLOUR
        border, width, shape = "#1A1A1A", 1.5, "dot" if kind == "child" else "diamond"
        words = ""
        if safety[i]:
            fill, border, width = SAFETY_COLOUR, "#00664A", 3
            shape = "hexagon" if kind == "place" else "star"
            words = "safety"
        elif concern[i]:
            border, width, shape = CONCERN_COLOUR, 5, "triangle"
            words = "adult of concern"
        elif context[i]:
            fill, shape = "#BFBFBF", "square"
            words = display(row.get("role")).replace("_", " ")
        elif kind == "place":
            shape = "square"
        x, y = positions.get(node_id, (0.0, 0.0))
        text = label + (f"\n{words}" if words else "")
        node = {
            "id": node_id,
            "label": text,
            "x": x,
            "y": y,
            "shape": shape,
            "size": round(float(sizes[i]), 1),
            "borderWidth": width,
            "color": {
                "background": fill,
                "border": border,
                "highlight": {"background": fill, "border": "#000000"},
                "hover": {"background": fill, "border": "#000000"},
            },
        }
        if concern[i]:
            node["font"] = {"color": "#A63D00", "bold": {"color": "#A63D00"}}
        elif safety[i]:
            node["font"] = {"color": "#00664A"}
        out.append(node)
        details = [[display(k), display(v)] for k, v in (row.get("details") or []) if display(v)]
        meta[node_id] = {
            "heading": label,
            "kind": kind,
            "words": words,
            "cluster": cluster,
            "details": details,
            "safety": bool(safety[i]),
            "concern": bool(concern[i]),
            "context": bool(context[i]),
        }
    return out, meta


def _width(weight: float) -> float:
    return round(1.0 + 2.2 * math.log1p(max(float(weight), 0.0)), 2)


def vis_edges(edges: pd.DataFrame, numbers: bool = False) -> tuple[list[dict], dict]:
    """vis-network edge objects (drawing only) and each tie's evidence (shown as text).

    A tie is drawn as wide as its weight; its words say its strength, and only
    with ``numbers`` (the police) its weight too.
    """
    out, meta = [], {}
    for i, row in enumerate(edges.to_dict("records")):
        edge_id = f"e{i}"
        tie_type = display(row.get("tie_type")) or "risk"
        unverified = bool(row.get("unverified")) if not pd.isna(row.get("unverified")) else False
        weight = row.get("weight")
        weight = 0.0 if weight is None or pd.isna(weight) else float(weight)
        colour = {"risk": "#4D4D4D", "safety": "#00664A", "context": "#8C8C8C"}.get(tie_type, "#4D4D4D")
        edge = {
            "id": edge_id,
            "from": str(row["from"]),
            "to": str(row["to"]),
            "width": _width(weight) if tie_type == "risk" else (2.5 if tie_type == "safety" else 1.0),
            "color": {"color": colour, "highlight": "#000000", "hover": "#000000"},
        }
        if unverified:
            edge["dashes"] = [6, 6]
        out.append(edge)
        evidence = []
        for item in row.get("evidence") or []:
            evidence.append(
                {k: display(item.get(k)) for k in ("kind", "detail")}
                | {"unverified": bool(item.get("unverified")) if not pd.isna(item.get("unverified")) else False}
            )
        meta[edge_id] = {
            "tie_type": tie_type,
            "unverified": unverified,
            "weight": round(weight, 2) if numbers else None,
            "strength": display(row.get("strength")),
            "why": display(row.get("why")),
            "evidence": evidence,
        }
    return out, meta


def network_data(
    nodes: pd.DataFrame, edges: pd.DataFrame, clusters: pd.DataFrame | None = None, seed: int = 7, numbers: bool = False
) -> dict:
    """The JSON the page's script reads: vis nodes and edges with positions, their facts, the cluster list."""
    nodes = nodes.reset_index(drop=True)
    edges = edges.reset_index(drop=True)
    for column, empty in (("from", ""), ("to", ""), ("weight", 0.0)):
        if column not in edges:
            edges[column] = pd.Series([empty] * len(edges), dtype=object if empty == "" else float)
    layout_edges = pd.DataFrame(
        {
            "from": edges["from"].astype(str),
            "to": edges["to"].astype(str),
            "weight": pd.to_numeric(edges["weight"], errors="coerce").fillna(0).clip(lower=0.1),
        }
    )
    positions = layout_positions(nodes["id"].astype(str), layout_edges, seed=seed)
    vnodes, node_meta = vis_nodes(nodes, positions)
    vedges, edge_meta = vis_edges(edges, numbers)
    score = nodes["score"] if "score" in nodes else pd.Series(0.0, index=nodes.index)
    order = nodes.assign(
        _score=pd.to_numeric(score, errors="coerce").fillna(-1),
        _label=nodes["label"].astype("string").fillna(nodes["id"].astype(str)).str.lower(),
    )
    order = order.sort_values(["_score", "_label"], ascending=[False, True], kind="stable")["id"].astype(str).tolist()
    cluster_list = []
    if clusters is not None and len(clusters):
        for row in clusters.to_dict("records"):
            label = display(row.get("label")) or f"Cluster {row['cluster']}"
            label = label if len(label) <= 100 else label[:99] + "…"
            cluster_list.append({"cluster": int(row["cluster"]), "label": label})
    return {
        "nodes": vnodes,
        "edges": vedges,
        "meta": {"nodes": node_meta, "edges": edge_meta},
        "order": order,
        "clusters": cluster_list,
    }


def network_page(
    nodes: pd.DataFrame,
    edges: pd.DataFrame,
    *,
    clusters: pd.DataFrame | None = None,
    title: str = "Peer network",
    subtitle: str = "",
    nav: list | None = None,
    intro: str = "",
    words: str = "",
    seed: int = 7,
    numbers: bool = False,
    strengths: list[tuple[str, str]] | None = None,
) -> Page:
    """The network page (see the module docstring for the frames it takes).

    ``numbers`` shows each tie's weight beside its strength word (the police
    audience); ``strengths`` is the strength legend (:func:`mapping.evidence.words.strength_legend`).
    """
    data = network_data(nodes, edges, clusters, seed, numbers)
    unclustered = any(
        m["cluster"] is None and not m["safety"] and not m["context"] for m in data["meta"]["nodes"].values()
    )
    body = ENV.get_template("network.html.j2").render(
        intro=intro,
        words=words,
        unclustered=unclustered,
        strengths=strengths or [],
        sources=SOURCE_GRADE_WORDS,
        information=INFORMATION_GRADE_WORDS,
        not_confirmed=NOT_CONFIRMED,
    )
    return Page(
        title=title,
        subtitle=subtitle,
        body=body,
        nav=nav or [],
        current="network.html",
        styles=[assets.vis_network_css(), assets.static("network.css")],
        scripts=[assets.vis_network_js(), assets.static("network.js")],
        data={"pm-data": data},
        footer="A tie means the two were recorded together or in the same places; it does not mean they "
        "belong to a gang. Unverified ties (ungraded, or graded 3, D or E) are dashed.",
    )
