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
        node = {"id": node_id, "label": text, "x": x, "y": y, "shape": shape, "size": round(float(sizes[i]), 1),
                "borderWidth": width, "color": {"background": fill, "border": border,
                                                 "highlight": {"background": fill, "border": "#000000"},
                                                 "hover": {"background": fill, "border": "#000000"}}}
        if concern[i]:
            node["font"] = {"color": "#A63D00", "bold": {"color": "#A63D00"}}
        elif safety[i]:
            node["font"] = {"color": "#00664A"}
        out.append(node)
        details = [[display(k), display(v)] for k, v in (row.get("details") or []) if display(v)]
        meta[node_id] = {"heading": label, "kind": kind, "words": words, "cluster": cluster,
                         "details": details, "safety": bool(safety[i]), "concern": bool(concern[i]),
                         "context": bool(context[i])}
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
        edge = {"id": edge_id, "from": str(row["from"]), "to": str(row["to"]),
                "width": _width(weight) if tie_type == "risk" else (2.5 if tie_type == "safety" else 1.0),
                "color": {"color": colour, "highlight": "#000000", "hover": "#000000"}}
        if unverified:
            edge["dashes"] = [6, 6]
        out.append(edge)
        evidence = []
        for item in row.get("evidence") or []:
            evidence.append({k: display(item.get(k)) for k in ("kind", "detail")}
                            | {"unverified": bool(item.get("unverified")) if not pd.isna(item.get("unverified"))
                               else False})
        meta[edge_id] = {"tie_type": tie_type, "unverified": unverified,
                         "weight": round(weight, 2) if numbers else None,
                         "strength": display(row.get("strength")), "why": display(row.get("why")),
                         "evidence": evidence}
    return out, meta


NETWORK_CSS = """
.network-layout { display: grid; grid-template-columns: minmax(0, 1fr) 24rem; gap: 1em; }
#network { height: calc(100vh - 14rem); min-height: 28rem; border: 1px solid #8C8C8C; background: #FFFFFF; }
.pm-controls { display: flex; flex-wrap: wrap; gap: .5em 1.5em; align-items: center; margin-bottom: .6em; }
.pm-controls label { font-weight: bold; }
.pm-controls select { max-width: 26rem; }
.pm-controls .check label { font-weight: normal; }
#details { border: 1px solid #8C8C8C; background: #F2F2F2; padding: .6em .8em; overflow-y: auto;
           max-height: calc(100vh - 14rem); }
#details h2 { margin-top: 0; }
.legend { list-style: none; padding: 0; margin: .5em 0; display: flex; flex-wrap: wrap; gap: .3em 1.2em;
          font-size: .95rem; }
.legend svg { vertical-align: middle; }
div.vis-tooltip, .pm-tip { max-width: 28rem; white-space: normal; font-family: inherit; font-size: .9rem;
                            color: #1A1A1A; background: #FFFFFF; border: 1px solid #1A1A1A; padding: .4em .6em;
                            border-radius: .3em; box-shadow: 0 2px 6px rgba(0,0,0,.3); }
.pm-tip ul, #details ul { margin: .3em 0; padding-left: 1.1em; }
.pm-tip .tip-head { font-weight: bold; }
.words-legend { margin-top: .8em; font-size: .95rem; }
.words-legend dt { font-weight: bold; margin-top: .4em; }
.words-legend ul { display: flex; flex-wrap: wrap; gap: .2em 1.5em; list-style: none; padding: 0; margin: .2em 0; }
@media (max-width: 60rem) { .network-layout { grid-template-columns: 1fr; } }
@media print {
  .network-layout { display: block; }
  #network { height: 60vh; break-inside: avoid; }
  #details { max-height: none; overflow: visible; border: none; background: none; }
}
"""

NETWORK_JS = r"""
(function () {
  "use strict";
  var data = PM.data();
  var meta = data.meta;
  var edgeById = {};
  data.edges.forEach(function (e) { edgeById[e.id] = e; });
  var container = document.getElementById("network");
  var details = document.getElementById("details-body");
  var status = document.getElementById("status");

  function evidenceList(parent, items, limit) {
    var list = PM.add(parent, "ul");
    items.slice(0, limit).forEach(function (item) {
      var li = PM.add(list, "li");
      li.appendChild(document.createTextNode(item.detail));
      if (item.unverified) { li.appendChild(document.createTextNode(" ")); PM.add(li, "span", "badge unverified", "not confirmed"); }
    });
    if (items.length > limit) { PM.add(list, "li", "muted", "and " + (items.length - limit) + " more"); }
    return list;
  }

  function nodeFacts(parent, id) {
    var m = meta.nodes[id];
    PM.add(parent, "div", "tip-head", m.heading);
    if (m.words) { PM.add(parent, "div", m.concern ? "concern-text" : (m.safety ? "safety-text" : "muted"), m.words); }
    PM.rows(parent, m.details);
  }

  function edgeFacts(parent, id, limit) {
    var m = meta.edges[id];
    var edge = edgeById[id];
    var a = meta.nodes[edge.from], b = meta.nodes[edge.to];
    PM.add(parent, "div", "tip-head", (a ? a.heading : edge.from) + " and " + (b ? b.heading : edge.to));
    var line = m.tie_type === "risk" ? (m.strength ? m.strength + " tie" : "tie") + (m.weight === null ? "" : " (weight " + m.weight + ")")
             : (m.tie_type === "safety" ? "safety: not counted as risk" : "context: family or professional, not counted as risk");
    PM.add(parent, "div", m.tie_type === "safety" ? "safety-text" : null, line);
    if (m.unverified) { PM.add(parent, "span", "badge unverified", "not confirmed: every piece of this is ungraded or graded 3, D or E"); }
    if (m.why) { PM.add(parent, "p", null, "Why linked: " + m.why); }
    evidenceList(parent, m.evidence, limit);
  }

  function tip(builder, id, limit) {
    var box = PM.el("div", "pm-tip");
    builder(box, id, limit);
    return box;
  }

  var nodes = new vis.DataSet(data.nodes.map(function (n) { n.title = tip(nodeFacts, n.id); return n; }));
  var edges = new vis.DataSet(data.edges.map(function (e) { e.title = tip(edgeFacts, e.id, 6); return e; }));

  var state = {cluster: "all", safety: true, context: true, unverified: true};
  var neighbours = {};
  data.edges.forEach(function (e) {
    (neighbours[e.from] = neighbours[e.from] || []).push(e.to);
    (neighbours[e.to] = neighbours[e.to] || []).push(e.from);
  });
  function inCluster(id) {
    if (state.cluster === "all") { return true; }
    var m = meta.nodes[id];
    if (state.cluster === "none") { return m.cluster === null && !m.safety && !m.context; }
    return String(m.cluster) === state.cluster;
  }
  function nodeShown(node) {
    var m = meta.nodes[node.id];
    if (m.safety && !state.safety) { return false; }
    if (m.context && !state.context) { return false; }
    if (state.cluster === "all" || inCluster(node.id)) { return true; }
    if (m.safety || m.context) {  // safety and context people beside the cluster they are linked to
      return (neighbours[node.id] || []).some(inCluster);
    }
    return false;
  }
  var nodeView = new vis.DataView(nodes, {filter: nodeShown});
  var shownNodes = {};
  function edgeShown(edge) {
    var m = meta.edges[edge.id];
    if (m.unverified && !state.unverified) { return false; }
    return shownNodes[edge.from] && shownNodes[edge.to];
  }
  var edgeView = new vis.DataView(edges, {filter: edgeShown});
  function refresh() {
    shownNodes = {};
    nodeView.refresh();
    nodeView.getIds().forEach(function (id) { shownNodes[id] = true; });
    edgeView.refresh();
    status.textContent = "Showing " + nodeView.length + " of " + nodes.length + " people and places, and " +
      edgeView.length + " of " + edges.length + " ties.";
  }
  refresh();

  var big = data.nodes.length > 800;
  var network = new vis.Network(container, {nodes: nodeView, edges: edgeView}, {
    autoResize: true,
    physics: {enabled: false},
    layout: {improvedLayout: false, randomSeed: 7},
    nodes: {font: {size: 14, face: "system-ui, Arial, sans-serif", color: "#1A1A1A", strokeWidth: 4,
                   strokeColor: "#FFFFFF"},
            scaling: {label: {enabled: true, min: 12, max: 22, drawThreshold: 7, maxVisible: 26}}},
    edges: {smooth: false, selectionWidth: 2, hoverWidth: 1.5},
    interaction: {hover: true, tooltipDelay: 120, keyboard: {enabled: true, bindToWindow: false},
                  navigationButtons: false, multiselect: false, hideEdgesOnDrag: big, hideEdgesOnZoom: big}
  });

  function show(builder, id) {
    PM.clear(details);
    builder(details, id, 1000);
  }
  function showNode(id) {
    show(nodeFacts, id);
    var ties = network.getConnectedEdges(id);
    if (ties.length) {
      PM.add(details, "h3", null, "Ties (" + ties.length + ")");
      ties.forEach(function (edgeId) {
        var box = PM.add(details, "div", "pm-keep");
        edgeFacts(box, edgeId, 4);
      });
    }
  }
  network.on("click", function (params) {
    if (params.nodes.length) { showNode(params.nodes[0]); }
    else if (params.edges.length) { show(edgeFacts, params.edges[0]); }
  });

  var finder = document.getElementById("find");
  data.order.forEach(function (id) {
    var m = meta.nodes[id];
    var option = PM.add(finder, "option", null, m.heading + (m.words ? " (" + m.words + ")" : ""));
    option.value = id;
  });
  finder.addEventListener("change", function () {
    var id = finder.value;
    if (!id) { return; }
    if (!nodeView.get(id)) { state.cluster = "all"; clusterSelect.value = "all"; refresh(); }
    network.selectNodes([id]);
    network.focus(id, {scale: 1.2, animation: false});
    showNode(id);
  });

  var clusterSelect = document.getElementById("cluster");
  data.clusters.forEach(function (c) {
    var option = PM.add(clusterSelect, "option", null, c.label);
    option.value = String(c.cluster);
  });
  clusterSelect.addEventListener("change", function () {
    state.cluster = clusterSelect.value;
    refresh();
    network.fit({animation: false});
  });
  [["show-safety", "safety"], ["show-context", "context"], ["show-unverified", "unverified"]].forEach(function (pair) {
    var box = document.getElementById(pair[0]);
    box.addEventListener("change", function () { state[pair[1]] = box.checked; refresh(); });
  });
  document.getElementById("fit").addEventListener("click", function () { network.fit({animation: false}); });

  window.peermap = {network: network, nodes: nodes, edges: edges, nodeView: nodeView, edgeView: edgeView,
                    refresh: refresh, state: state};
  network.once("afterDrawing", function () {
    window.peermapReadyAt = performance.now();  // milliseconds since the page began to load
    window.peermapReady = true;
    container.setAttribute("data-ready", "yes");
  });
})();
"""

NETWORK_BODY = ENV.from_string("""
<p class="muted">{{ intro }}</p>
<div class="pm-controls" role="group" aria-label="What to show">
<span><label for="cluster">Cluster</label>
<select id="cluster"><option value="all">All clusters</option>{% if unclustered %}<option value="none">Not in a cluster</option>{% endif %}</select></span>
<span><label for="find">Find</label> <select id="find"><option value="">choose a person or place…</option></select></span>
<span class="check"><input type="checkbox" id="show-safety" checked> <label for="show-safety">Safety (protective people, safe places)</label></span>
<span class="check"><input type="checkbox" id="show-context" checked> <label for="show-context">Family and professionals</label></span>
<span class="check"><input type="checkbox" id="show-unverified" checked> <label for="show-unverified">Unverified ties</label></span>
<button type="button" id="fit">Show all</button>
</div>
<ul class="legend" aria-label="Key">
<li><svg width="22" height="22" aria-hidden="true"><circle cx="11" cy="11" r="8" fill="#0072B2" stroke="#1A1A1A" stroke-width="1.5"/></svg> child (colour: cluster; size: score)</li>
<li><svg width="22" height="22" aria-hidden="true"><polygon points="11,2 20,11 11,20 2,11" fill="#E69F00" stroke="#1A1A1A" stroke-width="1.5"/></svg> associate</li>
<li><svg width="24" height="22" aria-hidden="true"><polygon points="12,2 22,20 2,20" fill="#56B4E9" stroke="#D55E00" stroke-width="3"/></svg> <span class="concern-text">adult of concern</span></li>
<li><svg width="22" height="22" aria-hidden="true"><polygon points="11,1 13.6,8 21,8 15,12.6 17.3,20 11,15.5 4.7,20 7,12.6 1,8 8.4,8" fill="#009E73" stroke="#00664A" stroke-width="1.5"/></svg> <span class="safety-text">protective person (safety)</span></li>
<li><svg width="22" height="22" aria-hidden="true"><polygon points="6,2 16,2 21,11 16,20 6,20 1,11" fill="#009E73" stroke="#00664A" stroke-width="1.5"/></svg> <span class="safety-text">safe place (safety)</span></li>
<li><svg width="22" height="22" aria-hidden="true"><rect x="3" y="3" width="16" height="16" fill="#BFBFBF" stroke="#1A1A1A" stroke-width="1.5"/></svg> family or professional</li>
<li><svg width="40" height="22" aria-hidden="true"><line x1="2" y1="11" x2="38" y2="11" stroke="#4D4D4D" stroke-width="3"/></svg> tie (wider: stronger)</li>
<li><svg width="40" height="22" aria-hidden="true"><line x1="2" y1="11" x2="38" y2="11" stroke="#4D4D4D" stroke-width="3" stroke-dasharray="6 6"/></svg> unverified tie</li>
<li><svg width="40" height="22" aria-hidden="true"><line x1="2" y1="11" x2="38" y2="11" stroke="#00664A" stroke-width="3"/></svg> <span class="safety-text">safety tie</span></li>
</ul>
<div class="network-layout">
<div>
<div id="network" tabindex="0" role="application" aria-label="Peer network: use the arrow keys to move, plus and minus to zoom; choose a person in Find to see their details" aria-describedby="status"></div>
<p id="status" class="muted" aria-live="polite"></p>
</div>
<aside id="details" aria-labelledby="details-heading">
<h2 id="details-heading">Details</h2>
<div id="details-body" aria-live="polite"><p>Hover over or click a person, a place or a tie, or choose one in Find, to see who they are and why they are linked.</p></div>
</aside>
</div>
{% if words %}<p class="muted">{{ words }}</p>{% endif %}
<details class="words-legend" open>
<summary>What the words mean</summary>
<dl>
<dt>Strength of a tie</dt>
<dd><ul>{% for word, meaning in strengths %}<li><strong>{{ word }}</strong>: {{ meaning }}</li>{% endfor %}</ul></dd>
<dt>Grades of intelligence (police 3x5x2), given in brackets after each record</dt>
<dd><ul>{% for code, w in sources.items() %}<li>{{ code }}: {{ w }}</li>{% endfor %}
{% for code, w in information.items() %}<li>{{ code }}: information {{ w }}</li>{% endfor %}
<li><strong>{{ not_confirmed }}</strong>: ungraded, or graded 3, D or E: told to someone, not checked; never a fact</li></ul></dd>
</dl>
</details>
""")


def network_data(nodes: pd.DataFrame, edges: pd.DataFrame, clusters: pd.DataFrame | None = None,
                 seed: int = 7, numbers: bool = False) -> dict:
    """The JSON the page's script reads: vis nodes and edges with positions, their facts, the cluster list."""
    nodes = nodes.reset_index(drop=True)
    edges = edges.reset_index(drop=True)
    for column, empty in (("from", ""), ("to", ""), ("weight", 0.0)):
        if column not in edges:
            edges[column] = pd.Series([empty] * len(edges), dtype=object if empty == "" else float)
    layout_edges = pd.DataFrame({"from": edges["from"].astype(str), "to": edges["to"].astype(str),
                                 "weight": pd.to_numeric(edges["weight"], errors="coerce").fillna(0).clip(lower=0.1)})
    positions = layout_positions(nodes["id"].astype(str), layout_edges, seed=seed)
    vnodes, node_meta = vis_nodes(nodes, positions)
    vedges, edge_meta = vis_edges(edges, numbers)
    score = nodes["score"] if "score" in nodes else pd.Series(0.0, index=nodes.index)
    order = nodes.assign(_score=pd.to_numeric(score, errors="coerce").fillna(-1),
                         _label=nodes["label"].astype("string").fillna(nodes["id"].astype(str)).str.lower())
    order = order.sort_values(["_score", "_label"], ascending=[False, True], kind="stable")["id"].astype(str).tolist()
    cluster_list = []
    if clusters is not None and len(clusters):
        for row in clusters.to_dict("records"):
            label = display(row.get("label")) or f"Cluster {row['cluster']}"
            label = label if len(label) <= 100 else label[:99] + "…"
            cluster_list.append({"cluster": int(row["cluster"]), "label": label})
    return {"nodes": vnodes, "edges": vedges, "meta": {"nodes": node_meta, "edges": edge_meta}, "order": order,
            "clusters": cluster_list}


def network_page(nodes: pd.DataFrame, edges: pd.DataFrame, *, clusters: pd.DataFrame | None = None,
                 title: str = "Peer network", subtitle: str = "", nav: list | None = None, intro: str = "",
                 words: str = "", seed: int = 7, numbers: bool = False,
                 strengths: list[tuple[str, str]] | None = None) -> Page:
    """The network page (see the module docstring for the frames it takes).

    ``numbers`` shows each tie's weight beside its strength word (the police
    audience); ``strengths`` is the strength legend (:func:`mapping.evidence.words.strength_legend`).
    """
    from peermap.mapping.evidence.words import (INFORMATION_GRADE_WORDS, NOT_CONFIRMED,
                                                SOURCE_GRADE_WORDS)

    data = network_data(nodes, edges, clusters, seed, numbers)
    unclustered = any(m["cluster"] is None and not m["safety"] and not m["context"] for m in data["meta"]["nodes"].values())
    body = NETWORK_BODY.render(intro=intro, words=words, unclustered=unclustered, strengths=strengths or [],
                               sources=SOURCE_GRADE_WORDS, information=INFORMATION_GRADE_WORDS,
                               not_confirmed=NOT_CONFIRMED)
    return Page(title=title, subtitle=subtitle, body=body, nav=nav or [], current="network.html",
                styles=[assets.vis_network_css(), NETWORK_CSS], scripts=[assets.vis_network_js(), NETWORK_JS],
                data={"pm-data": data},
                footer="A tie means the two were recorded together or in the same places; it does not mean they "
                       "belong to a gang. Unverified ties (ungraded, or graded 3, D or E) are dashed.")
