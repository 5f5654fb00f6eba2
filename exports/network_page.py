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
``clusters`` (optional)
    ``cluster``, ``label`` (short: the cluster filter's words) and ``summary``
    (what the details panel says when the cluster is chosen).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from peermap.exports import assets
from peermap.exports.escaping import display
from peermap.exports.layout import layout_positions, piece_layout
from peermap.exports.page import CONCERN_COLOUR, ENV, NEUTRAL_COLOUR, SAFETY_COLOUR, Page
from peermap.exports.timeline import TIE_TYPES, pair_key
from peermap.mapping.evidence.words import INFORMATION_GRADE_WORDS, NOT_CONFIRMED, SOURCE_GRADE_WORDS

#: Node sizes in pixels at zoom 1 (by score, lowest to highest).
SIZE_MIN, SIZE_MAX = 9.0, 34.0
#: Label font size in pixels at zoom 1 (network.js draws labels at this size).
FONT = 14
#: Generous widths of a label's characters at :data:`FONT` (capitals and digits, small letters, the rest):
#: what Chromium's sans-serif draws, plus a little.
CHAR_WIDTHS = (9.6, 7.6, 5.0)
#: Cluster colours, colour-blind-safe: Okabe-Ito without bluish green (safety), vermillion (concern) and
#: black, then Paul Tol's muted colours. Touching clusters get different ones (:func:`cluster_colours`).
PALETTE = (
    "#0072B2", "#E69F00", "#56B4E9", "#CC79A7", "#F0E442", "#882255",
    "#999933", "#AA4499", "#332288", "#DDCC77", "#88CCEE", "#117733",
)  # fmt: skip


def cluster_colours(clusters: pd.Series, edges: pd.DataFrame, ids: pd.Series) -> dict[int, str]:
    """A colour for each cluster such that two clusters with a tie between them never share one.

    Greedy colouring of the cluster adjacency (most-touching clusters first,
    then by number): each takes the first colour none of its neighbours has.
    The palette is used in order, so a network needs more than its 12
    colours only if a cluster touches 12 others; then colours are made by
    turning round the colour wheel, never repeated among neighbours.
    """
    cluster_of = dict(zip(ids.astype(str), clusters))
    numbers = sorted({int(c) for c in clusters.dropna()})
    touching: dict[int, set[int]] = {c: set() for c in numbers}
    for a, b in zip(edges["from"].astype(str), edges["to"].astype(str)):
        ca, cb = cluster_of.get(a), cluster_of.get(b)
        if ca is None or cb is None or pd.isna(ca) or pd.isna(cb) or int(ca) == int(cb):
            continue
        touching[int(ca)].add(int(cb))
        touching[int(cb)].add(int(ca))
    index: dict[int, int] = {}
    for c in sorted(numbers, key=lambda c: (-len(touching[c]), c)):
        taken = {index[n] for n in touching[c] if n in index}
        index[c] = next(i for i in range(len(numbers) + 1) if i not in taken)
    return {c: _palette(i) for c, i in index.items()}


def _palette(i: int) -> str:
    if i < len(PALETTE):
        return PALETTE[i]
    import colorsys

    r, g, b = colorsys.hls_to_rgb((i * 0.618034) % 1.0, 0.5, 0.6)
    return f"#{int(r * 255):02X}{int(g * 255):02X}{int(b * 255):02X}"


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


def vis_nodes(nodes: pd.DataFrame, positions: dict, colours: dict | None = None) -> tuple[list[dict], dict]:
    """vis-network node objects (drawing only) and each node's facts (shown as text).

    A node's label is its reference (or an associate's label) and its
    cluster's number, so colour never carries the cluster alone; a
    ``ref_label`` column, where given, is what the page opens with, and
    ``label`` is then the name the "show names" switch puts in its place.
    """
    colours = colours or {}
    sizes = _sizes(nodes["score"] if "score" in nodes else pd.Series(0, index=nodes.index))
    concern, safety, context = _flag(nodes, "concern"), _flag(nodes, "safety"), _flag(nodes, "context")
    out, meta = [], {}
    for i, row in enumerate(nodes.to_dict("records")):
        node_id = str(row["id"])
        kind = display(row.get("kind"))
        label = display(row.get("label")) or node_id
        opening = display(row.get("ref_label")) or label if "ref_label" in row else label
        cluster = row.get("cluster")
        cluster = None if cluster is None or pd.isna(cluster) else int(cluster)
        fill = colours.get(cluster, NEUTRAL_COLOUR) if cluster is not None else NEUTRAL_COLOUR
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
        tag = f" [{cluster}]" if cluster is not None else ""
        text = opening + tag + (f"\n{words}" if words else "")
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
            "heading": opening,
            "name": label if label != opening else None,
            "tag": tag,
            "kind": kind,
            "words": words,
            "cluster": cluster,
            "details": details,
            "safety": bool(safety[i]),
            "concern": bool(concern[i]),
            "context": bool(context[i]),
        }
    return out, meta


#: How each type of tie is drawn.
TIE_COLOURS = {"risk": "#4D4D4D", "safety": "#00664A", "context": "#8C8C8C"}


def _width(weight: float) -> float:
    """How wide a tie of ``weight`` is drawn (network.js draws a tie weighed again over a span the same way)."""
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
        colour = TIE_COLOURS.get(tie_type, TIE_COLOURS["risk"])
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
    nodes: pd.DataFrame,
    edges: pd.DataFrame,
    clusters: pd.DataFrame | None = None,
    seed: int = 7,
    numbers: bool = False,
    time: dict | None = None,
    colours: dict[int, str] | None = None,
) -> dict:
    """The JSON the page's script reads: vis nodes and edges with positions, their facts, the cluster list, and
    (given ``time``, :func:`exports.timeline.timeline`) the time control's records, with an edge for each pair
    linked only outside the period (drawn when the span takes in a month it is linked in).

    ``colours`` (cluster number to colour) is what the pack gives every page, so a cluster has one colour
    on the network and the map; without it they are worked out here (:func:`cluster_colours`).
    """
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
    if colours is None:
        colours = cluster_colours(nodes["cluster"] if "cluster" in nodes else pd.Series(pd.NA, index=nodes.index),
                                  layout_edges, nodes["id"])  # fmt: skip
    vnodes, node_meta = vis_nodes(nodes, positions, colours)
    views = cluster_view_ids(node_meta, layout_edges)
    layouts = cluster_layouts(vnodes, node_meta, layout_edges, views, seed)
    group = collapse_groups(node_meta, layout_edges)
    vedges, edge_meta = vis_edges(edges, numbers)
    if time is not None:
        _lookback_edges(vedges, edge_meta, time)
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
            number = int(row["cluster"])
            cluster_list.append(
                {
                    "cluster": number,
                    "label": label,
                    "summary": display(row.get("summary")),
                    "colour": colours.get(number, NEUTRAL_COLOUR),
                }
            )
    return {
        "nodes": vnodes,
        "edges": vedges,
        "meta": {"nodes": node_meta, "edges": edge_meta},
        "order": order,
        "clusters": cluster_list,
        "layouts": layouts,
        "group": group,
        "groups": group_layout(group, layout_edges, seed),
        "font": FONT,
        "numbers": numbers,
        "time": time,
    }


def _lookback_edges(vedges: list[dict], edge_meta: dict, time: dict) -> None:
    """An edge for each pair linked in the look-back's months but not in the period: the time control draws it
    when the span takes in one of those months (its details then say which months, and what evidence)."""
    drawn = {pair_key(e["from"], e["to"]) for e in vedges}
    separator = time["separator"]
    for i, key in enumerate(k for k in time["pairs"] if k not in drawn):
        a, b = key.split(separator)
        records = time["pairs"][key]
        tie_type = TIE_TYPES[min(r[2] for r in records)]
        edge_id = f"t{i}"
        vedges.append(
            {
                "id": edge_id,
                "from": a,
                "to": b,
                "width": 1.0 if tie_type != "safety" else 2.5,
                "color": {"color": TIE_COLOURS[tie_type], "highlight": "#000000", "hover": "#000000"},
            }
        )
        edge_meta[edge_id] = {
            "tie_type": tie_type,
            "unverified": all(r[3] for r in records),
            "weight": None,
            "strength": "",
            "why": "",
            "evidence": [],
            "lookback": True,
        }


def cluster_view_ids(node_meta: dict, edges: pd.DataFrame) -> dict[str, list[str]]:
    """The people each cluster's view shows: its own, and the safety and context people linked to them.

    The same rule as the page's cluster filter (network.js ``nodeShown``);
    ``"none"`` is the people in no cluster.
    """
    members: dict[str, list[str]] = {}
    for node_id, m in node_meta.items():
        if m["cluster"] is not None:
            members.setdefault(str(m["cluster"]), []).append(node_id)
        elif not m["safety"] and not m["context"]:
            members.setdefault("none", []).append(node_id)
    group = {i: key for key, ids in members.items() for i in ids}
    beside: dict[str, set[str]] = {}
    for a, b in zip(edges["from"], edges["to"]):
        for one, other in ((a, b), (b, a)):
            m = node_meta.get(one)
            if m and (m["safety"] or m["context"]) and other in group:
                beside.setdefault(group[other], set()).add(one)
    return {key: ids + sorted(beside.get(key, set()) - set(ids)) for key, ids in members.items()}


def _box(node: dict, meta: dict) -> tuple[float, float, float]:
    """Half width, height above and below the node's centre of a node with its label (zoom 1, generous)."""
    lines = [meta["heading"] + meta["tag"], meta["words"]] + ([meta["name"] + meta["tag"]] if meta["name"] else [])
    width = max(_text_width(line) for line in lines) + 8  # the label's white outline
    size = _view_size(node["size"])
    rows = 2 if meta["words"] else 1
    return max(width / 2, size + 2), size + 2, size + 4 + rows * 16.5


def _text_width(text: str) -> float:
    big, small, other = CHAR_WIDTHS
    return sum(big if c.isupper() or c.isdigit() else small if c.isalpha() else other for c in text)


def _view_size(size: float) -> float:
    """A node's size when its cluster is shown on its own: smaller, so the labels can be large."""
    return round(5.0 + 9.0 * (float(size) - SIZE_MIN) / (SIZE_MAX - SIZE_MIN), 1)


def collapse_groups(node_meta: dict, edges: pd.DataFrame) -> dict[str, str]:
    """The group each node is drawn in when a large view opens collapsed: its cluster; a safety or context
    person the cluster of the first clustered person they are linked to; anyone else ``"none"``."""
    group = {i: str(m["cluster"]) for i, m in node_meta.items() if m["cluster"] is not None}
    for a, b in zip(edges["from"], edges["to"]):
        for one, other in ((a, b), (b, a)):
            if one in node_meta and one not in group and other in group and node_meta[one]["cluster"] is None:
                if node_meta[one]["safety"] or node_meta[one]["context"]:
                    group[one] = group[other]
    return {i: group.get(i, "none") for i in node_meta}


def group_layout(group: dict[str, str], edges: pd.DataFrame, seed: int = 7) -> dict[str, list[float]]:
    """Where each collapsed group's one node goes: the groups laid out by the ties between them, no two
    circles or labels overlapping (so a year opens as a readable picture of its clusters)."""
    keys = sorted(set(group.values()), key=lambda k: (k == "none", int(k) if k.isdigit() else 0))
    if not keys:
        return {}
    a = edges["from"].map(group)
    b = edges["to"].map(group)
    between = pd.DataFrame({"from": a, "to": b}).dropna()
    between = between[between["from"] != between["to"]]
    weight = between.groupby(["from", "to"]).size().rename("weight").reset_index()
    sizes = pd.Series(list(group.values())).value_counts()
    radius = np.array([min(14 + 2.5 * math.sqrt(sizes.get(k, 1)), 60) for k in keys])
    half = np.maximum(radius, 11 * 16 * 0.7)
    if len(keys) > 300:  # thousands of groups: the ties' layout alone, spaced for the circles (no label search)
        xy = layout_positions(pd.Series(keys), weight, seed=seed, spacing=160.0)
    else:
        xy = piece_layout(keys, weight, half, radius + 3, radius + 6 + 2 * 16 * 1.3, seed=seed, spacing=120.0)
    return {k: list(xy[k]) for k in keys}


def cluster_layouts(vnodes: list[dict], node_meta: dict, edges: pd.DataFrame, views: dict, seed: int = 7) -> dict:
    """Each cluster laid out on its own (its people only), compact, with no two labels overlapping.

    Returns ``{cluster: {"ids": [...], "x": [...], "y": [...]}}``; the page
    moves the cluster's people there when it is chosen and fits the view.
    """
    by_id = {n["id"]: n for n in vnodes}
    views_of: dict[str, list[str]] = {}
    for key, ids in views.items():
        for i in ids:
            views_of.setdefault(i, []).append(key)
    inside: dict[str, list[int]] = {}  # each view's own ties, found in one pass over the ties
    for row, (a, b) in enumerate(zip(edges["from"], edges["to"])):
        for key in set(views_of.get(a, ())) & set(views_of.get(b, ())):
            inside.setdefault(key, []).append(row)
    out = {}
    for key, ids in views.items():
        if key == "none" and len(ids) > 400:
            continue  # too many unrelated people to lay out as one picture: the global layout serves
        inner = edges.iloc[inside.get(key, [])]
        boxes = np.array([_box(by_id[i], node_meta[i]) for i in ids])
        xy = piece_layout(
            ids, inner, boxes[:, 0], boxes[:, 1], boxes[:, 2], seed=seed, search=len(vnodes) <= 3000 and len(ids) <= 80
        )
        out[key] = {
            "ids": ids,
            "x": [xy[i][0] for i in ids],
            "y": [xy[i][1] for i in ids],
            "size": [_view_size(by_id[i]["size"]) for i in ids],
        }
    return out


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
    time: dict | None = None,
    colours: dict[int, str] | None = None,
) -> Page:
    """The network page (see the module docstring for the frames it takes).

    ``numbers`` shows each tie's weight beside its strength word (the police
    audience); ``strengths`` is the strength legend (:func:`mapping.evidence.words.strength_legend`);
    ``colours`` each cluster's colour, the same on every page of a pack (:func:`cluster_colours`).
    """
    data = network_data(nodes, edges, clusters, seed, numbers, time, colours)
    unclustered = any(
        m["cluster"] is None and not m["safety"] and not m["context"] for m in data["meta"]["nodes"].values()
    )
    body = ENV.get_template("network.html.j2").render(
        intro=intro,
        words=words,
        unclustered=unclustered,
        names=any(m["name"] for m in data["meta"]["nodes"].values()),
        time=time,
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
        body_class="pm-presenter",
        styles=[assets.vis_network_css(), assets.static("network.css")],
        scripts=[assets.vis_network_js()]
        + ([assets.static("time_control.js")] if time is not None else [])
        + [assets.static("network.js")],
        data={"pm-data": data},
        footer="A tie means the two were recorded together or in the same places; it does not mean they "
        "belong to a gang. Unverified ties (ungraded, or graded 3, D or E) are dashed.",
    )
